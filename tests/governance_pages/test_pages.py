"""The bodies page of an organisation: bodies, terms, members, sessions by year, decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.governance.models import Body
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    DecisionFactory,
    MemberFactory,
    OrganisationFactory,
    SessionFactory,
    TermFactory,
    body_with_terms,
)

pytestmark = [pytest.mark.django_db, pytest.mark.real_cache]


@pytest.fixture
def body(db):
    org = OrganisationFactory(slug="las-organi", name="LAS Organi", kind="las")
    person = OrganisationFactory(slug="oseba-x", name="Oseba Iks", kind="person")
    commune = OrganisationFactory(slug="obcina-organi", name="Občina Organi", kind="municipality")
    board, _terms = body_with_terms(
        organisation=org,
        slug="upravni-odbor",
        kind="management_board",
        name="Upravni odbor",
        terms=[
            dict(
                label="2015–2019",
                start=dt.date(2015, 1, 1),
                end=dt.date(2019, 1, 1),
                selection="election",
                order=1,
                members=[dict(name="Stari Predsednik", role="chair")],
            ),
            dict(
                label="2019–2099",
                start=dt.date(2019, 1, 1),
                selection="election",
                order=2,
                members=[
                    dict(name="Nova Predsednica", role="chair", organisation=commune),
                    dict(name="Namestnik Miha", role="deputy", organisation_name="Društvo Miha"),
                    dict(
                        name="Pozni Član",
                        role="member",
                        start=dt.date(2021, 3, 1),
                        end=dt.date(2022, 5, 31),
                        organisation=person,
                    ),
                ],
            ),
        ],
    )
    s = SessionFactory(body=board, kind="regular", number=7, date=dt.date(2023, 3, 1), place="Hrastnik")
    item = AgendaItemFactory(session=s, order=1, title="Potrditev letnega poročila")
    DecisionFactory(session=s, number="3", text="Letno poročilo se potrdi.", agenda_item=item)
    c = SessionFactory(
        body=board,
        kind="correspondence",
        number=2,
        date=dt.date(2022, 11, 14),
        end_date=dt.date(2022, 11, 18),
    )
    appointing = DecisionFactory(session=c, number="1", text="Imenuje se ocenjevalna komisija.")
    body_with_terms(
        organisation=org,
        slug="komisija",
        kind="evaluation_committee",
        name="Komisija",
        terms=[dict(label="1. poziv", selection="decision", appointed_by=appointing)],
    )
    return org


def test_bodies_page(client, body):
    r = client.get("/organizacije/las-organi/organi/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Upravni odbor" in html and "Stari Predsednik" in html and "Nova Predsednica" in html
    assert "Namestnik Miha" in html and "Društvo Miha" in html and "Občina Organi" in html
    # the current term comes before the old one
    assert html.index("2019–2099") < html.index("2015–2019")
    # joined and left within the term
    assert "1. 3. 2021" in html and "31. 5. 2022" in html
    # a represented natural person is not named
    assert "Oseba Iks" not in html
    # the latest year by default: session 7 with its agenda and numbered decision
    assert "Potrditev letnega poročila" in html and "Letno poročilo se potrdi." in html
    assert "Imenuje se ocenjevalna komisija." not in html
    # how the committee was appointed
    assert "18. 11. 2022" in html  # a correspondence decision is dated by the last day


def test_sessions_by_year(client, body):
    html = client.get("/organizacije/las-organi/organi/?leto=2022").content.decode()
    assert "Imenuje se ocenjevalna komisija." in html and "Letno poročilo se potrdi." not in html
    assert "14. 11. 2022 – 18. 11. 2022" in html
    # an unknown year falls back to the latest
    assert (
        "Letno poročilo se potrdi."
        in client.get("/organizacije/las-organi/organi/?leto=abc").content.decode()
    )


def test_unknown_organisation_is_404(client, db):
    assert client.get("/organizacije/ni-je/organi/").status_code == 404


@pytest.mark.real_cache(False)  # counts the queries of rendering the page
def test_queries_do_not_grow(client, body):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/organizacije/las-organi/organi/?leto=2023").status_code == 200
        return len(ctx)

    before = count()
    board = Body.objects.get(slug="upravni-odbor", organisation__slug="las-organi")
    for i in range(5):
        t = TermFactory(body=board, label=f"x{i}", order=10 + i)
        for j in range(3):
            MemberFactory(term=t, name=f"Član {i}-{j}")
        s = SessionFactory(body=board, number=100 + i, date=dt.date(2023, 5, 1 + i))
        AgendaItemFactory(session=s, order=1, title="Točka")
        DecisionFactory(session=s, number="1", text="Sklep")
    BodyFactory(organisation=board.organisation, slug="nadzorni", kind="supervisory_board", name="NO")
    assert count() == before
    assert before <= 15
