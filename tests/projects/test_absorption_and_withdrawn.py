"""Absorption per allocation owner, and withdrawn projects left out of the planned totals.

The rule (docs/strategy-file.md "Money roll-ups"): a payment counts against the allocation of the
organisation whose programme the project belongs to – the owners of the strategy that lists it, or the
organisation of the call that selected it; payments of owners without an allocation of the fund count
against none. Expected values are worked out by hand from the files below.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from regija.interchange.importer import import_text
from regija.projects import selectors
from regija.projects.models import Fund, Project
from regija.strategies.models import Node, Strategy
from tests.factories import ApplicationFactory, CallFactory, PaymentFactory

pytestmark = pytest.mark.django_db
D = Decimal

# LAS Test holds an ESRR allocation of 1 000 €; its operation L1 is paid 100 €.
LAS_FILE = """
regija: 1
strategy: {slug: test-las, title: SLR Test, owners: [las-test], status: adopted, source: {title: T}}
organisations:
  - {slug: las-test, name: LAS Test, kind: las}
funds:
  - code: T-ESRR
    name: Test ESRR
    allocations: [{owner: las-test, period: 2021-2027, amount: 1000.00}]
nodes:
  - {code: U1, level: goal, title: Ukrep}
projects:
  - code: L1
    title: Operacija LAS
    status: in_progress
    nodes: [U1]
    budget: [{fund: T-ESRR, amount: 400.00, secured: yes}]
    payments: [{label: 1. zahtevek, amount: 100.00, state: paid, fund: T-ESRR, date: 2024-03-01}]
"""

# A municipality without an ESRR allocation: its project is paid 200 € from ESRR and serves the LAS's
# goal U1 – a link to another strategy's node, which does not make the LAS's allocation pay it.
MUNICIPALITY_FILE = """
regija: 1
strategy: {slug: test-obcina, title: Občina, owners: [obcina-b], status: adopted, source: {title: T}}
organisations:
  - {slug: obcina-b, name: Občina B, kind: municipality}
nodes:
  - {code: C1, level: goal, title: Cilj}
projects:
  - code: B1
    title: Občinski projekt
    status: completed
    nodes: [C1, {strategy: test-las, code: U1}]
    budget: [{fund: T-ESRR, amount: 250.00, secured: yes}]
    payments: [{label: zahtevek, amount: 200.00, state: paid, fund: T-ESRR, date: 2024-06-01}]
  - code: B2
    title: Umaknjen projekt
    status: withdrawn
    nodes: [C1]
    budget: [{fund: T-ESRR, amount: 80.00, secured: yes}]
    withdrawal: {date: 2024-02-01, reason: odstop}
"""

# A region with its own ESRR allocation of 500 €: its project is paid 50 €.
REGION_FILE = """
regija: 1
strategy: {slug: test-regija, title: Regija, owners: [rra-test], status: adopted, source: {title: T}}
organisations:
  - {slug: rra-test, name: RRA Test, kind: regional_development_agency}
funds:
  - code: T-ESRR
    name: Test ESRR
    allocations: [{owner: rra-test, period: 2021-2027, amount: 500.00}]
projects:
  - code: R1
    title: Regionalni projekt
    status: in_progress
    budget: [{fund: T-ESRR, amount: 300.00, secured: yes}]
    payments: [{label: zahtevek, amount: 50.00, state: paid, fund: T-ESRR, date: 2025-01-15}]
