"""Sorting the project list by holder never orders by a natural person's name: such a holder sorts as
what the list shows for it, "natural person", on the page, in the downloads and in the API alike
(issue 12, point 11; docs/calls.md, "Publication and personal data")."""

from __future__ import annotations

import csv
import io
import re

import pytest

from regija.strategies.models import Strategy
from tests.factories import OrganisationFactory, project_with_money

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
QUERY = f"strategy={LAS}&municipality=Sortna+vas&sort=holder"


@pytest.fixture
def held():
    """Three projects in one place: one held by an organisation, two by natural persons whose names sort
    the other way round than their projects' titles."""
    strategy = Strategy.objects.get(slug=LAS)
    alfa = OrganisationFactory(slug="alfa-zavod", name="Alfa zavod", kind="ngo")
    ana = OrganisationFactory(slug="ana-kos", name="Ana Kos", kind="person")
    ziga = OrganisationFactory(slug="ziga-zupan", name="Žiga Zupan", kind="person")
    for code, title, holder, order in [
        ("SRT-1", "Mlin", alfa, 9201),
        ("SRT-2", "Zeliščni vrt", ana, 9202),
        ("SRT-3", "Apiterapija", ziga, 9203),
    ]:
        project_with_money(
            strategy=strategy, code=code, title=title, holder=holder, order=order, municipality="Sortna vas"
        )


# By name, Ana Kos (SRT-2) would come before Žiga Zupan (SRT-3); as "natural person" both sort alike and
# their titles decide (Apiterapija before Zeliščni vrt). "Alfa zavod" comes before "natural person" and
# "fizična oseba" in every collation.
EXPECTED = ["SRT-1", "SRT-3", "SRT-2"]


@pytest.mark.parametrize("language", ["sl", "en"])
def test_page_sorts_natural_persons_as_natural_person(client, held, language):
    html = client.get(f"/projekti/?{QUERY}", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    codes = list(dict.fromkeys(re.findall(r"SRT-\d", html)))
    assert codes == EXPECTED


def test_downloads_sort_natural_persons_as_natural_person(client, held):
    raw = b"".join(client.get(f"/projekti/izvoz.csv?{QUERY}").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=";"))  # Slovenian Excel's dialect
    assert [r[1] for r in rows[1:]] == EXPECTED

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(f"/projekti/izvoz.xlsx?{QUERY}").content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == EXPECTED


def test_api_sorts_natural_persons_as_natural_person(client, held):
    body = client.get(f"/api/v1/projects?{QUERY}").json()
    assert [p["code"] for p in body["items"]] == EXPECTED
