"""The one caching layer of pages and API reads, keyed by the release and the data version.

Every committed write to public data raises one counter, the **data version** (DataVersion; the
apps that hold public data register in ``core.registry``). One small query per request reads it, so
several app servers share it through the database and never serve anything older than the last
commit. It is passed as the cache *version* of every entry, so a write makes every entry stale at once.

The **release** (``core.release``: the package version and a hash of its code, templates and
translations, or ``REGIJA_RELEASE``) is the cache's ``KEY_PREFIX`` (settings.py) and part of every
ETag, so an upgrade never serves a page or answers 304 for one rendered by the old code.

Three tools, each used in one kind of place:

- ``cache_response`` – the decorator of public pages and (per router, ``regija.api.conditional``) of
  API reads: ETag / If-None-Match for everyone, and the whole response kept for anonymous visitors;
- ``kept`` and ``per_version`` – for selectors: a value (a count, rows, money per strategy) kept
  under a name until the data changes, the same for every visitor;
- ``{% cache %}`` in templates – a part of a page the same for every visitor, rendered with
  ``{% include … only %}`` so the user is never in its context, and varied on ``data_version``
  (``core.context_processors``);
- ``kept_html`` – a part with forms (a comment thread with its reply and report forms), the same for
  everyone who may do the same things there: kept per data version and what the person may do, with
  each request's own CSRF token put into its forms.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, overload

from django.apps import AppConfig
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from . import registry
from .models import DataVersion

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

CACHE_SECONDS = 24 * 3600
log = logging.getLogger(__name__)

P = ParamSpec("P")
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
# A view: the request first, then whatever the URL (or ninja) passes.
View = Callable[Concatenate["HttpRequest", P], "HttpResponseBase"]


_version_in_use: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "regija_data_version", default=None
)
# What ``next_moment`` found during the request being served (by name): the response's key and its
# view ask the same question.
_moments_in_use: contextvars.ContextVar[dict[str, dt.datetime | None] | None] = contextvars.ContextVar(
    "regija_moments", default=None
)


def current() -> int:
    """The data version: inside a response ``cache_response`` serves, the one it read for the request;
    else one small query."""
    held = _version_in_use.get()
    if held is not None:
        return held
    # Every request asks this once: plain SQL spares it the ORM's compiling of a query (≈ 0.4 ms).
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


_VERSION_SQL = f"SELECT number FROM {DataVersion._meta.db_table} WHERE id = 1"  # noqa: S608 – our table


@contextlib.contextmanager
def reading(version: int) -> Iterator[None]:
    """Everything inside reads the data as of ``version`` (so ``current()`` asks the database once, and
    ``next_moment`` works each of its questions out once)."""
    token = _version_in_use.set(version)
    moments = _moments_in_use.set({})
    try:
        yield
    finally:
        _moments_in_use.reset(moments)
        _version_in_use.reset(token)


def bump() -> None:
    """Raise the version once the surrounding transaction commits (immediately outside one)."""
    transaction.on_commit(_bump_now)


def _bump_now() -> None:
    updated = DataVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=timezone.now())
    if not updated:
        DataVersion.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": timezone.now()})
    for listener in list(_change_listeners):
        try:
            listener()
        except Exception:  # a listener (queueing a job) must never undo or hide the committed write
            log.exception("a listener of data changes failed")


# Called after every committed change to public data (the lake queues the refresh of Regija's own data).
_change_listeners: list[Callable[[], None]] = []


def on_data_change(listener: Callable[[], None]) -> None:
    """Call ``listener()`` after each committed change to public data, once per transaction; it must
    be quick (queue a job, not do it)."""
    if listener not in _change_listeners:
        _change_listeners.append(listener)


def _on_change(sender: object, **kwargs: object) -> None:
    bump()


def _connect(registered: registry.Registration | AppConfig) -> None:
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
            if through is None:  # set for every many-to-many field once the apps are loaded
                continue
            m2m_changed.connect(
                _on_change, sender=through, dispatch_uid=f"regija-dv-m2m-{through._meta.label}"
            )


def connect() -> None:
    """Raise the data version on every change to the apps that register as public (``core.registry``)."""
    registry.on_register(_connect)


def release() -> str:
    """This release's name (settings.REGIJA_RELEASE, from ``core.release``)."""
    return settings.REGIJA_RELEASE


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


