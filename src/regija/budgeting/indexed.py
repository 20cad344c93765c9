"""Participatory budget proposals in Regija's one search box: what the search index holds of one – its
number, title and description, the process and the area. Proposals are public (their author never is,
and is not indexed); budgeting registers this with the search app (``BudgetingConfig.ready``)."""

from __future__ import annotations

from typing import Any

from regija.search import indexing
from regija.search.text import Analyzer

# what a document is built from (its content hash covers these)
FIELDS = (
    "id",
    "number",
    "title",
    "description",
    "process__slug",
    "process__title",
    "area__organisation__name",
)


def build(row: dict[str, Any], analyzer: Analyzer) -> tuple[Any, ...]:
    """(strategy, code, title, context, URL path, weighted terms): the title weighs most."""
    area = row["area__organisation__name"] or ""
    fields = [
        (row["title"], indexing.HIGH),
        (row["description"], indexing.LOW),
        (f"{row['process__title']} {area}", indexing.LOW),
    ]
    return (
        None,
        str(row["number"]),
        row["title"],
        f"{row['process__title']} · {area}",
        indexing.page_path("budgeting:proposal", row["process__slug"], row["number"]),
        analyzer.weighted_terms(fields),
    )
