"""Conditional GET and the response cache for API reads: the one mechanism of ``core.caching``."""

from __future__ import annotations

from collections.abc import Callable

from ninja import Router

from regija.core.caching import cache_response


def cache_reads(router: Router, *, moment: Callable[[], str] | None = None) -> Router:
    """Give every GET of ``router`` an ETag, 304 for an unchanged resource, and anonymous answers from
    the cache, as ``core.caching.cache_response`` does for pages. Applied before authentication and
    validation ("view" mode): an unchanged resource is answered after one query for the data version,
    without doing the work. ``moment`` as in ``cache_response``."""
    router.add_decorator(cache_response(moment=moment), mode="view")
    return router