"""


@pytest.fixture
def three_owners():
    for text in (LAS_FILE, MUNICIPALITY_FILE, REGION_FILE):
        import_text(text)


def _fund(rows, code="T-ESRR"):
    return next(r for r in rows if r.fund.code == code)


def _uses():
    uses, unallocated = selectors.allocation_uses()
    return (
        {u.allocation.owner.slug: u for u in uses if u.allocation.fund.code == "T-ESRR"},
        {u.fund.code: u.paid for u in unallocated},
    )


def test_each_allocation_counts_its_owners_payments_only(three_owners):
    uses, unallocated = _uses()
    # LAS: 100 of 1 000 (the municipality's 200 do not count, though B1 serves the LAS's goal)
    assert uses["las-test"].paid == D("100.00")
    assert uses["las-test"].approved == D("400.00")
    assert uses["las-test"].absorption == D("0.1")
    # region: 50 of 500
    assert uses["rra-test"].paid == D("50.00")
    assert uses["rra-test"].approved == D("300.00")
    assert uses["rra-test"].absorption == D("0.1")
    # the municipality holds no ESRR allocation: its 200 count against none
    assert unallocated["T-ESRR"] == D("200.00")


def test_the_fund_row_measures_what_is_paid_against_its_allocations(three_owners):
    row = _fund(selectors.fund_rollups())
    assert row.paid == D("350.00")  # 100 + 200 + 50: everything paid from the fund
    assert row.allocated == D("1500.00")  # 1 000 + 500
    assert row.allocated_paid == D("150.00")  # 100 + 50
    assert row.unallocated_paid == D("200.00")
    assert row.absorption == D("0.1")  # 150 / 1 500, not 350 / 1 500


def test_a_strategy_scope_counts_its_owners_allocations(three_owners):
    las = _fund(selectors.fund_rollups(Strategy.objects.get(slug="test-las")))
    # the LAS strategy's projects: L1 (listed) and B1 (linked to U1); its owner's allocation only
    assert las.paid == D("300.00")
    assert las.allocated == D("1000.00")
    assert las.allocated_paid == D("100.00")
    assert las.absorption == D("0.1")
    municipality = _fund(selectors.fund_rollups(Strategy.objects.get(slug="test-obcina")))
    assert municipality.allocated is None and municipality.absorption is None
    assert municipality.unallocated_paid == D("200.00")


def test_the_funds_page_and_the_api_show_absorption_per_owner(three_owners, client):
    html = client.get("/skladi/", headers={"accept-language": "en"}).content.decode()
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # the allocations table: a row of payments without an allocation, the municipality's 200
    assert "T-ESRR without an allocation – €200.00 – payments to projects of owners" in page
    funds = client.get("/api/v1/funds", {"page_size": 100}).json()["items"]
    esrr = next(f for f in funds if f["code"] == "T-ESRR")
    assert D(esrr["absorption"]) == D("0.1")
    assert esrr["allocated_paid"] == "150.00"
    assert esrr["unallocated_paid"] == "200.00"


def test_an_operation_of_a_call_counts_against_the_calls_organisation(three_owners):
    # an operation listed in the municipality's strategy but selected in the region's call
    project = Project.objects.get(strategy__slug="test-obcina", code="B1")
    call = CallFactory(organisation=Strategy.objects.get(slug="test-regija").owners.get())
    ApplicationFactory(call=call, project=project)
    uses, unallocated = _uses()
    assert uses["rra-test"].paid == D("250.00")  # 50 + B1's 200
    assert uses["las-test"].paid == D("100.00")
    assert unallocated.get("T-ESRR", D(0)) == D(0)


def test_several_periods_take_the_payment_of_their_years(three_owners):
    fund = Fund.objects.get(code="T-ESRR")
    las = Strategy.objects.get(slug="test-las")
    from regija.projects.models import Allocation

    old = Allocation.objects.create(
        declared_in=las, fund=fund, owner=las.owners.get(), period="2014-2020", amount=D("400.00")
    )
    l1 = Project.objects.get(strategy=las, code="L1")
    PaymentFactory(project=l1, fund=fund, amount=D("40.00"), date=dt.date(2019, 5, 1))
    PaymentFactory(project=l1, fund=fund, amount=D("7.00"), date=None)  # no date: no period to match
    uses, unallocated = selectors.allocation_uses()
    by_period = {u.allocation.period: u.paid for u in uses if u.allocation.owner_id == old.owner_id}
    assert by_period == {"2014-2020": D("40.00"), "2021-2027": D("100.00")}
    assert {u.fund.code: u.paid for u in unallocated}["T-ESRR"] == D("207.00")  # 200 + 7


def test_withdrawn_projects_are_left_out_of_the_planned_totals(three_owners):
    strategy = Strategy.objects.get(slug="test-obcina")
    rollup = selectors.strategy_rollup(strategy)
    assert rollup.projects == 2
    assert rollup.total == D("250.00")  # B1 only; B2's 80 are withdrawn
    assert rollup.secured == D("250.00")
    assert rollup.withdrawn == 1
    assert rollup.withdrawn_total == D("80.00")
    goal = selectors.node_rollup(Node.objects.get(strategy=strategy, code="C1"))
    assert (goal.total, goal.withdrawn_total) == (D("250.00"), D("80.00"))
    assert selectors.node_rollups(strategy)[Node.objects.get(strategy=strategy, code="C1").pk] == goal
    assert selectors.strategy_rollups([strategy.pk])[strategy.pk] == rollup
    fund = _fund(selectors.fund_rollups(strategy))
    assert (fund.total, fund.secured, fund.withdrawn_total) == (D("250.00"), D("250.00"), D("80.00"))


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_strategy_page_shows_the_withdrawn_apart_and_marks_the_project(three_owners, client):
    html = client.get("/strategije/test-obcina/?open=all", headers={"accept-language": "en"}).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Withdrawn and not counted: 1 project, €80.00" in text
    # the withdrawn project in the tree carries its status tag
    assert re.search(
        r"B2 Umaknjen projekt</a> <strong class=\"govuk-tag status-withdrawn\">withdrawn</strong>", html
    )
    node = _text(client.get("/strategije/test-obcina/C1/", headers={"accept-language": "en"}))
    assert "1 project, €80.00 planned – not counted in the total" in node
