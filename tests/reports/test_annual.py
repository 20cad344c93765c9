"""The annual report on data made here: what goes in for a year, what stays out, and the query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.reports import annual
from regija.strategies.models import Node
from tests.factories import AgendaItemFactory, SessionFactory, StatedFigureFactory, body_with_terms

pytestmark = pytest.mark.django_db

D = Decimal


def test_the_year_of_a_small_organisation(world, add_call):
    add_call(world, 1, 2)
    add_call(world, 2, 1)
    add_call(world, 3, 1, status="draft")  # drafts are never reported
    add_call(world, 4, 1, published=dt.date(2024, 3, 1))  # published after the year
    StatedFigureFactory(
        strategy=world["strategy"],
        label="1. poziv – izplačano",
        what="paid",
        scope_node=Node.objects.get(strategy=world["strategy"], code="JP1"),
        amount=D("1500.00"),
        source="Tabela 1",
    )
    r = annual.build("test-las", 2023)

    assert r.profile.name == "LAS Preizkus" and r.profile.address == "Trg 1, 1000 Ljubljana"
    assert r.profile.territory == ["Litija", "Šmartno pri Litiji"]
    assert [s.slug for s in r.profile.strategies] == ["test-slr"]  # the 2014–2020 strategy is not in force

    # bodies: the term running in 2023 and its members still sitting; the undated committee stays out
    assert [b.slug for b in r.bodies] == ["uo"]
    (term,) = r.bodies[0].terms
    assert term.label == "2018–2024"
    assert [(m.name, m.role, m.represents) for m in term.members] == [
        ("Ana Predsednica", "chair", "Nosilec d.o.o."),
        ("Marko Zastopnik", "member", "Občina Litija"),
    ]
    sessions = r.bodies[0].sessions
    assert [(s.kind, s.number, s.date, s.end_date) for s in sessions] == [
        ("regular", 16, dt.date(2023, 2, 22), None),
        ("correspondence", 12, dt.date(2023, 5, 29), dt.date(2023, 6, 2)),
    ]
    assert sessions[0].agenda == ["potrditev pogodbe"] and sessions[0].decisions == [
        ("3", "pogodba se potrdi")
    ]

    # calls: published ones by the year's end, each operation with approved (secured) and paid by 31 Dec
    assert [c.number for c in r.calls] == ["1", "2"]
    c1 = r.calls[0]
    assert [o.code for o in c1.operations] == ["P1-1", "P1-2"]
    op = c1.operations[0]
    assert op.approved == D("1200.00")  # 1000 secured + 200 of the partly secured 500
    assert op.paid == D("700.00") and op.claimed == D("50.00")  # the 2024 payment is left out
    assert op.holder.name == "Nosilec d.o.o." and op.instrument.startswith("odločba 33-1/1")
    assert c1.approved == D("2400.00") and c1.paid == D("1400.00")
    assert c1.committee == "Odbor (1. poziv)"
    assert r.approved == D("3600.00") and r.paid == D("2100.00") and r.operations == 3
    funds = {f.code: f for f in r.funds}
    assert funds["T-EKSRP"].approved == D("3000.00") and funds["T-EKSRP"].paid == D("2100.00")
    assert (
        funds["T-ESRR"].approved == D("600.00")
        and funds["T-ESRR"].paid == D("0.00")
        and funds["T-ESRR"].claimed == D("150.00")
    )
    assert funds["T-EKSRP"].operations == 3

    # the stated paid total of call 1 differs from the rows (all payments ever, the 2024 one too: 2 × 799):
    # a note at the call
    (note,) = c1.notes
    assert note.stated == "1.500,00 €" and "1.598,00 €" in note.computed
    assert note.subject in [n.subject for n in r.notes]

    # indicators: the latest value by 31 Dec 2023, not the 2024 one; only strategies in force
    (ind,) = r.indicators
    assert (ind.code, ind.target, ind.achieved, ind.status) == ("K1", D("5"), D("7"), "achieved")

    (coop,) = r.cooperation
    assert (coop.code, [x.name for x in coop.partners], coop.approved, coop.paid) == (
        "SOD-1",
        ["Nosilec d.o.o."],
        D("2000.00"),
        D("0.00"),
    )


def test_a_year_without_data_has_empty_sections(world):
    r = annual.build(world["org"], 1990)
    assert r.bodies == [] and r.calls == [] and r.funds == [] and r.indicators == [] and r.cooperation == []
    from regija.reports.layout import Paragraph, layout

    empty = [b for b in layout(r) if isinstance(b, Paragraph) and b.style == "empty"]
    assert len(empty) >= 5


def test_unknown_organisation():
    with pytest.raises(annual.UnknownOrganisation):
        annual.build("no-such-organisation", 2023)


def test_query_count_does_not_grow_with_calls_and_projects(world, add_call):
    add_call(world, 1, 1)
    with CaptureQueriesContext(connection) as small:
        report = annual.build("test-las", 2023)
    assert report.operations == 1
    for n in range(2, 7):
        add_call(world, n, 4)
    extra, _terms = body_with_terms(
        organisation=world["org"],
        slug="no",
        kind="supervisory_board",
        name="Nadzorni odbor",
        terms=[
            dict(label="x", start=dt.date(2020, 1, 1), members=[dict(name=f"Član {i}") for i in range(5)])
        ],
    )
    for i in range(5):
        s = SessionFactory(body=extra, number=i + 1, date=dt.date(2023, 3, i + 1))
        AgendaItemFactory(session=s, order=1, title="točka")
    with CaptureQueriesContext(connection) as large:
        report = annual.build("test-las", 2023)
    assert report.operations == 21
    assert len(large) == len(small), [q["sql"][:80] for q in large.captured_queries]
    assert len(large) <= 40
