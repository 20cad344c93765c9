"""A small LAS of its own for the annual report, built with tests/factories.py: its strategies, funds,
indicator, bodies with their terms and sessions, a cooperation project, and – through ``add_call`` –
calls with their operations, as the LAS's records give them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    DecisionFactory,
    FundFactory,
    IndicatorFactory,
    NodeFactory,
    ObservationFactory,
    OrganisationFactory,
    SessionFactory,
    body_with_terms,
    project_with_money,
    recorded_application,
    recorded_call,
    strategy_with_nodes,
)

D = Decimal


@pytest.fixture
def world(db) -> dict:
    org = OrganisationFactory(
        slug="test-las", name="LAS Preizkus", short_name="LAS P", kind="las", address="Trg 1, 1000 Ljubljana"
    )
    holder = OrganisationFactory(slug="test-nosilec", name="Nosilec d.o.o.", kind="company")
    other = OrganisationFactory(slug="test-drugi", name="Drugi LAS", kind="las")
    s, nodes = strategy_with_nodes(
        [("SLR", "strategy", [("JP", "programme"), ("SOD", "cooperation", [("SOD1", "project_group")])])],
        slug="test-slr",
        title="SLR Preizkus",
        status="in_implementation",
        source_title="x",
        period_start="2021",
        period_end="2027",
        territory=["Litija", "Šmartno pri Litiji"],
        owners=[org],
    )
    old, old_nodes = strategy_with_nodes(
        [("X", "goal")],
        slug="test-stara",
        title="Stara SLR",
        status="closed",
        source_title="x",
        period_start="2014",
        period_end="2020",
        owners=[org],
    )
    fund_a = FundFactory(code="T-EKSRP", name="Kmetijski")
    fund_b = FundFactory(code="T-ESRR", name="Regionalni")
    ind = IndicatorFactory(
        node=nodes["SLR"],
        code="K1",
        name="Nova delovna mesta",
        unit="število",
        target_value=D("5"),
        target_date=dt.date(2023, 12, 31),
    )
    ObservationFactory(indicator=ind, date=dt.date(2022, 12, 31), value=D("3"))
    ObservationFactory(indicator=ind, date=dt.date(2023, 12, 31), value=D("7"))
    ObservationFactory(indicator=ind, date=dt.date(2024, 12, 31), value=D("99"))  # after the year
    IndicatorFactory(node=old_nodes["X"], code="OLD", name="Stari kazalnik")

    board, _terms = body_with_terms(
        organisation=org,
        slug="uo",
        kind="management_board",
        name="Upravni odbor",
        order=1,
        terms=[
            dict(
                label="2015–2018",
                start=dt.date(2015, 1, 1),
                end=dt.date(2018, 12, 12),
                members=[dict(name="Bivši Član")],
            ),
            dict(
                label="2018–2024",
                start=dt.date(2018, 12, 12),
                end=dt.date(2024, 2, 28),
                order=1,
                members=[
                    dict(name="Ana Predsednica", role="chair", organisation=holder, order=1),
                    dict(name="Marko Zastopnik", organisation_name="Občina Litija", order=2),
                    dict(name="Odšel Prej", end=dt.date(2022, 11, 1), order=3),
                ],
            ),
        ],
    )
    s16 = SessionFactory(body=board, kind="regular", number=16, date=dt.date(2023, 2, 22))
    item = AgendaItemFactory(session=s16, order=1, title="potrditev pogodbe")
    DecisionFactory(session=s16, number="3", text="pogodba se potrdi", agenda_item=item)
    SessionFactory(
        body=board, kind="correspondence", number=12, date=dt.date(2023, 5, 29), end_date=dt.date(2023, 6, 2)
    )
    SessionFactory(body=board, kind="regular", number=15, date=dt.date(2022, 12, 1))  # the year before
    SessionFactory(body=board, kind="correspondence", number=13, date=None, held=False)  # no date: in no year
    _body, (committee,) = body_with_terms(
        organisation=org,
        slug="odbor",
        kind="evaluation_committee",
        name="Odbor",
        order=2,
        # undated: not in a year's compositions
        terms=[dict(label="1. poziv", members=[dict(name="Ocenjevalec")])],
    )
    BodyFactory(organisation=other, slug="uo", kind="management_board", name="Tuji odbor")

    project_with_money(
        strategy=s,
        code="SOD-1",
        title="Skupaj naprej",
        holder=org,
        status="in_progress",
        nodes=[nodes["SOD1"]],
        partners=[holder],
        budget=[dict(fund=fund_a, amount=D("2000.00"), secured="yes")],
    )
    return dict(
        org=org,
        holder=holder,
        other=other,
        strategy=s,
        calls_node=nodes["JP"],
        fund_a=fund_a,
        fund_b=fund_b,
        committee=committee,
        coop_child=nodes["SOD1"],
    )


@pytest.fixture
def add_call():
    """add_call(world, n, operations): the n-th call of the world's LAS with its node and ``operations``
    approved applications, each with its operation (completed, budget and payments), and one rejected."""

    def add(world, n: int, operations: int = 2, *, published=dt.date(2020, 1, 1), status="decided"):
        s, holder, fund_a, fund_b = world["strategy"], world["holder"], world["fund_a"], world["fund_b"]
        node = NodeFactory(strategy=s, parent=world["calls_node"], code=f"JP{n}", level="call", order=n)
        call = recorded_call(
            world["org"],
            strategy=s,
            slug=f"poziv-{n}",
            number=str(n),
            title=f"{n}. poziv",
            published_on=published,
            status=status,
            committee_term=world["committee"],
            nodes=[node],
        )
        for i in range(1, operations + 1):
            p = project_with_money(
                strategy=s,
                code=f"P{n}-{i}",
                title=f"Operacija {n}-{i}",
                holder=holder,
                status="completed",
                instrument_kind="decision",
                instrument_number=f"33-{n}/{i}",
                instrument_date=dt.date(2020, 5, 4),
                order=n * 100 + i,
                nodes=[node],
                budget=[
                    dict(fund=fund_a, amount=D("1000.00"), secured="yes"),
                    dict(fund=fund_b, amount=D("500.00"), secured="partly", secured_amount=D("200.00")),
                ],
                payments=[
                    dict(fund=fund_a, label="1. faza", amount=D("300.00"), state="paid"),
                    dict(
                        fund=fund_a,
                        label="2. faza",
                        amount=D("400.00"),
                        state="paid",
                        date=dt.date(2023, 6, 1),
                    ),
                    # paid after the year: not in the 2023 report
                    dict(
                        fund=fund_b,
                        label="3. faza",
                        amount=D("99.00"),
                        state="paid",
                        date=dt.date(2024, 2, 1),
                    ),
                    dict(fund=fund_b, label="zahtevek", amount=D("50.00"), state="claimed"),
                ],
            )
            recorded_application(call, holder, number=i, title=p.title, status="approved", project=p)
        # an application that did not become an operation is not listed
        recorded_application(call, holder, number=operations + 1, title="Zavrnjena", status="rejected")
        return call

    return add
