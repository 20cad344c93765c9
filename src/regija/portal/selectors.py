"""Reads of the portal that combine apps: strategies with their projects and money."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.paginator import Page
from django.db import models
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import RowNumber

from regija.core import caching
from regija.projects import selectors as project_selectors
from regija.projects.models import Project
from regija.strategies import selectors as strategy_selectors
from regija.strategies.models import Indicator, Node, Strategy
from regija.strategies.progress import Progress
from regija.strategies.selectors import count_of


def strategy_list() -> QuerySet[Strategy]:
    """All strategies with node and project counts and their owners, in a fixed number of queries."""
    return (
        Strategy.objects.annotate(
            node_count=count_of(Node, strategy=OuterRef("pk")),
            project_count=count_of(Project, strategy=OuterRef("pk")),
        )
        .prefetch_related("owners")
        .order_by("title")
    )


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


def home_rows(page: Page[Strategy], lang: str) -> list[dict[str, Any]]:
    """Rows of the start page's table: each strategy of the page with its levels, money and indicator
    status. The two costly columns (money of ~60 projects and status of ~12 indicators per strategy)
    are kept per strategy until the data changes, so other page numbers and languages reuse them."""
    strategies = list(page.object_list)
    ids = [s.pk for s in strategies]
    levels = strategy_selectors.level_counts(ids)
    money = caching.per_version("strategy-money", ids, project_selectors.strategy_rollups)
    indicators = caching.per_version("strategy-indicators", ids, strategy_selectors.indicator_summary)
    return [
        {
            "strategy": s,
            "levels": [(s.level_label(level, lang), n) for level, n in levels.get(s.pk, [])],
            "money": money.get(s.pk) or project_selectors.Rollup(),
            "indicators": indicators.get(s.pk, {"total": 0}),
        }
        for s in strategies
    ]


def strategy_body(strategy: Strategy, lang: str, open_codes: set[str], expand_all: bool) -> dict[str, Any]:
    """What the strategy page shows below its facts: the tree with money and indicators, the
    alignment matrices and the money by fund."""
    roots, by_id = strategy_tree(strategy)
    matrices = strategy_selectors.alignment_matrices(strategy)
    levels = {level: strategy.level_label(level, lang) for level in {n.node.level for n in by_id.values()}}
    for m in matrices:
        m.target_levels_label = m.target_strategy.level_label(m.target_level, lang)
        levels.setdefault(m.source_level, strategy.level_label(m.source_level, lang))
    return {
        "strategy": strategy,
        "roots": roots,
        "matrices": matrices,
        "rollup": project_selectors.strategy_rollup(strategy),
        "funds": project_selectors.fund_rollups(strategy),
        "open_codes": open_codes,
        "expand_all": expand_all,
        "lang": lang,
        "levels": levels,
    }
