"""Money roll-ups per node, strategy and fund; absorption; consistency findings on a small strategy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from regija.interchange.importer import import_text
from regija.projects import consistency, selectors
from regija.strategies.models import Node, Strategy
from tests.factories import FundFactory

pytestmark = pytest.mark.django_db
D = Decimal

# Goal G has measures M1 and M2; project A serves both (it must count once for G),
# project B serves M2 only, project C is listed but serves no node.
SMALL = """
regija: 1
strategy:
  slug: test-rollups
  title: Test
  owners: [obcina-test]
  status: adopted
  source: {title: Test}
organisations:
  - {slug: obcina-test, name: Občina Test, kind: municipality}
funds:
  - code: T-EU
    name: Test EU
    allocations: [{owner: obcina-test, period: 2021-2027, amount: 1000.00}]
  - {code: T-OBC, name: Test občina}
nodes:
  - code: G
    level: goal
    title: Goal
    children:
      - {code: M1, level: measure, title: One}
      - {code: M2, level: measure, title: Two}
  - {code: H, level: goal, title: Empty goal}
projects:
  - code: A
    title: Serves both measures
    status: in_progress
    nodes: [M1, M2]
    budget:
      - {fund: T-EU, amount: 100.00, secured: yes}
      - {fund: T-OBC, amount: 50.00, secured: partly, secured_amount: 20.00}
    payments:
      - {label: 1. zahtevek, amount: 60.00, state: paid, fund: T-EU}
      - {label: 2. zahtevek, amount: 30.00, state: claimed, fund: T-EU}
  - code: B
    title: Serves M2
    status: approved
    nodes: [M2]
    budget: [{fund: T-EU, amount: 200.00, secured: no}]
  - code: C
    title: No node
    status: idea
    budget: [{fund: T-OBC, amount: 7.50, secured: partly}]
stated:
  - {label: total, what: total, value: 357.50}
  - {label: goal G total, what: total, scope: {node: G}, value: 350.00}
  - {label: goal G paid, what: paid, scope: {node: G}, value: 60.00}
  - {label: projects, what: projects, value: 3}
  - {label: goals, what: nodes, scope: {level: goal}, value: 2}
  - {label: EU total, what: total, scope: {fund: T-EU}, value: 300.00}
