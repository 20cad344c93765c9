"""The annual report marks natural-person holders and partners; its published form – the one an
organisation puts on its website – leaves their names out, while the staff form keeps them (issue 12,
point 11; docs/reports.md, "Two forms")."""

from __future__ import annotations

import io
from decimal import Decimal

import docx
import pytest
from django.core.management import call_command

from tests.factories import OrganisationFactory, PartnerFactory, project_with_money, recorded_application

from .tables import by_key, docx_tables, html_tables

pytestmark = pytest.mark.django_db

HOLDER = "Petra Kos"
PARTNER = "Marko Zasebnik"
STAFF = "/porocila/test-las/2023/"
PUBLISHED = "/porocila/test-las/2023/javno/"


@pytest.fixture
def persons(world, add_call):
    """Call 1 of the test LAS with an operation held by a natural person, and a natural person as partner
    of the cooperation operation."""
    call = add_call(world, 1, 1)
    person = OrganisationFactory(slug="petra-kos", name=HOLDER, kind="person")
    project = project_with_money(
        strategy=world["strategy"],
        code="P1-9",
        title="Zeliščni vrt",
        holder=person,
        status="in_progress",
        order=199,
        budget=[dict(fund=world["fund_a"], amount=Decimal("800.00"), secured="yes")],
    )
    recorded_application(call, person, number=9, title=project.title, status="approved", project=project)
    from regija.projects.models import Project

    PartnerFactory(
        project=Project.objects.get(code="SOD-1"),
        organisation=OrganisationFactory(slug="marko-zasebnik", name=PARTNER, kind="person"),
        order=5,
    )
    return world


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _holder_of(tables, title: str) -> str:
    rows = by_key(tables, "call-1")["rows"]
    return next(row[1] for row in rows if row[0] == title)


def test_staff_form_names_and_marks_natural_persons(client, member, persons):
    client.force_login(member("viewer", "test-las"))
    html = client.get(STAFF, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tables = html_tables(html)
    assert _holder_of(tables, "Zeliščni vrt") == f"{HOLDER} (natural person)"
    assert _holder_of(tables, "Operacija 1-1") == "Nosilec d.o.o."  # an organisation: unmarked
    (coop,) = by_key(tables, "cooperation")["rows"]
    assert coop[2] == f"Nosilec d.o.o., {PARTNER} (natural person)"
    assert "javno/" in html  # a link to the published form


def test_published_form_leaves_natural_persons_names_out(client, member, persons):
    client.force_login(member("viewer", "test-las"))
    response = client.get(PUBLISHED, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert HOLDER not in html and PARTNER not in html and "petra-kos" not in html
    tables = html_tables(html)
    assert _holder_of(tables, "Zeliščni vrt") == "natural person"
    (coop,) = by_key(tables, "cooperation")["rows"]
    assert coop[2] == "Nosilec d.o.o., natural person"

    docx_response = client.get(PUBLISHED + "porocilo.docx", HTTP_ACCEPT_LANGUAGE="en")
    assert 'filename="porocilo-test-las-2023-javno.docx"' in docx_response["Content-Disposition"]
    text = _docx_text(docx_response.content)
    assert HOLDER not in text and PARTNER not in text
    # the published HTML and DOCX still hold the same tables
    assert [t["rows"] + t["foot"] for t in tables] == [t["body"] for t in docx_tables(docx_response.content)]


def test_staff_docx_keeps_the_names(client, member, persons):
    client.force_login(member("viewer", "test-las"))
    text = _docx_text(client.get(STAFF + "porocilo.docx", HTTP_ACCEPT_LANGUAGE="en").content)
    assert f"{HOLDER} (natural person)" in text and f"{PARTNER} (natural person)" in text


@pytest.mark.parametrize(
    "who, status", [("viewer of test-las", 200), ("viewer of test-drugi", 403), ("editor of petra-kos", 403)]
)
def test_published_form_is_for_the_same_staff(client, member, persons, who, status):
    role, org = who.split(" of ")
    client.force_login(member(role, org))
    assert client.get(PUBLISHED).status_code == status
    assert client.get(PUBLISHED + "porocilo.docx").status_code == status


def test_published_form_needs_sign_in(client, persons):
    response = client.get(PUBLISHED)
    assert response.status_code == 302 and response["Location"].startswith("/prijava/")


def test_command_writes_the_published_form_on_request(persons, tmp_path, capsys):
    call_command("report", "annual", "test-las", "2023", "--published", "--output", str(tmp_path))
    assert capsys.readouterr().out.split() == [
        str(tmp_path / "porocilo-test-las-2023-javno.html"),
        str(tmp_path / "porocilo-test-las-2023-javno.docx"),
    ]
    html = (tmp_path / "porocilo-test-las-2023-javno.html").read_text(encoding="utf-8")
    assert HOLDER not in html and PARTNER not in html and "fizična oseba" in html
    text = _docx_text((tmp_path / "porocilo-test-las-2023-javno.docx").read_bytes())
    assert HOLDER not in text and PARTNER not in text

    call_command(
        "report",
        "annual",
        "test-las",
        "2023",
        "--output",
        str(tmp_path),
        "--format",
        "html",
        "--language",
        "en",
    )
    staff = (tmp_path / "porocilo-test-las-2023.html").read_text(encoding="utf-8")
    assert f"{HOLDER} (natural person)" in staff
