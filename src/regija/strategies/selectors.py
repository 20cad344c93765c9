"""Reads of strategies, nodes and indicators used by pages, API and reports."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from . import progress
from .models import Indicator, Node, Observation, Strategy


def _count(model, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(**filters).order_by().values(*filters.keys()).annotate(n=Count("*")).values("n")[:1]
        ),
        0,
    )


def strategy_list() -> QuerySet[Strategy]:
    """All strategies with node and project counts and their owners, in a fixed number of queries."""
    from regija.projects.models import Project

    return (
        Strategy.objects.annotate(
            node_count=_count(Node, strategy=OuterRef("pk")),
            project_count=_count(Project, strategy=OuterRef("pk")),
        )
        .prefetch_related("owners")
        .order_by("title")
    )


def indicators_with_progress(indicators: QuerySet[Indicator] | None = None) -> list[tuple[Indicator, progress.Progress]]:
    """Indicators and their progress; observations come in one extra query however many there are."""
    qs = (indicators if indicators is not None else Indicator.objects.all()).prefetch_related(
        Prefetch("observations", queryset=Observation.objects.order_by("date"))
    )
    return [(ind, indicator_progress(ind)) for ind in qs]


def indicator_progress(indicator: Indicator, as_of=None) -> progress.Progress:
    return progress.compute(
        direction=indicator.direction,
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target_value=indicator.target_value,
        target_date=indicator.target_date,
        observations=[(o.date, o.value) for o in indicator.observations.all()],
        as_of=as_of,
    )