"""


@pytest.fixture
def small():
    import_text(SMALL)
    return Strategy.objects.get(slug="test-rollups")


def code(strategy, c):
    return Node.objects.get(strategy=strategy, code=c)


def test_a_project_serving_two_measures_counts_once_for_their_goal(small):
    m1 = selectors.node_rollup(code(small, "M1"))
    m2 = selectors.node_rollup(code(small, "M2"))
    goal = selectors.node_rollup(code(small, "G"))
    assert (m1.projects, m1.total) == (1, D("150.00"))
    assert (m2.projects, m2.total) == (2, D("350.00"))
    assert (goal.projects, goal.total) == (2, D("350.00"))  # not 500.00
    assert goal.secured == D("120.00")  # 100 secured + 20 of the partly secured 50
    assert goal.unsecured == D("230.00")
    assert goal.paid == D("60.00") and goal.claimed == D("30.00")


def test_all_nodes_in_one_call_match_single_node_rollups(small):
    everything = selectors.node_rollups(small)
    for c in ("G", "M1", "M2"):
        assert everything[code(small, c).pk] == selectors.node_rollup(code(small, c))
    assert code(small, "H").pk not in everything  # a goal without projects has nothing to roll up


def test_strategy_counts_listed_projects_once(small):
    rollup = selectors.strategy_rollup(small)
    assert rollup.projects == 3
    assert rollup.total == D("357.50")
    assert rollup.secured == D("120.00")
    assert rollup.secured_unknown == D("7.50")  # C is partly secured without the part stated


def test_rollup_by_fund_and_absorption(small):
    by_fund = {r.fund.code: r for r in selectors.fund_rollups(small)}
    eu = by_fund["T-EU"]
    assert (eu.total, eu.approved, eu.paid, eu.claimed, eu.projects) == (
        D("300.00"),
        D("100.00"),
        D("60.00"),
        D("30.00"),
        2,
    )
    assert eu.allocated == D("1000.00")
    assert eu.absorption == D("0.06")
    obc = by_fund["T-OBC"]
    assert obc.total == D("57.50") and obc.allocated is None and obc.absorption is None


def test_allocation_use(small):
    uses = {
        u.allocation.fund.code: u
        for u in selectors.allocation_uses()[0]
        if u.allocation.declared_in_id == small.pk
    }
    assert uses["T-EU"].paid == D("60.00")
    assert uses["T-EU"].approved == D("100.00")
    assert uses["T-EU"].absorption == D("0.06")


def test_country_rollup_by_fund_adds_up_to_every_budget_line(small):
    rows = selectors.fund_rollups()
    from regija.projects.models import BudgetLine

    lines = BudgetLine.objects.all()
    # withdrawn projects (three of 002's operations) are planned no more: apart, not in the total
    assert sum((r.total for r in rows), D(0)) == sum(
        (b.amount for b in lines.exclude(project__status="withdrawn")), D(0)
    )
    assert sum((r.withdrawn_total for r in rows), D(0)) == sum(
        (b.amount for b in lines.filter(project__status="withdrawn")), D(0)
    )


def test_money_sums_are_exact():
    # 0.10 + 0.20 in binary floating point is 0.30000000000000004; cents make it exact
    text = SMALL.replace("amount: 100.00, secured: yes", "amount: 0.10, secured: yes").replace(
        "amount: 200.00, secured: no", "amount: 0.20, secured: no"
    )
    import_text(text)
    assert selectors.node_rollup(Node.objects.get(strategy__slug="test-rollups", code="M2")).total == D(
        "50.30"
    )


def test_a_consistent_strategy_reports_nothing(small):
    assert consistency.report(small) == []


def test_a_wrong_stated_total_is_reported_with_both_figures():
    import_text(
        SMALL.replace(
            "{label: goal G total, what: total, scope: {node: G}, value: 350.00}",
            "{label: goal G total, what: total, scope: {node: G}, value: 360.00, source: Tabela 4}",
        )
    )
    findings = consistency.report(Strategy.objects.get(slug="test-rollups"))
    assert [(f.subject, f.stated, f.source, f.object_code) for f in findings] == [
        ("goal G total", "360,00 €", "Tabela 4", "G")
    ]
    assert "350,00 €" in findings[0].computed


def test_payment_above_approval_is_reported():
    import_text(
        SMALL.replace("amount: 60.00, state: paid", "amount: 160.00, state: paid").replace(
            "{label: goal G paid, what: paid, scope: {node: G}, value: 60.00}",
            "{label: goal G paid, what: paid, scope: {node: G}, value: 160.00}",
        )
    )
    findings = consistency.report(Strategy.objects.get(slug="test-rollups"))
    assert len(findings) == 1
    f = findings[0]
    assert f.check == "payment_above_approval" and f.object_code == "A"
    assert "120,00 €" in f.stated and "160,00 €" in f.computed


def test_alignment_sources_that_disagree_are_reported():
    text = (
        SMALL
        + """alignments:
  - {from: M1, to: G, type: contributes_to, source: [Tabela 1, str. 5]}
  - {from: M1, to: H, type: contributes_to, source: Tabela 1}
  - {from: M2, to: G, type: contributes_to, source: [Tabela 1, str. 6]}
"""
    )
    import_text(text)
    findings = consistency.report(Strategy.objects.get(slug="test-rollups"))
    assert len(findings) == 1
    assert findings[0].object_code == "M1"
    assert findings[0].stated == "Tabela 1: G, H" and findings[0].computed == "str. 5: G"


def test_fund_scope_without_lines_of_that_fund_cannot_be_verified():
    FundFactory(code="T-X", name="Unused")
    text = SMALL.replace(
        "  - {code: T-OBC, name: Test občina}",
        "  - {code: T-OBC, name: Test občina}\n  - {code: T-X, name: Unused}",
    )
    text += "  - {label: X total, what: total, scope: {fund: T-X}, value: 5.00}\n"
    import_text(text)
    findings = consistency.report(Strategy.objects.get(slug="test-rollups"))
    assert [(f.kind, f.subject) for f in findings] == [(consistency.UNVERIFIABLE, "X total")]
