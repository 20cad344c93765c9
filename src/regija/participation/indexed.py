"""Residents' proposals (pobude) in Regija's one search box: what the search index holds of a proposal –
its title and text, and the municipality it is addressed to. Every proposal is public (its author is
not indexed); participation registers this with the search app (``ParticipationConfig.ready``)."""

from __future__ import annotations

from typing import Any

from regija.search import indexing
from regija.search.text import Analyzer

# what a document is built from (its content hash covers these)
FIELDS = ("id", "title", "text", "organisation__name")


def build(row: dict[str, Any], analyzer: Analyzer) -> tuple[Any, ...]:
    """(strategy, code, title, context, URL path, weighted terms): the title weighs most."""
    fields = [
        (row["title"], indexing.HIGH),
        (row["text"], indexing.LOW),
        (row["organisation__name"], indexing.LOW),
    ]
    return (
        None,
        "",
        row["title"],
        row["organisation__name"] or "",
        indexing.page_path("participation:proposal", row["id"]),
        analyzer.weighted_terms(fields),
    )
