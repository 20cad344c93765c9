"""A holder or partner that is a natural person is never named, linked or offered by the project list,
its filters, its downloads or a project's page – only "natural person" (fizična oseba)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from regija.projects.filters import ProjectFilters
from regija.projects.models import Project
from tests.factories import FundFactory, OrganisationFactory, project_with_money

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
NAME = "Janez Zasebnik"
PARTNER = "Mojca Partnerka"
LIST = f"?strategy={LAS}&municipality=Testna+vas"  # the two projects of the fixture, on one page


@pytest.fixture
def persons():
    """Two projects of the LAS strategy: one held by a natural person with a person and a company as
    partners, one held by the company."""
    from regija.strategies.models import Strategy

    company = OrganisationFactory(slug="podjetje-ena", name="Podjetje Ena d.o.o.", kind="company")
    person = OrganisationFactory(
        slug="janez-zasebnik", name=NAME, kind="person", address="Zasebna ulica 7, Trbovlje"
    )
    partner = OrganisationFactory(slug="mojca-partnerka", name=PARTNER, kind="person")
    strategy = Strategy.objects.get(slug=LAS)
    budget = [dict(fund=FundFactory(code="CLLD"), amount=Decimal("20000.00"), secured="yes")]
    held = project_with_money(
        strategy=strategy,
        code="TST-1",
        title="Čebelarski učni poligon",
        holder=person,
        status="in_progress",
        order=9001,
        municipality="Testna vas",
        budget=budget,
        partners=[
            dict(organisation=partner, role="partner", budget_share=Decimal("5000.00"), order=1),
            dict(organisation=company, role="partner", budget_share=Decimal("3000.00"), order=2),
        ],
    )
    other = project_with_money(
        strategy=strategy,
        code="TST-2",
        title="Predelava sadja",
        holder=company,
        status="in_progress",
        order=9002,
        municipality="Testna vas",
        budget=budget,
    )
    return {"person": person, "partner": partner, "company": company, "held": held, "other": other}


def _holder_cell(html: str, code: str) -> str:
    """The holder cell of one project's row in the list table (its first cell after the project)."""
    row = next(row for row in re.findall(r"<tr>.*?</tr>", html, flags=re.DOTALL) if f">{code} " in row)
    return re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)[0]


def _partners(html: str) -> str:
    """The Partners section of a project's page (its first heading after the title)."""
    return html.split("<h2>")[1]


def _csv(response, delimiter=";") -> list[list[str]]:
    """A CSV download as read with the delimiter of its dialect (Slovenian Excel's by default)."""
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _hidden(text: str) -> bool:
    return (
        NAME not in text
        and "janez-zasebnik" not in text
        and PARTNER not in text
        and "mojca-partnerka" not in text
    )


def test_list_table_says_natural_person_without_name_or_link(client, member, persons):
    # the table is kept rendered for everyone alike (caching.fragment): staff who may edit see the same
    for user in (None, member("editor", "las-zasavje")):
        if user:
            client.force_login(user)
        html = client.get("/projekti/" + LIST).content.decode()
        assert _holder_cell(html, "TST-1") == "fizična oseba"
        assert NAME not in html and "janez-zasebnik" not in html
        assert _holder_cell(html, "TST-2") == '<a href="/organizacije/podjetje-ena/">Podjetje Ena d.o.o.</a>'


