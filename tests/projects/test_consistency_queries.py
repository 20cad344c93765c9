"""The consistency report runs a fixed number of queries, whatever the number of strategies, figures and
projects."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.interchange.importer import import_text
from regija.projects import consistency
from regija.projects.models import WHOLE_NUMBER_FIGURES, Fund, StatedWhat
from regija.strategies.models import Node, Strategy
from tests.factories import (
    IndicatorFactory,
    NodeFactory,
    ObservationFactory,
    StatedFigureFactory,
    StrategyFactory,
    project_with_money,
)

pytestmark = pytest.mark.django_db

# stated figures (nine queries: figures, nodes, target and observation dates, links, projects, their
# holders' and partners' countries, money, territories), payments above approval, partner shares,
# alignment sources, and the facts documents state differently of a shared organisation or fund (one
# query each): queries for the whole report
MAX_QUERIES = 14

SMALL = """
regija: 1
strategy:
  slug: test-queries
  title: Test
  owners: [obcina-test-q]
  status: adopted
  source: {title: Test}
organisations:
  - {slug: obcina-test-q, name: Občina Test Q, kind: municipality}
funds:
  - {code: Q-EU, name: Test EU}
  - {code: Q-OBC, name: Test občina}
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
      - {fund: Q-EU, amount: 100.00, secured: yes}
      - {fund: Q-OBC, amount: 50.00, secured: partly}
    payments:
      - {label: 1. zahtevek, amount: 60.00, state: paid, fund: Q-EU}
  - code: B
    title: Serves M2
    status: approved
    nodes: [M2]
    budget: [{fund: Q-EU, amount: 200.00, secured: no}]
stated:
  - {label: total, what: total, value: 350.00}
  - {label: goal G secured, what: secured, scope: {node: G}, value: 999.00}
  - {label: projects, what: projects, value: 2}
  - {label: EU projects, what: projects, scope: {fund: Q-EU}, value: 2}
  - {label: goals, what: nodes, scope: {level: goal}, value: 2}
"""


def _count(fn) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def test_report_of_all_strategies_is_the_reports_of_each_strategy():
    everything = consistency.report()
    assert everything  # the source documents have findings
    joined = []
    for strategy in Strategy.objects.order_by("slug"):
        own = consistency.report(strategy)
        assert [f for f in everything if f.strategy == strategy.slug] == own
        joined += own
    assert Counter(joined) == Counter(everything)


def test_report_runs_a_bounded_number_of_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        consistency.report()
    for strategy in Strategy.objects.all():
        with django_assert_max_num_queries(MAX_QUERIES):
            consistency.report(strategy)


def test_report_with_locations_runs_a_bounded_number_of_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES + 2):
        findings = consistency.report()
        links = consistency.locations(findings)
    assert len(links) == len(findings)


def _grow(strategy: Strategy) -> None:
    """Many more nodes, projects, money, indicators and stated figures of every kind and scope."""
    eu, obc = Fund.objects.get(code="Q-EU"), Fund.objects.get(code="Q-OBC")
    goal = Node.objects.get(strategy=strategy, code="G")
    nodes = list(Node.objects.filter(strategy=strategy))
    for i in range(5):
        nodes.append(
            NodeFactory(
                strategy=strategy, parent=goal, code=f"X{i}", level="measure", title="Extra", order=i + 10
            )
        )
    for i, node in enumerate(nodes):
        indicator = IndicatorFactory(
            node=node, code=f"I{i}", name="Indicator", target_date=datetime.date(2030, 12, 31)
        )
        ObservationFactory(indicator=indicator, date=datetime.date(2023, 12, 31), value=i)
    for i in range(20):
        project_with_money(
            strategy=strategy,
            code=f"E{i}",
            title="Extra",
            status=["idea", "approved", "completed"][i % 3],
            order=10 + i,
            nodes=nodes[i % len(nodes) : i % len(nodes) + 2],
            budget=[
                dict(fund=eu, amount=Decimal("10.00"), secured="yes"),
                dict(fund=obc, amount=Decimal("5.00"), secured="partly"),
            ],
            payments=[
                dict(fund=eu, label="1.", amount=Decimal("20.00"), state="paid"),
                dict(fund=obc, label="2.", amount=Decimal("1.00"), state="claimed"),
            ],
        )
    other = StrategyFactory(slug="test-queries-other", title="Other", status="adopted", source_title="Other")
    kinds = list(StatedWhat.values)
    for i in range(30):
        what = kinds[i % len(kinds)]
        StatedFigureFactory(
            strategy=strategy if i % 5 else other,
            label=f"extra {i}",
            what=what,
            scope_node=nodes[i % len(nodes)] if i % 2 and i % 5 else None,
            scope_fund=[None, eu, obc][i % 3],
            scope_level=["", "goal", "measure"][i % 3] if what == StatedWhat.NODES else "",
            scope_status=[[], ["approved"], ["idea", "completed"]][i % 3],
            amount=Decimal("123456.78")
            if what in ("total", "secured", "unsecured", "paid", "claimed")
            else None,
            count=999 if what in WHOLE_NUMBER_FIGURES else None,
            date=datetime.date(2020, 1, 1) if what in ("target_date", "observation_date") else None,
            order=100 + i,
        )


def test_the_number_of_queries_does_not_grow_with_the_data():
    import_text(SMALL)
    strategy = Strategy.objects.get(slug="test-queries")
    queries_one, findings_one = _count(lambda: consistency.report(strategy))
    queries_all, findings_all = _count(consistency.report)
    assert queries_one <= MAX_QUERIES and queries_all <= MAX_QUERIES

    _grow(strategy)

    queries_one_after, findings_one_after = _count(lambda: consistency.report(strategy))
    queries_all_after, findings_all_after = _count(consistency.report)
    assert (queries_one_after, queries_all_after) == (queries_one, queries_all)
    # the new figures were checked: every one of them is wrong on purpose
    extra = {f"extra {i}" for i in range(30)}
    assert {f.subject for f in findings_all_after} & extra == extra
    assert {f.subject for f in findings_one_after} & extra == {f"extra {i}" for i in range(30) if i % 5}
    assert len(findings_all_after) > len(findings_all)
