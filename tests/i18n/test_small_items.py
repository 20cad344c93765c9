"""What a page says when a value is missing or odd: no "?–?" period (tests/i18n/test_dates.py), no
"Hrastnik, Hrastnik", no unit alone where a target is missing, a sentence instead of an empty table of
values, no "-0,0 %", and a call's state in the page's language ("osnutek", not "draft")."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from regija.core.templatetags.regija import num, percent, with_unit
from regija.projects.models import Partner, Project, place_name
from regija.strategies.models import Indicator

LAS = "las-zasavje-2023"
VELENJE = "velenje-pametno-mesto-2022-2030"
ZASAVJE = "zasavje-po-2027"


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.mark.parametrize(
    "place, municipality, shown",
    [
        ("Hrastnik", "Hrastnik", "Hrastnik"),
        ("Šuštarska nedelja, Tržič", "Tržič", "Šuštarska nedelja, Tržič"),
        ("Dol pri Hrastniku", "Hrastnik", "Dol pri Hrastniku, Hrastnik"),
        ("", "Tržič", "Tržič"),
        ("Kisovec", "", "Kisovec"),
    ],
)
def test_a_place_names_its_municipality_once(place, municipality, shown):
    assert place_name(place, municipality) == shown


@pytest.mark.django_db
def test_the_project_page_and_map_name_hrastnik_once(client):
    """JP1-01 (TIC Hrastnik) is in Hrastnik, municipality Hrastnik (002)."""
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    assert (project.location_name, project.municipality) == ("Hrastnik", "Hrastnik")
    assert "Hrastnik, Hrastnik" not in _text(client.get(project.get_absolute_url()))
    assert "Hrastnik, Hrastnik" not in _text(client.get(f"/projekti/?strategy={LAS}&municipality=Hrastnik"))


def test_a_number_with_its_unit_or_a_dash():
    with translation.override("sl"):
        assert with_unit(Decimal("26.500000"), "%") == "26,5 %"
        assert with_unit(None, "%") == "–"
        assert with_unit(Decimal("5"), "") == "5"


@pytest.mark.django_db
def test_a_missing_target_is_a_dash_not_a_lone_unit(client):
    """Velenje's K1.1 is measured in % and has no target yet (Tabela 10: set at the start)."""
    indicator = Indicator.objects.get(strategy__slug=VELENJE, code="K1.1")
    assert indicator.unit == "%" and indicator.target_value is None
    page = client.get(reverse("node", args=[VELENJE, indicator.node.code])).content.decode()
    row = re.search(rf"{re.escape(indicator.code)} .*?</tr>", page, re.S).group(0)
    cells = [c.strip() for c in re.findall(r'<td class="num">(.*?)</td>', row)]
    assert cells[2] == "–" and "%" not in cells


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, sentence",
    [
        ("en", "No values are recorded for this indicator yet"),
        ("sl", "Za ta kazalnik še ni zabeležena nobena vrednost"),
    ],
)
def test_an_indicator_without_values_says_so_instead_of_an_empty_table(client, language, sentence):
    indicator = Indicator.objects.get(strategy__slug=VELENJE, code="K1.2")
    assert indicator.baseline_value is None and indicator.target_value is None
    assert not indicator.observations.exists()
    page = client.get(indicator.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert sentence in page
    values = page[page.index('id="values"') :]
    assert "<table" not in values.split("</main>")[0]


def test_no_negative_zero():
    with translation.override("sl"):
        assert percent(Decimal("-0.0004")) == "0,0 %"
        assert percent(Decimal("-0")) == "0,0 %"
        assert percent(Decimal("-0.1234")) == "-12,3 %"
        assert num(Decimal("-0.000000")) == "0"


@pytest.mark.django_db
@pytest.mark.parametrize("language, shown", [("sl", "0,0 %"), ("en", "0.0 %")])
def test_an_indicator_at_its_baseline_is_at_zero_percent(client, language, shown):
    """Zasavje po 2027, K01: daily commuting 53 % in 2023, to be halved (26,5 %) by 2034 – measured 53 %
    on the baseline date: on track, none of the way done yet."""
    indicator = Indicator.objects.get(strategy__slug=ZASAVJE, code="K01")
    text = _text(client.get(indicator.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language))
    assert f"{shown} " in text and f"-{shown}" not in text


@pytest.mark.django_db
def test_a_draft_call_is_a_draft_in_the_page_language(client, clock):
    from tests.factories import call_world

    w = call_world()
    client.force_login(w.users["staff"])
    url = reverse("call_manage", args=["las-zasavje", w.call.slug])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="sl").content.decode()
    assert re.search(r'class="badge call-draft">.*?osnutek</span>', page, re.S)
    assert not re.search(r'class="badge call-draft">[^<]*draft', page)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'class="badge call-draft">.*?draft</span>', page, re.S)


@pytest.mark.parametrize(
    "role, english, slovenian",
    [
        ("partner", "partner", "partner"),
        ("lead_partner", "lead partner", "vodilni partner"),
        ("co_owner", "co owner", "co owner"),
    ],
)
def test_a_partners_role_in_the_page_language(role, english, slovenian):
    with translation.override("en"):
        assert Partner(role=role).role_label == english
    with translation.override("sl"):
        assert Partner(role=role).role_label == slovenian