def test_list_table_in_english(client, persons):
    client.cookies["django_language"] = "en"
    html = client.get("/projekti/" + LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _holder_cell(html, "TST-1") == "natural person"


def test_holder_choices_never_offer_a_person(client, persons):
    from regija.projects.selectors import filter_choices

    for strategy in (LAS, None):
        slugs = {slug for slug, _ in filter_choices(ProjectFilters(strategy=strategy))["holders"]}
        assert "podjetje-ena" in slugs and "janez-zasebnik" not in slugs
    for query in (f"?strategy={LAS}", "", "?holder=janez-zasebnik", f"?strategy={LAS}&holder=janez-zasebnik"):
        html = client.get("/projekti/" + query).content.decode()
        select = re.search(r'<select[^>]* id="f-holder".*?</select>', html, flags=re.DOTALL).group(0)
        assert "Podjetje Ena" in select
        assert NAME not in select and "janez-zasebnik" not in select, query


def test_a_person_slug_as_holder_filter_lists_nothing(client, persons):
    assert ProjectFilters(holder="janez-zasebnik").apply(Project.objects.all()).count() == 0
    assert ProjectFilters(holder="podjetje-ena").apply(Project.objects.all()).count() == 1
    html = client.get("/projekti/?holder=janez-zasebnik").content.decode()
    assert int(re.search(r'<p role="status">\s*(\d+)', html).group(1)) == 0
    assert "Čebelarski učni poligon" not in html
    assert len(_csv(client.get("/projekti/izvoz.csv?holder=janez-zasebnik"))) == 1  # the header only


def test_csv_download_writes_natural_person(client, persons):
    rows = _csv(client.get(f"/projekti/izvoz.csv?strategy={LAS}"))
    holder = rows[0].index("Nosilec")
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["TST-1"][holder] == "fizična oseba"
    assert by_code["TST-2"][holder] == "Podjetje Ena d.o.o."
    assert not any(NAME in cell for r in rows for cell in r)
    client.cookies["django_language"] = "en"
    rows = _csv(client.get(f"/projekti/izvoz.csv?strategy={LAS}", HTTP_ACCEPT_LANGUAGE="en"), ",")
    assert {r[1]: r for r in rows[1:]}["TST-1"][rows[0].index("Holder")] == "natural person"


def test_xlsx_download_writes_natural_person(client, persons):
    sheet = load_workbook(io.BytesIO(client.get(f"/projekti/izvoz.xlsx?strategy={LAS}").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    holder = rows[0].index("Nosilec")
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["TST-1"][holder] == "fizična oseba"
    assert by_code["TST-2"][holder] == "Podjetje Ena d.o.o."
    assert not any(isinstance(cell, str) and NAME in cell for r in rows for cell in r)


def test_project_page_partners_hide_a_person_from_the_public(client, member, persons):
    url = persons["held"].get_absolute_url()
    for user in (None, member("viewer", "las-zasavje")):  # signed in but may not edit: still the public view
        if user:
            client.force_login(user)
        html = client.get(url).content.decode()
        assert _hidden(html)
        partners = _partners(html)
        assert '<th scope="row">fizična oseba</th>' in partners
        assert '<a href="/organizacije/podjetje-ena/">Podjetje Ena d.o.o.</a>' in partners


def test_project_page_partners_named_to_an_editor_without_link(client, member, persons):
    client.force_login(member("editor", "las-zasavje"))
    html = client.get(persons["held"].get_absolute_url()).content.decode()
    partners = _partners(html)
    assert f'<th scope="row">{PARTNER}</th>' in partners and "fizična oseba" not in partners
    assert "/organizacije/mojca-partnerka/" not in html and "/organizacije/janez-zasebnik/" not in html


# --- where a person's project is, and the pages and API beyond the project list ------------------------

PLACE = "Zasebna ulica 7"


@pytest.fixture
def placed(persons):
    """The person's project with an exact place (as an applicant would enter their farm's address)."""
    held = persons["held"]
    held.location_name, held.municipality, held.lat, held.lon = PLACE, "Trbovlje", 46.1234, 15.0456
    held.save()
    return persons


def test_project_page_gives_a_persons_project_only_its_municipality(client, member, placed):
    url = placed["held"].get_absolute_url()
    html = client.get(url).content.decode()
    assert PLACE not in html and "Trbovlje" in html
    client.force_login(member("editor", "las-zasavje"))
    assert PLACE in client.get(url).content.decode()


def test_map_places_a_persons_project_at_the_municipality_seat(client, placed):
    html = client.get(f"/projekti/?strategy={LAS}&municipality=Trbovlje").content.decode()
    assert "TST-1" in html and PLACE not in html and "46.1234" not in html
    geo = client.get(f"/api/v1/projects/geo?strategy={LAS}&municipality=Trbovlje").json()
    feature = next(f for f in geo["features"] if f["properties"]["code"] == "TST-1")
    assert feature["properties"]["approximate"] is True and feature["properties"]["location_name"] == ""
    assert feature["geometry"]["coordinates"] == [15.0533, 46.155]  # Trbovlje's seat, not the exact place


def test_a_persons_project_without_a_known_seat_is_left_off_the_map(client, placed):
    Project.objects.filter(pk=placed["held"].pk).update(municipality="Testna vas")
    geo = client.get(f"/api/v1/projects/geo?strategy={LAS}").json()
    assert "TST-1" not in [f["properties"]["code"] for f in geo["features"]]


def test_api_and_csv_give_no_exact_place_of_a_persons_project(client, placed):
    items = client.get(f"/api/v1/projects?strategy={LAS}&municipality=Trbovlje").json()["items"]
    assert next(i for i in items if i["code"] == "TST-1")["location"] == {
        "name": "", "municipality": "Trbovlje", "lat": None, "lon": None,
    }  # fmt: skip
    detail = client.get(f"/api/v1/projects/{LAS}/TST-1").content.decode()
    assert PLACE not in detail and "46.1234" not in detail
    rows = _csv(client.get(f"/projekti/izvoz.csv?strategy={LAS}&municipality=Trbovlje"))
    text = repr(rows)
    assert "TST-1" in text
    assert not {"46.1234", "15.0456", "46,1234", "15,0456"} & {c.strip() for r in rows for c in r}
    assert "46.1234" not in text and "46,1234" not in text and "15,0456" not in text


def test_node_and_organisation_pages_do_not_name_a_person_holder(client, placed):
    from regija.strategies.models import Node

    node = Node.objects.filter(strategy__slug=LAS).order_by("path").first()
    placed["held"].nodes.add(node)
    for url in (f"/strategije/{LAS}/{node.code}/", placed["company"].get_absolute_url()):
        html = client.get(url).content.decode()
        assert "TST-1" in html and NAME not in html and "fizična oseba" in html


def test_organisations_api_never_lists_or_shows_a_person(client, placed):
    listed = client.get("/api/v1/organisations?page_size=100").content.decode()
    assert NAME not in listed and PARTNER not in listed and "Podjetje Ena" in listed
    assert client.get("/api/v1/organisations?kind=person").json()["count"] == 0
    assert client.get("/api/v1/organisations/janez-zasebnik").status_code == 404
    assert client.get("/api/v1/organisations/podjetje-ena").status_code == 200
