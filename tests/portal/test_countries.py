"""The country of a foreign organisation is shown where it is named: its page, the organisation list and
every project's partner list; a Slovenian one shows none."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from regija.core.countries import country_name, flag
from regija.projects.models import Project

SAVINJSKA = "savinjska-integralna-zelena-regija"


def test_country_names_in_slovenian_and_english():
    # the names Slovenian speakers use (CLDR), not the English ones or codes
    with translation.override("sl"):
        assert [country_name(c) for c in ("AT", "IT", "HR", "HU", "DE")] == [
            "Avstrija",
            "Italija",
            "Hrvaška",
            "Madžarska",
            "Nemčija",
        ]
    assert country_name("IT", "en") == "Italy"
    assert country_name("XX", "sl") == "XX"  # unknown: the code, never an empty cell
    assert flag("AT") == "\U0001f1e6\U0001f1f9"
    assert flag("") == ""


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _partner_rows(response) -> dict[str, str]:
    html = response.content.decode()
    table = re.search(
        r"<h2>[^<]*</h2>\s*<div class=\"table-wrap\"[^>]*><table>.*?</table>", html, re.S
    ).group(0)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>", table, re.S)
    out = {}
    for row in rows:
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        out[text.split(" ")[0]] = text
    return out


@pytest.mark.django_db
def test_the_partner_list_names_each_foreign_partners_country(client):
    # 001, Prosojnica 9: CLEAN with ERNACT (IE), ANEA (IT), … and RASR (Slovenia)
    project = Project.objects.get(strategy__slug__startswith="savinjska", code="CLEAN")
    rows = _partner_rows(client.get(project.get_absolute_url(), headers={"accept-language": "sl"}))
    assert rows["ANEA"].endswith("Italija (IT)")
    assert rows["ERNACT"].endswith("Irska (IE)")
    rasr = next(text for text in rows.values() if "RASR" in text or "Razvojna agencija Savinjske" in text)
    assert "(SI)" not in rasr and "Slovenija" not in rasr
    rows_en = _partner_rows(client.get(project.get_absolute_url(), headers={"accept-language": "en"}))
    assert rows_en["ANEA"].endswith("Italy (IT)")


@pytest.mark.django_db
def test_the_organisation_page_and_list_show_the_country(client):
    page = _text(client.get("/organizacije/university-of-debrecen/", headers={"accept-language": "en"}))
    assert "Country \U0001f1ed\U0001f1fa Hungary (HU)" in page  # flag, name, code
    page = _text(client.get("/organizacije/university-of-debrecen/", headers={"accept-language": "sl"}))
    assert "Madžarska (HU)" in page
    domestic = _text(client.get("/organizacije/las-zasavje/", headers={"accept-language": "en"}))
    assert "Country" not in domestic
    listing = _text(client.get("/organizacije/?q=ANEA", headers={"accept-language": "sl"}))
    assert "ANEA \U0001f1ee\U0001f1f9 Italija (IT)" in listing
