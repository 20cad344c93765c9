"""Conditional GET and the response cache for API reads."""

from __future__ import annotations

import functools

from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers

from regija.core import caching


def conditional_get(run):
    """ETag / If-None-Match for every GET: the tag comes from the data version (one small query)
    and is checked *before* the operation does any work, so an unchanged resource costs one query.

    Anonymous reads (no token, no session) are also answered from the cache, under the data version
    and the full URL – host included, since the answers hold absolute links (``next``, ``previous``) –
    like the public pages; a write raises the version, so a cached answer is never older than it."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return run(request, *args, **kwargs)
        version = caching.current()
        request.data_version = version  # for caching.kept() in the operation, without reading it again
        tag = caching.etag(request, version)
        if caching.matches(request, tag):
            response = HttpResponseNotModified()
            response["ETag"] = tag
            return response
        anonymous = "Authorization" not in request.headers and not request.user.is_authenticated
        key = caching.api_key(request, tag) if anonymous else None
        response = cache.get(key) if key else None
        if response is None:
            response = run(request, *args, **kwargs)
            kept = getattr(response, "regija_kept", False)  # built from kept parts: as cheap as a cached copy
            if (
                key
                and not kept
                and response.status_code == 200
                and not response.streaming
                and not response.cookies
            ):
                cache.set(key, response, caching.CACHE_SECONDS)
        if response.status_code == 200:
            response["ETag"] = tag
            # the tag depends on the language and the signed-in user, so caches must keep them apart
            patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response

    return wrapper
