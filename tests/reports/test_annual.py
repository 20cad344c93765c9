"""The annual report on data made here: what goes in for a year, what stays out, and the query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.calls.models import Application, Call
from regija.core.models import Organisation
from regija.governance.models import AgendaItem, Body, Decision, Member, Session, Term
from regija.projects.models import BudgetLine, Fund, Partner, Payment, Project, StatedFigure
from regija.reports import annual
from regija.strategies.models import Indicator, Node, Observation, Strategy

pytestmark = pytest.mark.django_db

D = Decimal


def _node(strategy, code, level, parent=None, order=1):
    path = (parent.path if parent else "") + f"{order:04d}"
    return Node.objects.create(
        strategy=strategy,
        code=code,
        level=level,
        title=code,
        parent=parent,
        path=path,
        depth=(parent.depth + 1) if parent else 0,
        order=order,
    )


def add_call(world, n: int, operations: int = 2, *, published=dt.date(2020, 1, 1), status="decided"):
    """A call with its node and `operations` approved applications, each with a project, budget and payments."""
    s, org = world["strategy"], world["org"]
    node = _node(s, f"JP{n}", "call", world["calls_node"], order=n)
    call = Call.objects.create(
        organisation=org,
        strategy=s,
        slug=f"poziv-{n}",
        number=str(n),
        title=f"{n}. poziv",
        published_on=published,
        status=status,
        committee_term=world["committee"],
    )
    call.nodes.add(node)
    for i in range(1, operations + 1):
        p = Project.objects.create(
            strategy=s,
            code=f"P{n}-{i}",
            title=f"Operacija {n}-{i}",
            holder=world["holder"],
            status="completed",
            instrument_kind="decision",
            instrument_number=f"33-{n}/{i}",
            instrument_date=dt.date(2020, 5, 4),
            order=n * 100 + i,
        )
        p.nodes.add(node)
        BudgetLine.objects.create(project=p, fund=world["fund_a"], amount=D("1000.00"), secured="yes")
        BudgetLine.objects.create(
            project=p, fund=world["fund_b"], amount=D("500.00"), secured="partly", secured_amount=D("200.00")
        )
        Payment.objects.create(
            project=p, fund=world["fund_a"], label="1. faza", amount=D("300.00"), state="paid"
        )
        Payment.objects.create(
            project=p,
            fund=world["fund_a"],
            label="2. faza",
            amount=D("400.00"),
            state="paid",
            date=dt.date(2023, 6, 1),
        )
        # paid after the year: not in the 2023 report
        Payment.objects.create(
            project=p,
            fund=world["fund_b"],
            label="3. faza",
            amount=D("99.00"),
            state="paid",
            date=dt.date(2024, 2, 1),
        )
        Payment.objects.create(
            project=p, fund=world["fund_b"], label="zahtevek", amount=D("50.00"), state="claimed"
        )
        Application.objects.create(
            call=call, applicant=world["holder"], number=i, title=p.title, status="approved", project=p
        )
    # an application that did not become an operation is not listed
    Application.objects.create(
        call=call, applicant=world["holder"], number=operations + 1, title="Zavrnjena", status="rejected"
    )
    return call


@pytest.fixture
def world():
    org = Organisation.objects.create(
        slug="test-las", name="LAS Preizkus", short_name="LAS P", kind="las", address="Trg 1, 1000 Ljubljana"
    )
    holder = Organisation.objects.create(slug="test-nosilec", name="Nosilec d.o.o.", kind="company")
    other = Organisation.objects.create(slug="test-drugi", name="Drugi LAS", kind="las")
    s = Strategy.objects.create(
        slug="test-slr",
        title="SLR Preizkus",
        status="in_implementation",
        source_title="x",
        period_start="2021",
        period_end="2027",
        territory=["Litija", "Šmartno pri Litiji"],
    )
    s.owners.add(org)
    old = Strategy.objects.create(
        slug="test-stara",
        title="Stara SLR",
        status="closed",
        source_title="x",
        period_start="2014",
        period_end="2020",
    )
    old.owners.add(org)
    root = _node(s, "SLR", "strategy")
    calls_node = _node(s, "JP", "programme", root, 1)
    coop = _node(s, "SOD", "cooperation", root, 2)
    coop_child = _node(s, "SOD1", "project_group", coop, 1)
    fund_a = Fund.objects.create(code="T-EKSRP", name="Kmetijski")
    fund_b = Fund.objects.create(code="T-ESRR", name="Regionalni")
    ind = Indicator.objects.create(
        strategy=s,
        node=root,
        code="K1",
        name="Nova delovna mesta",
        unit="število",
        target_value=D("5"),
        target_date=dt.date(2023, 12, 31),
    )
    Observation.objects.create(indicator=ind, date=dt.date(2022, 12, 31), value=D("3"))
    Observation.objects.create(indicator=ind, date=dt.date(2023, 12, 31), value=D("7"))
    Observation.objects.create(indicator=ind, date=dt.date(2024, 12, 31), value=D("99"))  # after the year
    Indicator.objects.create(strategy=old, node=_node(old, "X", "goal"), code="OLD", name="Stari kazalnik")

    board = Body.objects.create(
        organisation=org, slug="uo", kind="management_board", name="Upravni odbor", order=1
    )
    t_old = Term.objects.create(
        body=board, label="2015–2018", start=dt.date(2015, 1, 1), end=dt.date(2018, 12, 12)
    )
    Member.objects.create(term=t_old, name="Bivši Član")
    t_now = Term.objects.create(
        body=board, label="2018–2024", start=dt.date(2018, 12, 12), end=dt.date(2024, 2, 28), order=1
    )
    Member.objects.create(term=t_now, name="Ana Predsednica", role="chair", organisation=holder, order=1)
    Member.objects.create(term=t_now, name="Marko Zastopnik", organisation_name="Občina Litija", order=2)
    Member.objects.create(term=t_now, name="Odšel Prej", end=dt.date(2022, 11, 1), order=3)
    s16 = Session.objects.create(body=board, kind="regular", number=16, date=dt.date(2023, 2, 22))
    item = AgendaItem.objects.create(session=s16, order=1, title="potrditev pogodbe")
    Decision.objects.create(session=s16, number="3", text="pogodba se potrdi", agenda_item=item)
    Session.objects.create(
        body=board, kind="correspondence", number=12, date=dt.date(2023, 5, 29), end_date=dt.date(2023, 6, 2)
    )
    Session.objects.create(
        body=board, kind="regular", number=15, date=dt.date(2022, 12, 1)
    )  # the year before
    Session.objects.create(body=board, kind="correspondence", number=13, held=False)  # no date: in no year
    committee_body = Body.objects.create(
        organisation=org, slug="odbor", kind="evaluation_committee", name="Odbor", order=2
    )
    committee = Term.objects.create(
        body=committee_body, label="1. poziv"
    )  # undated: not in a year's compositions
    Member.objects.create(term=committee, name="Ocenjevalec")
    Body.objects.create(organisation=other, slug="uo", kind="management_board", name="Tuji odbor")

    world = dict(
        org=org,
        holder=holder,
        other=other,
        strategy=s,
        calls_node=calls_node,
        fund_a=fund_a,
        fund_b=fund_b,
        committee=committee,
        coop_child=coop_child,
    )
    coop_project = Project.objects.create(
        strategy=s, code="SOD-1", title="Skupaj naprej", holder=org, status="in_progress"
    )
    coop_project.nodes.add(coop_child)
    Partner.objects.create(project=coop_project, organisation=holder)
    BudgetLine.objects.create(project=coop_project, fund=fund_a, amount=D("2000.00"), secured="yes")
    return world


def test_the_year_of_a_small_organisation(world):
    add_call(world, 1, 2)
    add_call(world, 2, 1)
    add_call(world, 3, 1, status="draft")  # drafts are never reported
    add_call(world, 4, 1, published=dt.date(2024, 3, 1))  # published after the year
    StatedFigure.objects.create(
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
    assert op.holder == "Nosilec d.o.o." and op.instrument.startswith("odločba 33-1/1")
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

    # the stated paid total of call 1 differs from the rows (all payments ever, the 2024 one too: 2 × 799): a note at the call
    (note,) = c1.notes
    assert note.stated == "1.500,00 €" and "1.598,00 €" in note.computed
    assert note.subject in [n.subject for n in r.notes]

    # indicators: the latest value by 31 Dec 2023, not the 2024 one; only strategies in force
    (ind,) = r.indicators
    assert (ind.code, ind.target, ind.achieved, ind.status) == ("K1", D("5"), D("7"), "achieved")

    (coop,) = r.cooperation
    assert (coop.code, coop.partners, coop.approved, coop.paid) == (
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


def test_query_count_does_not_grow_with_calls_and_projects(world):
    add_call(world, 1, 1)
    with CaptureQueriesContext(connection) as small:
        report = annual.build("test-las", 2023)
    assert report.operations == 1
    for n in range(2, 7):
        add_call(world, n, 4)
    extra = Body.objects.create(
        organisation=world["org"], slug="no", kind="supervisory_board", name="Nadzorni odbor"
    )
    term = Term.objects.create(body=extra, label="x", start=dt.date(2020, 1, 1))
    for i in range(5):
        Member.objects.create(term=term, name=f"Član {i}")
        s = Session.objects.create(body=extra, number=i + 1, date=dt.date(2023, 3, i + 1))
        AgendaItem.objects.create(session=s, order=1, title="točka")
    with CaptureQueriesContext(connection) as large:
        report = annual.build("test-las", 2023)
    assert report.operations == 21
    assert len(large) == len(small), [q["sql"][:80] for q in large.captured_queries]
    assert len(large) <= 40
