"""Reads of strategies, nodes and indicators used by pages, API and reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, overload

from django.db import models
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from . import progress
from .models import PATH_STEP, Alignment, AlignmentType, Indicator, Node, Observation, Strategy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def ancestor_paths(path: str) -> list[str]:
    """The materialised paths of a node's ancestors, root first ('00010003' → ['0001'])."""
    return [path[:i] for i in range(PATH_STEP, len(path), PATH_STEP)]


def count_of(model: type[models.Model], **filters: object) -> Coalesce:
    """How many rows of ``model`` match ``filters`` (with OuterRef), as a subquery that never
    multiplies rows."""
    return Coalesce(
        Subquery(
            model._default_manager.filter(**filters)
            .order_by()
            .values(*filters.keys())
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
        0,
    )


def owner_ids(strategy_id: int | None) -> set[int]:
    """The organisations that own a strategy (and so its nodes, indicators and programme)."""
    if strategy_id is None:
        return set()
    through = Strategy.owners.through
    return set(through.objects.filter(strategy_id=strategy_id).values_list("organisation_id", flat=True))


def indicators_with_progress(
    indicators: QuerySet[Indicator] | None = None,
) -> list[tuple[Indicator, progress.Progress]]:
    """Indicators and their progress; observations come in one extra query however many there are."""
    qs = (indicators if indicators is not None else Indicator.objects.all()).prefetch_related(
        Prefetch("observations", queryset=Observation.objects.order_by("date"))
    )
    return [(ind, indicator_progress(ind)) for ind in qs]


def indicator_progress(indicator: Indicator, as_of: dt.date | None = None) -> progress.Progress:
    return progress.compute(
        direction=indicator.direction,
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target_value=indicator.target_value,
        target_date=indicator.target_date,
        observations=[(o.date, o.value) for o in indicator.observations.all()],
        as_of=as_of,
    )


def latest_progress(indicators: QuerySet[Indicator]) -> list[tuple[Indicator, progress.Progress]]:
    """Indicators with their progress, reading only each one's latest observation (progress needs no more).

    One query however many indicators and observations there are, so lists stay fast on large data.
    """
    latest = Observation.objects.filter(indicator=OuterRef("pk")).order_by("-date")
    qs = indicators.annotate(
        latest_date=Subquery(latest.values("date")[:1]),
        latest_value=Subquery(latest.values("value")[:1]),
    )
    out: list[tuple[Indicator, progress.Progress]] = []
    for ind in qs:
        observations = (
            [(ind.latest_date, exact_decimal(ind.latest_value))] if ind.latest_date is not None else []
        )
        out.append(
            (
                ind,
                progress.compute(
                    direction=ind.direction,
                    baseline_value=ind.baseline_value,
                    baseline_date=ind.baseline_date,
                    target_value=ind.target_value,
                    target_date=ind.target_date,
                    observations=observations,
                ),
            )
        )
    return out


@overload
def exact_decimal(value: Decimal | float | str) -> Decimal: ...
@overload
def exact_decimal(value: None) -> None: ...
def exact_decimal(value: Decimal | float | str | None) -> Decimal | None:
    """A decimal from the database as exactly as stored: SQLite hands subquery decimals back as float
    or str, and Observation.value is exact, so go through str."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def level_counts(strategy_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """Strategy id → [(level, number of nodes)] in tree order of first appearance; one query."""
    rows = (
        Node.objects.filter(strategy_id__in=strategy_ids)
        .values("strategy_id", "level")
        .annotate(n=Count("*"), first=models.Min("path"))
        .order_by("strategy_id", "first")
    )
    out: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        out.setdefault(row["strategy_id"], []).append((row["level"], row["n"]))
    return out


def indicator_summary(strategy_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Strategy id → counts of indicators by progress status (plus 'total'); one query.

    Reads only the columns progress needs (not whole indicators): the start page counts thousands."""
    latest = Observation.objects.filter(indicator=OuterRef("pk")).order_by("-date")
    rows = (
        Indicator.objects.filter(strategy_id__in=list(strategy_ids))
        .order_by()
        .annotate(
            latest_date=Subquery(latest.values("date")[:1]), latest_value=Subquery(latest.values("value")[:1])
        )
        .values_list(
            "strategy_id",
            "direction",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "latest_date",
            "latest_value",
        )
    )
    out: dict[int, dict[str, int]] = {}
    for (
        strategy_id,
        direction,
        base_value,
        base_date,
        target_value,
        target_date,
        last_date,
        last_value,
    ) in rows:
        prog = progress.compute(
            direction=direction,
            baseline_value=base_value,
            baseline_date=base_date,
            target_value=target_value,
            target_date=target_date,
            observations=[(last_date, exact_decimal(last_value))] if last_date is not None else [],
        )
        counts = out.setdefault(strategy_id, {"total": 0})
        counts["total"] += 1
        counts[prog.status] = counts.get(prog.status, 0) + 1
        if prog.on_track:
            counts["on_track_or_better"] = counts.get("on_track_or_better", 0) + 1
    return out


@dataclasses.dataclass
class Matrix:
    """Alignments between two levels as a table: rows (sources) × columns (targets)."""

    source_level: str
    target_level: str
    target_strategy: Strategy
    rows: list[Node]
    columns: list[Node]
    cells: dict[tuple[int, int], str]  # (row id, column id) → alignment type
    column_counts: dict[int, int]  # column id → rows linked
    labels: dict[str, StrOrPromise] = dataclasses.field(default_factory=dict)  # alignment type → its name
    # set by portal.selectors.strategy_body() for the strategy page
    target_levels_label: str = dataclasses.field(default="", init=False, repr=False, compare=False)

    @property
    def coverage(self) -> list[tuple[Node, int, bool]]:
        """Columns by how many rows serve them, fewest first; the flag marks the thinly served ones."""
        counts = [self.column_counts.get(c.pk, 0) for c in self.columns]
        if not counts:
            return []
        threshold = _thin_threshold(counts)
        pairs = [(c, self.column_counts.get(c.pk, 0)) for c in self.columns]
        pairs.sort(key=lambda p: (p[1], p[0].path))
        return [(c, n, n <= threshold) for c, n in pairs]


def _thin_threshold(counts: list[int]) -> int:
    """'Few' means the fewest links, when that is at most half the median number (0 links always counts)."""
    ordered = sorted(counts)
    median = ordered[len(ordered) // 2]
    return min(median // 2, ordered[0]) if median > 1 else 0


def alignment_matrices(strategy: Strategy) -> list[Matrix]:
    """Every alignment declared in the strategy, grouped into one matrix per (source level, target level,
    target strategy), like the measures × goals table of a strategy document. Two queries."""

    links = list(
        Alignment.objects.filter(declared_in=strategy)
        .select_related("source_node", "source_node__strategy", "target_node", "target_node__strategy")
        .order_by("source_node__path", "target_node__path")
    )
    groups: dict[tuple[str, str, int], Matrix] = {}
    for a in links:
        s, t = a.source_node, a.target_node
        key = (s.level, t.level, t.strategy_id)
        m = groups.get(key)
        if m is None:
            m = groups[key] = Matrix(
                s.level, t.level, t.strategy, [], [], {}, {}, dict(AlignmentType.choices)
            )
        if s not in m.rows:
            m.rows.append(s)
        if t not in m.columns:
            m.columns.append(t)
        if (s.pk, t.pk) not in m.cells or a.type == "home_goal":
            if (s.pk, t.pk) not in m.cells:
                m.column_counts[t.pk] = m.column_counts.get(t.pk, 0) + 1
            m.cells[(s.pk, t.pk)] = a.type
    # Columns with no link at all are the thinnest coverage: add the level's other nodes of the target
    # strategy.
    for m in groups.values():
        present = {c.pk for c in m.columns}
        extra = (
            Node.objects.select_related("strategy")
            .filter(strategy=m.target_strategy, level=m.target_level)
            .exclude(pk__in=present)
        )
        m.columns.extend(extra)
        m.columns.sort(key=lambda n: n.path)
        m.rows.sort(key=lambda n: n.path)
    return list(groups.values())


def indicator_progress_from(indicator: Indicator, observations: Iterable[Observation]) -> progress.Progress:
    """Progress of one indicator from observations already read (the indicator page shows them anyway)."""
    return progress.compute(
        direction=indicator.direction,
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target_value=indicator.target_value,
        target_date=indicator.target_date,
        observations=[(o.date, o.value) for o in observations],
    )
