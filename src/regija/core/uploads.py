"""Uploads stop as soon as they pass the size limit, instead of being received in full and refused then.

`LimitedUploadHandler` is the first of ``FILE_UPLOAD_HANDLERS``, so it sees every chunk of a file
before the handlers that keep it (in memory, or in a temporary file). It stops the upload

- before reading anything, when the request says it is larger than ``REGIJA_MAX_REQUEST_BYTES``
  (``Content-Length``: Django never reads past it), and
- at the first chunk that takes a file past ``REGIJA_MAX_UPLOAD_BYTES``,

with ``StopUpload(connection_reset=True)``: nothing more of the body is read and the part of the file
already received is thrown away. What was refused is noted on the request (`refused`).

A form cut short must never reach a view as if it were whole (a checkbox after the file would read as
unticked), so `UploadLimitMiddleware` reads every multipart POST before any view or check does, and a
refused one is answered at once: a page request goes back to the form it came from with the message
("“plan.pdf” is larger than 10 MB …"), or gets a page with it. The API reads its bodies itself: a
multipart body over the request limit gets 413 with ``{"detail": …}``, unread; the one operation that
takes a file (an application's attachment, ``calls.api_applicant``) reads its body through the same
handlers and answers a stopped file 413 itself. The checks of the forms and services
(``calls.storage.check_upload``) stay as a second line.

A view that takes larger files (a dataset's upload: ``REGIJA_LAKE_MAX_BYTES``) says so with
``file_limit(…)``: the middleware finds the view of the request's address before the body is read, and
its limit replaces ``REGIJA_MAX_UPLOAD_BYTES`` for that request (the request limit grows with it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

V = TypeVar("V", bound=Callable[..., Any])


@dataclass(frozen=True)
class Refused:
    """An upload stopped at a limit: the file's name (empty when the whole request was too large)."""

    name: str
    limit: int

    def message(self) -> str:
        if self.name:
            return _(
                "The file “%(name)s” is larger than %(limit)s, the most we accept for one file. "
                "Nothing was saved; choose a smaller file."
            ) % {"name": self.name, "limit": filesizeformat(self.limit)}
        return _(
            "What you sent is larger than %(limit)s, the most we accept at once. "
            "Nothing was saved; send fewer or smaller files."
        ) % {"limit": filesizeformat(self.limit)}


def file_limit(limit: Callable[[], int]) -> Callable[[V], V]:
    """A view's own file limit in bytes, read from settings when a request comes
    (``@file_limit(lambda: settings.REGIJA_LAKE_MAX_BYTES)``, outermost of the view's decorators)."""

    def mark(view: V) -> V:
        view.upload_limit = limit  # type: ignore[attr-defined]  # read by UploadLimitMiddleware
        return view

    return mark


def limits(request: HttpRequest | None) -> tuple[int, int]:
    """(file limit, request limit) for this request: the settings', or its view's (``file_limit``)."""
    own = getattr(request, "upload_limit", None)
    if own is None:
        return settings.REGIJA_MAX_UPLOAD_BYTES, settings.REGIJA_MAX_REQUEST_BYTES
    return own, max(settings.REGIJA_MAX_REQUEST_BYTES, own + 1024 * 1024)


def _view_limit(request: HttpRequest) -> int | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    limit = getattr(match.func, "upload_limit", None)
    return int(limit()) if callable(limit) else None


def refused(request: HttpRequest) -> Refused | None:
    """What `LimitedUploadHandler` refused in this request, if anything."""
    return getattr(request, "upload_refused", None)


class LimitedUploadHandler(FileUploadHandler):
    """Stops an upload at the first chunk past the file limit, or before reading a request that is
    larger than the request limit."""

    def _refuse(self, name: str, limit: int) -> None:
        if self.request is not None:
            self.request.upload_refused = Refused(name, limit)  # type: ignore[attr-defined]

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        request_limit = limits(self.request)[1]
        if content_length > request_limit:
            self._refuse("", request_limit)
            return QueryDict(), MultiValueDict()  # parsed as empty: nothing of the body is read
        return None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        limit = limits(self.request)[0]
        if self.content_length is not None and self.content_length > limit:
            self._refuse(file_name, limit)
            raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        limit = limits(self.request)[0]
        if start + len(raw_data) > limit:
            self._refuse(self.file_name or "", limit)
            raise StopUpload(connection_reset=True)
        return raw_data  # on to the handler that keeps it

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler returns the file


class UploadLimitMiddleware:
    """Answers a multipart POST whose upload was stopped, before CSRF checks and views read its form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return self.get_response(request)
        if request.path.startswith("/api/"):
            # The API reads its bodies itself (an attachment's upload checks the stopped file itself),
            # so its body is left unread here; only one over the request limit is refused, from its
            # Content-Length.
            if int(request.META.get("CONTENT_LENGTH") or 0) > settings.REGIJA_MAX_REQUEST_BYTES:
                with translation.override("en"):  # the API speaks English (regija.api.errors)
                    message = Refused("", settings.REGIJA_MAX_REQUEST_BYTES).message()
                return JsonResponse({"detail": message}, status=413)
            return self.get_response(request)
        own = _view_limit(request)
        if own is not None:
            request.upload_limit = own  # type: ignore[attr-defined]  # read by limits()
        request.POST  # noqa: B018 – parse now, through the upload handlers
        stopped = refused(request)
        if stopped is not None:
            return self.answer(request, stopped)
        return self.get_response(request)

    def answer(self, request: HttpRequest, stopped: Refused) -> HttpResponse:
        message = stopped.message()
        referer = request.headers.get("referer", "")
        if url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure()):
            # back to the form, which shows the message as it shows its other refusals
            messages.error(request, message)
            back = HttpResponseRedirect(referer)
            back.status_code = 303  # See Other: the form is fetched again with GET
            return back
        context = {"heading": _("The upload was refused"), "message": message, "back": ""}
        return render(request, "core/stopped.html", context, status=413)
