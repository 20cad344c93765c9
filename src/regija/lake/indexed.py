"""Datasets in Regija's one search box: what the search index holds of a dataset.

The lake registers this with the search app (``LakeConfig.ready``), so datasets are found by the
search page, ``/api/v1/search``, the catalogue and the CKAN API's ``package_search`` with one engine
– Slovenian lemmas, ASCII folding, every word must match. Only what everyone may read is indexed
(published and not private); a dataset that is withdrawn or made private leaves the index when it is
saved.
"""

from __future__ import annotations

from typing import Any

from regija.search import indexing
from regija.search.text import Analyzer

# what a document is built from (its content hash covers these)
FIELDS = (
    "id",
    "slug",
    "title",
    "title_en",
    "description",
    "description_en",
    "keywords",
    "keywords_en",
    "publisher__name",
    "current__columns",
)


def build(row: dict[str, Any], analyzer: Analyzer) -> tuple[Any, ...]:
    """(strategy, code, title, context, URL path, weighted terms) of one dataset: its titles and keywords
    weigh most, then its description, publisher and column names."""
    keywords = " ".join(str(k) for k in [*(row["keywords"] or ()), *(row["keywords_en"] or ())])
    columns = " ".join(str(c.get("name", "")).replace("_", " ") for c in row["current__columns"] or ())
    fields = [
        (f"{row['title']} {row['title_en']}", indexing.HIGH),
        (keywords, indexing.HIGH),
        (f"{row['description']} {row['description_en']}", indexing.LOW),
        (row["publisher__name"], indexing.LOW),
        (columns, indexing.LOW),
    ]
    return (
        None,
        "",
        row["title"],
        row["publisher__name"] or "",
        indexing.page_path("lake:dataset", row["slug"]),
        analyzer.weighted_terms(fields),
    )
