"""The search page: /iskanje/?q=… with results grouped by kind, optionally one kind at a time (&kind=…)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render

from regija.core.caching import cache_response

from . import selectors
from .models import KIND_ORDER

MAX_QUERY = 200  # characters; the selector also keeps only the first 12 words
PER_KIND = 10  # hits per group on the overview
PER_PAGE = 50  # hits per page when one kind is shown


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


@cache_response  # per data version, which every change of the data or the index raises
def search(request):
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    kind = request.GET.get("kind") or ""
    if kind not in KIND_ORDER:
        kind = ""
    page = _page_number(request.GET.get("page")) if kind else 1
    if kind:
        results = selectors.search(q, kinds=[kind], limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    else:
        results = selectors.search(q, limit=PER_KIND)
    group = results.group(kind) if kind else None

    def link(**params) -> str:
        return "?" + urlencode({"q": q, **{k: v for k, v in params.items() if v}})

    groups = [
        {
            "group": g,
            "id": f"results-{g.kind}",
            "only_url": link(kind=g.kind),
        }
        for g in results.groups
    ]
    context = {
        "nav": "search",
        "search_query": q,
        "results": results,
        "groups": groups,
        "kind": kind,
        "kind_group": group,
        "all_url": link(),
        "previous_url": link(kind=kind, page=page - 1 if page > 2 else None) if kind and page > 1 else "",
        "next_url": link(kind=kind, page=page + 1) if group and group.has_more else "",
        "page": page,
    }
    return render(request, "search/results.html", context)