# What a signed-in person's pages also show beyond the data (their unread notifications, what they
# follow): functions of the user giving a short stamp that changes with it (``on_personal``).
_personal: list[Callable[[Any], str]] = []


def on_personal(stamp: Callable[[Any], str]) -> None:
    """Make the ETag of a signed-in person's pages depend on ``stamp(user)`` too – one cheap query –
    so a change only they see (a new notification, a topic followed) is never answered 304."""
    if stamp not in _personal:
        _personal.append(stamp)


def etag(request: HttpRequest, version: int, moment: str = "") -> str:
    """The entity tag of a response: release, data version, language, who asks (anonymous or which
    user, with their personal stamps), the full path, and ``moment`` – what else the answer depends on
    besides the data."""
    user = getattr(request, "user", None)
    auth = (
        "a"
        if not user or not user.is_authenticated
        else f"u{user.pk}" + "".join(f"|{stamp(user)}" for stamp in _personal)
    )
    raw = f"{release()}|{version}|{get_language()}|{auth}|{request.get_full_path()}|{moment}"
    return '"' + _hash(raw)[:20] + '"'


def matches(request: HttpRequest, tag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return any(t.strip().removeprefix("W/") == tag for t in header.split(",")) or header.strip() == "*"


class KeptResponse(HttpResponse):
    """A response assembled from parts kept until the data changes (``kept``): building it again costs
    as little as reading a stored copy, so ``cache_response`` does not store it a second time."""


@overload
def cache_response(view: View[P], *, moment: Callable[[], str] | None = None) -> View[P]: ...
@overload
def cache_response(
    view: None = None, *, moment: Callable[[], str] | None = None
) -> Callable[[View[P]], View[P]]: ...
def cache_response(
    view: View[P] | None = None, *, moment: Callable[[], str] | None = None
) -> View[P] | Callable[[View[P]], View[P]]:
    """Serve GET and HEAD with an ETag, 304 Not Modified for a matching If-None-Match, and the whole
    response from the cache for anonymous visitors (no session user, no Authorization header).

    ``moment()`` gives what else the answer depends on besides the data: a list of calls changes when
    a call opens or closes, with no write at all, so its pages put the next such moment here.
    Responses are stored per release (the key prefix), data version (the cache version), language,
    full URL, scheme and host (API answers hold absolute links)."""

    def decorate(view: View[P]) -> View[P]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            version = current()
            with reading(version):  # the key's moment and the view read one version, each question once
                return _served(request, view, version, moment, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _served(
    request: HttpRequest,
    view: Callable[..., HttpResponseBase],
    version: int,
    moment: Callable[[], str] | None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponseBase:
    """``cache_response``'s answer to a GET or HEAD, inside ``reading(version)``."""
    tag = etag(request, version, moment() if moment else "")
    if matches(request, tag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = tag
        return not_modified
    anonymous = not request.user.is_authenticated and "Authorization" not in request.headers
    key = f"response:{_hash(f'{tag}|{request.scheme}://{request.get_host()}')}" if anonymous else None
    response: HttpResponseBase | None = cache.get(key, version=version) if key else None
    if response is None:
        response = view(request, *args, **kwargs)
        if key and _storable(response):
            render = getattr(response, "render", None)
            if callable(render):  # a TemplateResponse
                render()
            cache.set(key, response, CACHE_SECONDS, version=version)
    if response.status_code == 200:
        response["ETag"] = tag
        # the tag depends on the language and the signed-in user, so caches must keep them apart
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _storable(response: HttpResponseBase) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not isinstance(response, KeptResponse)
    )


_ABSENT = ("absent",)


def per_version(name: str, ids: Iterable[K], compute: Callable[[list[K]], dict[K, T]]) -> dict[K, T]:
    """``compute(ids) → {id: value}``, kept per id until the data changes.

    For summaries that many pages show and that are costly to compute (money and indicator status of a
    strategy): every page that shows them reuses them until the next committed change. Ids ``compute``
    leaves out stay out. Shared by all workers through the cache."""
    ids = list(ids)
    if not ids:
        return {}
    version = current()
    keys = {f"v:{name}:{i}": i for i in ids}
    found = {keys[k]: v for k, v in cache.get_many(list(keys), version=version).items()}
    missing = [i for i in ids if i not in found]
    if missing:
        fresh = compute(missing)
        cache.set_many(
            {f"v:{name}:{i}": fresh.get(i, _ABSENT) for i in missing}, CACHE_SECONDS, version=version
        )
        found.update((i, fresh[i]) for i in missing if i in fresh)
    return {i: v for i, v in found.items() if v != _ABSENT}


def kept(name: str, parts: object, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``name``, ``parts`` and the language until the data changes.

    ``parts`` is everything else the value depends on (e.g. the filters and the page number), and the
    value must be the same for every visitor. For selectors: a page or API answer the response cache has
    not seen (another query string, a signed-in user) then costs a cache read for its costly part."""
    key = f"kept:{name}:" + _hash(f"{get_language()}|{parts!r}")
    version = current()
    value: T = cache.get(key, _ABSENT, version=version)
    if value is _ABSENT:
        value = compute()
        cache.set(key, value, CACHE_SECONDS, version=version)
    return value


MOMENTS_KEPT = 64


def next_moment(name: str, upcoming: Callable[[dt.datetime, int], list[dt.datetime]]) -> dt.datetime | None:
    """The next moment after now when what some pages show changes without a write (a call closes, a
    phase begins) – for ``cache_response(moment=…)`` – read from a list kept until the data changes.

    ``upcoming(at, n)`` gives the first ``n`` such moments after ``at``, in order. The kept list holds
    when it was made; it answers for any later time until its moments have passed (then it is made
    again), and never for an earlier one (a clock set back). So a page's key costs a cache read, not
    the queries of ``upcoming``, on every request but the first after a change."""
    memo = _moments_in_use.get()
    if memo is not None and name in memo:  # asked before in this request
        return memo[name]
    found = _next_moment(name, upcoming)
    if memo is not None:
        memo[name] = found
    return found


def _next_moment(name: str, upcoming: Callable[[dt.datetime, int], list[dt.datetime]]) -> dt.datetime | None:
    now = timezone.now()
    key = f"moments:{name}"
    version = current()
    held = cache.get(key, version=version)
    if held is not None:
        since, moments, complete = held
        if since <= now:
            later = bisect.bisect_right(moments, now)
            if later < len(moments):
                found: dt.datetime = moments[later]
                return found
            if complete:
                return None
    moments = sorted(upcoming(now, MOMENTS_KEPT))[:MOMENTS_KEPT]
    cache.set(key, (now, moments, len(moments) < MOMENTS_KEPT), CACHE_SECONDS, version=version)
    return moments[0] if moments else None


# What a kept part's forms carry in place of the CSRF token: ``{% csrf_token %}`` writes the context's
# ``csrf_token``, which ``kept_html`` sets to this, and each request's own token replaces it.
CSRF_SLOT = "regija-csrf-slot-4b1d7e"


def kept_html(
    request: HttpRequest, name: str, parts: object, render: Callable[[dict[str, Any]], str]
) -> SafeString:
    """A part of a page with forms in it, kept like ``kept`` under ``name`` and ``parts``.

    ``parts`` must hold everything the part shows differently to different people (whether they are
    signed in, may post, answer, moderate …); the person's identity must never be in it. ``render``
    gets the context entries the part needs for its forms – ``csrf_token`` (a slot; never a real
    token, which would be the first visitor's) – and returns the HTML; every request then gets its own
    token in the slot, so a kept part is shared by everyone with the same ``parts``."""
    html = kept(name, parts, lambda: str(render({"csrf_token": CSRF_SLOT})))
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, get_token(request))
    return mark_safe(html)  # noqa: S308 – rendered by a template with autoescaping
