"""Cached public pages and API reads, keyed by the data version, with ETag / If-None-Match.

Every committed write to public data raises one counter (DataVersion). A page or API read is
cached under (counter, language, URL) for anonymous visitors, and answers If-None-Match with
304 Not Modified. One small query per request reads the counter, so several app servers share
it through the database and never serve a page older than the last commit.
"""

from __future__ import annotations

import functools
import hashlib

from django.apps import AppConfig
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from . import registry
from .models import DataVersion

CACHE_SECONDS = 24 * 3600


def current() -> int:
    row = DataVersion.objects.filter(pk=1).values_list("number", flat=True).first()
    return row or 0


def bump() -> None:
    """Raise the version once the surrounding transaction commits (immediately outside one)."""
    transaction.on_commit(_bump_now)


def _bump_now() -> None:
    updated = DataVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=timezone.now())
    if not updated:
        DataVersion.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": timezone.now()})


def _on_change(sender, **kwargs):
    bump()


def _connect(registered) -> None:
    # Connected per public model, not to every sender: a receiver on a model turns off Django's fast
    # (set-based) delete for it, which the search index and the audit log must keep.
    if not isinstance(registered, AppConfig):
        return
    for model in registered.get_models(include_auto_created=True):
        if not registry.is_public(model):
            continue
        uid = f"regija-data-version-{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid)
    for model in registered.get_models():
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _on_change, sender=through, dispatch_uid=f"regija-dv-m2m-{through._meta.label}"
            )


def connect() -> None:
    """Raise the data version on every change to the apps that register as public (``core.registry``)."""
    registry.on_register(_connect)


def etag(request, version: int | None = None) -> str:
    version = current() if version is None else version
    auth = (
        "a"
        if not getattr(request, "user", None) or not request.user.is_authenticated
        else f"u{request.user.pk}"
    )
    raw = f"{version}|{get_language()}|{auth}|{request.get_full_path()}"
    # What else the answer depends on besides the data: a page of calls changes when a call opens or
    # closes, with no write at all, so its view puts the next such moment here (calls.views_public).
    extra = getattr(request, "etag_extra", "")
    if extra:
        raw += f"|{extra}"
    return '"' + hashlib.sha1(raw.encode()).hexdigest()[:20] + '"'


def api_key(request, tag: str) -> str:
    """Cache key of an anonymous API answer: its tag (version, language, path and query) and the host."""
    raw = f"{tag}|{request.scheme}://{request.get_host()}"
    return "api:" + hashlib.sha1(raw.encode()).hexdigest()


def matches(request, tag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return any(t.strip().removeprefix("W/") == tag for t in header.split(",")) or header.strip() == "*"


def cached(view):
    """Serve GET/HEAD from the cache for anonymous visitors; ETag and 304 for everyone."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = current()
        request.data_version = version  # for per_version() in the view, without reading it again
        tag = etag(request, version)
        if matches(request, tag):
            response = HttpResponseNotModified()
            response["ETag"] = tag
            return response
        anonymous = not request.user.is_authenticated
        key = "page:" + tag.strip('"') if anonymous else None
        response = cache.get(key) if key else None
        if response is None:
            response = view(request, *args, **kwargs)
            if key and response.status_code == 200 and not response.streaming and not response.cookies:
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                cache.set(key, response, CACHE_SECONDS)
        response["ETag"] = tag
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
        return response

    return wrapper


_ABSENT = ("absent",)


def per_version(name: str, ids, compute, *, version: int | None = None) -> dict:
    """``compute(ids) → {id: value}``, kept per id in the cache under the data version.

    For summaries that many pages show and that are costly to compute (money and indicator status of a
    strategy): a page that misses the page cache – another page number, language or query string –
    reuses them until the next committed change raises the version. Ids ``compute`` leaves out stay
    out. Shared by all workers through the cache, like the pages.
    """
    ids = list(ids)
    if not ids:
        return {}
    version = current() if version is None else version
    keys = {f"v:{name}:{version}:{i}": i for i in ids}
    found = {keys[k]: v for k, v in cache.get_many(list(keys)).items()}
    missing = [i for i in ids if i not in found]
    if missing:
        fresh = compute(missing)
        cache.set_many({f"v:{name}:{version}:{i}": fresh.get(i, _ABSENT) for i in missing}, CACHE_SECONDS)
        found.update((i, fresh[i]) for i in missing if i in fresh)
    return {i: v for i, v in found.items() if v != _ABSENT}


def kept(request, name: str, parts, compute):
    """``compute()``, kept until the data changes under the language, ``name`` and ``parts``.

    ``parts`` is everything else the value depends on (e.g. the filters and the page number), and
    the value must be the same for every visitor. Signed-in staff and URLs the page cache has not
    seen yet then cost a cache read for the costly part of a page instead of computing it.
    """
    version = getattr(request, "data_version", None)
    version = current() if version is None else version
    raw = f"{version}|{get_language()}|{name}|{parts!r}"
    key = f"kept:{name}:" + hashlib.sha1(raw.encode()).hexdigest()
    value = cache.get(key, _ABSENT)
    if value is _ABSENT:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def fragment(request, name: str, parts, render) -> SafeString:
    """A part of a page that is the same for every visitor, kept rendered until the data changes.

    ``render()`` returns the HTML: our own template's output, escaped when it was rendered. Kept as
    with ``kept()``.
    """
    html = kept(request, name, parts, lambda: str(render()))
    return mark_safe(html)  # noqa: S308 – rendered by our templates, escaped then
