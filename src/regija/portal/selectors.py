"""Reads of the portal that combine apps: strategies with their projects and money."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Page
from django.db import models
from django.db.models import F, OuterRef, QuerySet
from django.db.models.functions import RowNumber

from regija.calls import selectors as call_selectors
from regija.calls.models import Call
from regija.core import caching
from regija.core.collation import slovenian
from regija.governance.models import Decision
from regija.projects import selectors as project_selectors
from regija.projects.filters import ProjectFilters
from regija.projects.models import Project
from regija.strategies import selectors as strategy_selectors
from regija.strategies.models import Indicator, Node, Strategy
from regija.strategies.progress import Progress, Status
from regija.strategies.selectors import count_of

HOME_CALLS = 5
HOME_DECISIONS = 5


def strategy_list() -> QuerySet[Strategy]:
    """All strategies with node and project counts and their owners, in a fixed number of queries."""
    return (
        Strategy.objects.annotate(
            node_count=count_of(Node, strategy=OuterRef("pk")),
            project_count=count_of(Project, strategy=OuterRef("pk")),
        )
        .prefetch_related("owners")
        .order_by(slovenian("title"), "pk")
    )


class StrategyListing:
    """``strategy_list()`` for a Paginator whose count is kept (``strategy_count``): the annotated
    queryset is built only when a page's rows are read – which the start page does only when its kept
    rows are missing (building it cost ≈ 1 ms of every request that missed the page cache)."""

    ordered = True  # strategy_list() is ordered (Paginator warns about unordered lists)

    def __getitem__(self, window: slice) -> LazyRows:
        return LazyRows(window)


class LazyRows:
    """One page of ``strategy_list()``, read when it is iterated or measured."""

    def __init__(self, window: slice) -> None:
        self.window = window

    @functools.cached_property
    def rows(self) -> list[Strategy]:
        return list(strategy_list()[self.window])

    def __iter__(self) -> Iterator[Strategy]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> Strategy:
        return self.rows[i]


def strategy_count() -> int:
    """How many strategies there are, kept until the data changes (the start page's pages)."""
    return caching.kept("strategy-count", (), Strategy.objects.count)


@dataclasses.dataclass
class TreeNode:
    node: Node
    children: list[TreeNode] = dataclasses.field(default_factory=list)
    indicators: list[tuple[Indicator, Progress]] = dataclasses.field(default_factory=list)
    projects: list[Project] = dataclasses.field(default_factory=list)  # projects linked directly
    rollup: project_selectors.Rollup | None = None


def strategy_tree(
    strategy: Strategy, *, project_limit: int = 10
) -> tuple[list[TreeNode], dict[int, TreeNode]]:
    """The strategy's nodes as a tree, each with its indicators and progress, its directly linked
    projects (up to ``project_limit`` each, plus the count) and its money roll-up. A fixed number
    of queries."""
    nodes = list(strategy.nodes.order_by("path"))
    by_id = {n.pk: TreeNode(n) for n in nodes}
    roots: list[TreeNode] = []
    for n in nodes:
        item = by_id[n.pk]
        parent = by_id.get(n.parent_id) if n.parent_id is not None else None
        (parent.children if parent else roots).append(item)
    for ind, prog in strategy_selectors.latest_progress(
        Indicator.objects.filter(strategy=strategy).order_by("order")
    ):
        if ind.node_id in by_id:
            by_id[ind.node_id].indicators.append((ind, prog))
    rollups = project_selectors.node_rollups(strategy)
    for node_id, item in by_id.items():
        item.rollup = rollups.get(node_id)
    # Directly linked projects, a few per node: numbered per node in SQL so the query stays bounded.
    link = Project.nodes.through
    ranked = (
        # django-stubs' plugin does not track annotations on an auto-created through model, so it
        # reports the annotated "rank" in .values() below as an unknown field
        link.objects.filter(node__strategy=strategy)  # type: ignore[misc]
        .annotate(
            rank=models.Window(
                expression=RowNumber(),
                partition_by=[models.F("node_id")],
                order_by=[models.F("project__order")],
            )
        )
        .values("node_id", "project_id", "rank")
    )
    wanted: dict[int, list[int]] = {}
    for row in ranked:
        if row["rank"] <= project_limit:
            wanted.setdefault(row["node_id"], []).append(row["project_id"])
    projects = Project.objects.select_related("strategy").in_bulk([p for ids in wanted.values() for p in ids])
    for node_id, ids in wanted.items():
        by_id[node_id].projects = [projects[i] for i in ids if i in projects]
    return roots, by_id


@dataclasses.dataclass(frozen=True)
class Figures:
    """The start page's headline figures, over every strategy."""

    strategies: int
    projects: int
    money: project_selectors.Rollup  # every project once: planned (total), secured, paid
    indicators: int
    on_track: int  # indicators whose latest value meets the target or keeps to the plan


def home_figures() -> Figures:
    """The headline figures, kept until the data changes (four queries when they are not kept)."""
    return caching.kept("home-figures", "", _home_figures)


def _home_figures() -> Figures:
    ids = list(Strategy.objects.order_by().values_list("pk", flat=True))
    indicators = caching.per_version("strategy-indicators", ids, strategy_selectors.indicator_summary)
    return Figures(
        strategies=len(ids),
        projects=Project.objects.count(),
        money=project_selectors.overall_rollup(),
        indicators=sum(c.get("total", 0) for c in indicators.values()),
        on_track=sum(c.get("on_track_or_better", 0) for c in indicators.values()),
    )


def home_map() -> list[dict[str, Any]]:
    """Every project with a place on the map (exact or its municipality's seat), as the project list's
    map shows them; kept until the data changes."""
    return project_selectors.located_kept(ProjectFilters.model_validate({}))


def home_calls(now: dt.datetime, limit: int = HOME_CALLS) -> list[Call]:
    """The latest public calls for the start page: open ones first (soonest deadline first), then those
    announced, then the most recently closed – each with its state at ``now``. Two queries."""
    calls = list(
        call_selectors.call_list(now=now).order_by(
            F("group_order").asc(),  # annotated by call_list: open, upcoming, closed, archive
            F("closes_at").asc(nulls_last=True),
            F("opens_at").desc(nulls_last=True),
            F("published_on").desc(nulls_last=True),
            "pk",
        )[:limit]
    )
    return call_selectors.with_budget(calls, now)


def home_decisions(limit: int = HOME_DECISIONS) -> list[Decision]:
    """The latest decisions of governance bodies (newest session first), with their session, body and
    organisation; one query."""
    return list(
        Decision.objects.filter(session__date__isnull=False)
        .select_related("session__body__organisation")
        .order_by("-session__date", "-session__number", "-pk")[:limit]
    )


def home_rows(page: Page[Strategy], lang: str, *, levels: bool = True) -> list[dict[str, Any]]:
    """Rows of the start page's strategies (cards, or the table view): each strategy of the page with
    its money and indicator status, and – for the table – its levels. The two costly parts (money of
    ~60 projects and status of ~12 indicators per strategy) are kept per strategy until the data
    changes, so other page numbers, views and languages reuse them."""
    strategies = list(page.object_list)
    ids = [s.pk for s in strategies]
    level_counts = strategy_selectors.level_counts(ids) if levels else {}
    money = caching.per_version("strategy-money", ids, project_selectors.strategy_rollups)
    indicators = caching.per_version("strategy-indicators", ids, strategy_selectors.indicator_summary)
    return [
        {
            "strategy": s,
            "levels": [(s.level_label(level, lang), n) for level, n in level_counts.get(s.pk, [])],
            "money": money.get(s.pk) or project_selectors.Rollup(),
            "indicators": indicators.get(s.pk, {"total": 0}),
        }
        for s in strategies
    ]


@dataclasses.dataclass
class Goal:
    """A part of the strategy the page leads with, and how it is doing: its indicators (and those of
    every part below it) on track, its projects' money, and what it is made of."""

    item: TreeNode
    indicators: int
    on_track: int
    without_values: int  # indicators that lack a baseline, a target or any value: no progress figure
    parts: list[tuple[str, int]]  # (level label, how many) of the parts right below it

    @property
    def rollup(self) -> project_selectors.Rollup:
        return self.item.rollup or project_selectors.Rollup()


def _subtree_progress(item: TreeNode) -> list[Progress]:
    out = [prog for _ind, prog in item.indicators]
    for child in item.children:
        out.extend(_subtree_progress(child))
    return out


def _tracked(item: TreeNode) -> bool:
    """A part with something to follow: an indicator or a project in it or below it."""
    return bool(item.rollup and item.rollup.projects) or bool(_subtree_progress(item))


def leading_goals(roots: list[TreeNode], levels: dict[str, str]) -> list[Goal]:
    """The parts a strategy page leads with: the top parts that have indicators or projects (a vision
    or a list of reference documents without either is left to the tree below). When only one top part
    has them, its parts that have them follow it – one card for the whole strategy would say little."""
    items = [r for r in roots if _tracked(r)]
    if len(items) == 1:
        items = items + [c for c in items[0].children if _tracked(c)]
    goals = []
    for item in items:
        progress = _subtree_progress(item)
        kinds = Counter(c.node.level for c in item.children)
        goals.append(
            Goal(
                item=item,
                indicators=len(progress),
                on_track=sum(1 for p in progress if p.on_track),
                without_values=sum(1 for p in progress if p.status == Status.INCOMPLETE),
                parts=[(levels.get(level, level), n) for level, n in kinds.items()],
            )
        )
    return goals


def strategy_body(strategy: Strategy, lang: str, open_codes: set[str], expand_all: bool) -> dict[str, Any]:
    """What the strategy page shows below its facts: the goals with their progress, the tree with
    money and indicators, the alignment matrices and the money by fund."""
    roots, by_id = strategy_tree(strategy)
    matrices = strategy_selectors.alignment_matrices(strategy)
    levels = {level: strategy.level_label(level, lang) for level in {n.node.level for n in by_id.values()}}
    for m in matrices:
        m.target_levels_label = m.target_strategy.level_label(m.target_level, lang)
        levels.setdefault(m.source_level, strategy.level_label(m.source_level, lang))
    return {
        "strategy": strategy,
        "goals": leading_goals(roots, levels),
        "roots": roots,
        "matrices": matrices,
        "rollup": project_selectors.strategy_rollup(strategy),
        "funds": project_selectors.fund_rollups(strategy),
        "open_codes": open_codes,
        "expand_all": expand_all,
        "lang": lang,
        "levels": levels,
    }
