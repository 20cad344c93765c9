"""Search in the REST API: GET …/search?q=…[&kind=…] → hits grouped by kind.

Mounted in ``regija/portal/api.py`` with ``api.add_router("/", "regija.search.api.router")``
(→ /api/v1/search).
"""

from __future__ import annotations

from ninja import Query, Router

from regija.api.errors import READ_RESPONSES
from regija.api.pagination import answer_kept

from . import selectors
from .schemas import KindName, SearchOut

router = Router(tags=["search"])


@router.get(
    "/search",
    response={200: SearchOut, **READ_RESPONSES},
    summary="Search strategies, nodes, indicators, projects and organisations",
)
def search(
    request,
    q: str = Query(..., min_length=1, max_length=200, description="words or codes; every word must occur"),
    kind: KindName | None = Query(None, description="only this kind of result"),
    limit: int = Query(selectors.DEFAULT_LIMIT, ge=1, le=100, description="hits per kind"),
    offset: int = Query(0, ge=0, le=100_000, description="hits to skip per kind"),
):
    """Slovenian words in any form, with or without č, š, ž; codes such as 5.1 or JP3.

    Results are grouped by kind (strategies, nodes, indicators, projects, organisations, datasets, residents'
    proposals, participatory budget proposals); each group has the number of all its hits and up to
    ``limit`` of them, best first.
    """
    return answer_kept(
        request, "api-search", (q, kind, limit, offset), lambda: _answer(q, kind, limit, offset), SearchOut
    )


def _answer(q: str, kind: str | None, limit: int, offset: int) -> dict:
    results = selectors.search(q, kinds=[kind] if kind else None, limit=limit, offset=offset)
    return {
        "query": results.query,
        "words": results.words,
        "total": results.total,
        "groups": [
            {
                "kind": g.kind,
                "label": str(g.label),
                "total": g.total,
                "hits": [
                    {
                        "kind": h.kind,
                        "title": h.title,
                        "code": h.code,
                        "context": h.context,
                        "url": h.url,
                        "score": h.score,
                    }
                    for h in g.hits
                ],
            }
            for g in results.groups
        ],
    }
