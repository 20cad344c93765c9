"""A write that meets a lock waits a bounded time, then answers 503 – never a 500.

`regija import` writes every file in one transaction (docs/architecture.md, "Import = diff by codes,
in one transaction"). On SQLite that transaction holds the database's single write lock for the whole
run; on PostgreSQL it holds locks on the rows (and index entries) it writes. A page or API write that
needs one of them waits at most ``REGIJA_DB_LOCK_WAIT`` seconds – SQLite's busy timeout and
PostgreSQL's ``lock_timeout``, both set from it in settings.py – and then the database refuses it
(SQLite: "database is locked"; PostgreSQL: lock_not_available). The write's transaction is rolled back
by then, so nothing of it is stored. This module turns that refusal into a 503 with ``Retry-After``: a
page in the site's style, or the API's JSON ``{"detail": …}``.

The import announces itself (`announce_import`) so that the answer can say an import is running
rather than only that the database is busy: on SQLite with an exclusive ``flock`` on a file beside the
database, on PostgreSQL with a session advisory lock. Both go when the process does, so a crashed import
never leaves a stale "import running" behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import DatabaseError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults

try:  # POSIX; where it is missing (Windows) an import is not announced and the answer says "busy"
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

# Seconds a client is told to wait: an import takes a minute or more; another write a moment.
RETRY_AFTER_IMPORT = 60
RETRY_AFTER_BUSY = 10

# The advisory lock (two int4 keys) an import holds on PostgreSQL: "REGJ", 1.
_ADVISORY = (0x5245474A, 1)

_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_PG_LOCK_NOT_AVAILABLE = "55P03"


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether a database error is a lock the write waited for in vain (SQLite busy or locked,
    PostgreSQL lock_not_available), not any other failure."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if isinstance(sqlstate, str):
        return sqlstate == _PG_LOCK_NOT_AVAILABLE
    return "database is locked" in str(exc)


def _sqlite_marker(using: str) -> Path | None:
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.is_in_memory_db():  # type: ignore[attr-defined]
        return None
    return Path(f"{connection.settings_dict['NAME']}-import")


@contextlib.contextmanager
def announce_import(using: str = "default", on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Run an import under a marker that `import_running` sees from other processes. A second import
    waits for the first (``on_wait`` is called first, to say so) instead of failing on its locks. On
    PostgreSQL the import's own session has no ``lock_timeout``: the bound is for web requests."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _ADVISORY)
            if not cursor.fetchone()[0]:
                if on_wait:
                    on_wait()
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", _ADVISORY)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _ADVISORY)
        return
    marker = _sqlite_marker(using)
    if marker is None or fcntl is None:
        yield
        return
    try:
        fd = os.open(marker, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a folder we cannot write to: the import runs unannounced
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def import_running(using: str = "default") -> bool:
    """Whether an announced import is running now (in any process on this database)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    " AND classid = %s AND objid = %s AND objsubid = 2)",
                    _ADVISORY,
                )
                return bool(cursor.fetchone()[0])
        except DatabaseError:  # the connection is unusable just now; the answer then says "busy"
            return False
    marker = _sqlite_marker(using)
    if marker is None or fcntl is None:
        return False
    try:
        fd = os.open(marker, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _message(importing: bool) -> str:
    if importing:
        return _(
            "An import of data is running, so changes cannot be saved just now. "
            "Nothing was saved; try again in a minute."
        )
    return _(
        "The database is busy with another change, so yours could not be saved just now. "
        "Nothing was saved; try again in a moment."
    )


def busy_response(request: HttpRequest) -> HttpResponse:
    """The 503 for a write refused because of a lock: JSON under /api/, a page elsewhere."""
    importing = import_running()
    retry = RETRY_AFTER_IMPORT if importing else RETRY_AFTER_BUSY
    response: HttpResponse
    if request.path.startswith("/api/"):
        with translation.override("en"):  # the API speaks English (regija.api.errors)
            response = JsonResponse({"detail": _message(importing)}, status=503)
    else:
        referer = request.headers.get("referer", "")
        back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}) else ""
        context = {"heading": _("Changes cannot be saved just now"), "message": _message(importing)}
        try:
            response = render(request, "core/stopped.html", {**context, "back": back}, status=503)
        except Exception:  # the page needs the database too; the answer must not become a 500 after all
            response = HttpResponse(context["message"], content_type="text/plain; charset=utf-8", status=503)
    response["Retry-After"] = str(retry)
    response["Cache-Control"] = "no-store"
    return response


class BusyMiddleware:
    """A view's write that met a lock answers 503 (the API's router answers it itself: regija.api.errors)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return busy_response(request) if is_lock_timeout(exception) else None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a lock timeout raised outside a view (a session saved on the way out) still
    answers 503; anything else is Django's own 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and is_lock_timeout(exc):
        return busy_response(request)
    return defaults.server_error(request)
