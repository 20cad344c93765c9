"""The bodies page of an organisation: bodies, terms, members, sessions by year, decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.core.models import Organisation
from regija.governance.models import AgendaItem, Body, Decision, Member, Session, Term

pytestmark = [pytest.mark.django_db, pytest.mark.real_cache]


@pytest.fixture
def body(db):
    org = Organisation.objects.create(slug="las-organi", name="LAS Organi", kind="las")
    person = Organisation.objects.create(slug="oseba-x", name="Oseba Iks", kind="person")
    commune = Organisation.objects.create(slug="obcina-organi", name="Občina Organi", kind="municipality")
    board = Body.objects.create(
        organisation=org, slug="upravni-odbor", kind="management_board", name="Upravni odbor"
    )
    old = Term.objects.create(
        body=board,
        label="2015–2019",
        start=dt.date(2015, 1, 1),
        end=dt.date(2019, 1, 1),
        selection="election",
        order=1,
    )
    current = Term.objects.create(
        body=board, label="2019–2099", start=dt.date(2019, 1, 1), selection="election", order=2
    )
    Member.objects.create(term=old, name="Stari Predsednik", role="chair")
    Member.objects.create(term=current, name="Nova Predsednica", role="chair", organisation=commune)
    Member.objects.create(
        term=current, name="Namestnik Miha", role="deputy", organisation_name="Društvo Miha"
    )
    Member.objects.create(
        term=current,
        name="Pozni Član",
        role="member",
        start=dt.date(2021, 3, 1),
        end=dt.date(2022, 5, 31),
        organisation=person,
    )
    s = Session.objects.create(
        body=board, kind="regular", number=7, date=dt.date(2023, 3, 1), place="Hrastnik"
    )
    item = AgendaItem.objects.create(session=s, order=1, title="Potrditev letnega poročila")
    Decision.objects.create(session=s, number="3", text="Letno poročilo se potrdi.", agenda_item=item)
    c = Session.objects.create(
        body=board,
        kind="correspondence",
        number=2,
        date=dt.date(2022, 11, 14),
        end_date=dt.date(2022, 11, 18),
    )
    Decision.objects.create(session=c, number="1", text="Imenuje se ocenjevalna komisija.")
    committee = Body.objects.create(
        organisation=org, slug="komisija", kind="evaluation_committee", name="Komisija"
    )
    Term.objects.create(
        body=committee, label="1. poziv", selection="decision", appointed_by=Decision.objects.get(session=c)
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
        t = Term.objects.create(body=board, label=f"x{i}", order=10 + i)
        for j in range(3):
            Member.objects.create(term=t, name=f"Član {i}-{j}")
        s = Session.objects.create(body=board, number=100 + i, date=dt.date(2023, 5, 1 + i))
        AgendaItem.objects.create(session=s, order=1, title="Točka")
        Decision.objects.create(session=s, number="1", text="Sklep")
    Body.objects.create(organisation=board.organisation, slug="nadzorni", kind="supervisory_board", name="NO")
    assert count() == before
    assert before <= 15
