"""Error answers of the API: their schemas, the handlers that write them, and the helpers endpoints raise."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, Concatenate, NoReturn, ParamSpec

from django.db import OperationalError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from pydantic import Field

from regija.core import busy, permissions
from regija.core.services import Refused

P = ParamSpec("P")


class Error(Schema):
    detail: str = Field(examples=["Not found: strategy 'x'."])


class ErrorItem(Schema):
    loc: list[str | int] = Field(
        description="Where the problem is: source (body, query, path), then the field path"
    )
    msg: str
    type: str


class ValidationErrorSchema(Schema):
    detail: list[ErrorItem]


# What every operation, read or write, may answer besides its own answers: the one place to declare an
# answer the whole API can give (such as a 503 while the database is busy).
COMMON_RESPONSES: dict[int, Any] = {}

# What every GET may answer besides 200; 304 has no body. A bad query parameter or path part, also an
# empty or "null" one where a number or a choice is expected, is a 422.
READ_RESPONSES: dict[int, Any] = {304: None, 404: Error, 422: ValidationErrorSchema, **COMMON_RESPONSES}


def write_responses(ok: dict[int, Any], *, conflict: bool = False) -> dict[int, Any]:
    """The responses of a write operation, for its OpenAPI description: 400 for a body that is not JSON,
    401 without a valid token, 403, 404, 422 and, with ``conflict``, 409."""
    out = {
        **ok,
        400: Error,
        401: Error,
        403: Error,
        404: Error,
        422: ValidationErrorSchema,
        **COMMON_RESPONSES,
    }
    if conflict:
        out[409] = Error
    out[503] = Error  # a lock waited for in vain, e.g. during an import (regija.core.busy)
    return out


# The type of a 422 from a rule against what is stored (the end before the project's start, a secured
# part of a line that is not partly secured …): the body has the documented shape, the data refuse it.
REFUSED = "refused"


class InvalidToken(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(401, "The token is not valid: it is unknown, revoked, or its user is inactive.")


def invalid(loc: list[str | int], msg: str, type: str = "value_error") -> NoReturn:
    """Raise a 422 for one field, shaped like the errors of request validation."""
    raise ValidationError([{"loc": list(loc), "msg": msg, "type": type}])


def not_found(what: str, key: str) -> Http404:
    return Http404(f"Not found: {what} '{key}'.")


def require_change(request: HttpRequest, obj: Model) -> None:
    """403 unless the token's user may change this object (the one rule in core.permissions)."""
    if not permissions.can_change(request.user, obj):
        raise AuthorizationError(
            403, "You may not change this: it belongs to organisations where you are not an editor or admin."
        )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": exc.errors}, status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = (
            exc.message
            if isinstance(exc, InvalidToken)
            else (
                "A token is required: send the header 'Authorization: Bearer rgj_…' (create one at /racun/)."
            )
        )
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = (
            'Bearer realm="regija", error="invalid_token"'
            if isinstance(exc, InvalidToken)
            else 'Bearer realm="regija"'
        )
        return response

    @api.exception_handler(OperationalError)
    def locked(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        # a write that waited for an import's lock in vain: 503 with Retry-After (regija.core.busy)
        if busy.is_lock_timeout(exc):
            return busy.busy_response(request)
        raise exc

    @api.exception_handler(Http404)
    def missing(request: HttpRequest, exc: Http404) -> HttpResponse:
        text = str(exc)
        return api.create_response(
            request, {"detail": text if text.startswith("Not found") else "Not found."}, status=404
        )


def refuse_nul(
    run: Callable[Concatenate[HttpRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """422 for a NUL character in the query string or the path: PostgreSQL cannot store or compare
    text with NUL, so it would otherwise end as a server error deep in a query."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        bad: list[list[str]] = [
            ["query", k] for k, values in request.GET.lists() if any("\x00" in v for v in values)
        ]
        bad += [["path", k] for k, v in kwargs.items() if isinstance(v, str) and "\x00" in v]
        if bad:
            errors = [
                {"loc": loc, "msg": "text must not contain NUL characters", "type": "nul_character"}
                for loc in bad
            ]
            return JsonResponse({"detail": errors}, status=422)
        return run(request, *args, **kwargs)

    return wrapper


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """Around a service an API write calls (the service sets who acts, via "api", and the transaction):
    its messages in English, like every API message, and its refusals answered as the API's errors by
    their status – 403 for ``Forbidden``, 409 for a conflict with the stored state, 422 at
    ``["body", <field path>]`` (type ``refused``) for an input at fault."""
    try:
        with translation.override("en"):
            yield
    except Refused as exc:
        if exc.status == 403:
            raise AuthorizationError(403, exc.message) from None
        if exc.status == 422:
            path = [int(p) if p.isdigit() else p for p in exc.field.split(".")] if exc.field else []
            invalid(["body", *path], exc.message, REFUSED)
        raise HttpError(exc.status, exc.message) from None
