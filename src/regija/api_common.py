"""Shared pieces of the REST API: the API class, error schemas and handlers, token auth, ETags,
pagination, money and date types, and how a write answers a service's refusal (``refusals``).

The routers (``strategies/api.py``, ``projects/api.py``, ``core/api.py``) use only these helpers, so
every endpoint answers errors, pages, conditional GETs and money in the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from regija.core import caching, permissions, tokens
from regija.core.money import CENT, plain_number, to_money
from regija.core.services import Conflict, Forbidden, Refused

# ---------------------------------------------------------------------------------------------
# Errors


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


# What every GET may answer besides 200; 304 has no body.
READ_RESPONSES: dict[int, Any] = {304: None, 404: Error, 422: ValidationErrorSchema}


def write_responses(ok: dict[int, Any], *, conflict: bool = False) -> dict[int, Any]:
    """The responses of a write operation, for its OpenAPI description."""
    out = {**ok, 401: Error, 403: Error, 404: Error, 422: ValidationErrorSchema}
    if conflict:
        out[409] = Error
    return out


class InvalidToken(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(401, "The token is not valid: it is unknown, revoked, or its user is inactive.")


def invalid(loc: list[str | int], msg: str, type: str = "value_error"):
    """Raise a 422 for one field, shaped like the errors of request validation."""
    raise ValidationError([{"loc": list(loc), "msg": msg, "type": type}])


def not_found(what: str, key: str) -> Http404:
    return Http404(f"Not found: {what} '{key}'.")


def require_change(request, obj) -> None:
    """403 unless the token's user may change this object (the one rule in core.permissions)."""
    if not permissions.can_change(request.user, obj):
        raise AuthorizationError(
            403, "You may not change this: it belongs to organisations where you are not an editor or admin."
        )


# ---------------------------------------------------------------------------------------------
# The API class: request errors name the field the client sent, not ninja's internal parameter.


def _public_loc(loc: tuple, model) -> list:
    """('payload', 'amount') → ['amount']; ('filters', 'status', 0) → ['status', 0]."""
    single = getattr(model, "__read_from_single_attr__", None)
    if single and loc[:1] == (single,):
        return list(loc[1:])
    reverse = getattr(model, "__ninja_flatten_map_reverse__", {}) or {}
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in reverse:
            return list(reverse[loc[:cut]]) + list(loc[cut:])
    # A whole query model failed its own check (e.g. "node needs strategy"): drop the wrapper name.
    wrappers = {
        path[0] for path in (getattr(model, "__ninja_flatten_map__", {}) or {}).values() if len(path) > 1
    }
    if loc[:1] and loc[0] in wrappers:
        return list(loc[1:])
    return list(loc)


class RegijaAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        errors = []
        for context in error_contexts:
            model = context.model
            for err in context.pydantic_validation_error.errors(include_url=False):
                errors.append(
                    {
                        "loc": [model.__ninja_param_source__, *_public_loc(tuple(err["loc"]), model)],
                        "msg": err["msg"].removeprefix("Value error, "),
                        "type": err["type"],
                    }
                )
        return ValidationError(errors)


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


class DecimalJSONParser(Parser):
    """Read JSON numbers as Decimal, so 0.1 arrives as exactly 0.1 and never as binary noise;
    refuse NaN and Infinity, which Python's json module would otherwise let through."""

    def parse_body(self, request):
        return json.loads(request.body, parse_float=Decimal, parse_constant=_not_json)


def install_error_handlers(api: NinjaAPI) -> None:
    def validation(request, exc: ValidationError):
        return api.create_response(request, {"detail": exc.errors}, status=422)

    def unauthenticated(request, exc: AuthenticationError):
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

    def missing(request, exc: Http404):
        text = str(exc)
        return api.create_response(
            request, {"detail": text if text.startswith("Not found") else "Not found."}, status=404
        )

    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(Http404, missing)


def refuse_nul(run):
    """422 for a NUL character in the query string or the path: PostgreSQL cannot store or compare
    text with NUL, so it would otherwise end as a server error deep in a query."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        bad = [["query", k] for k, values in request.GET.lists() if any("\x00" in v for v in values)]
        bad += [["path", k] for k, v in kwargs.items() if isinstance(v, str) and "\x00" in v]
        if bad:
            errors = [
                {"loc": loc, "msg": "text must not contain NUL characters", "type": "nul_character"}
                for loc in bad
            ]
            return JsonResponse({"detail": errors}, status=422)
        return run(request, *args, **kwargs)

    return wrapper


class Input(Schema):
    """Base of request bodies: unknown fields are refused (a typo must not silently change nothing),
    and so is text with NUL characters (PostgreSQL cannot store it)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "text must not contain NUL characters")
        return value


# ---------------------------------------------------------------------------------------------
# Authentication


class TokenAuth(HttpBearer):
    """Personal API tokens (``Authorization: Bearer rgj_…``); the token's user acts for the request."""

    def authenticate(self, request, token: str):
        user = tokens.authenticate(token.strip())
        if user is None:
            raise InvalidToken()
        # Views, permissions and the audit log all read request.user.
        request.user = user
        return user


token_auth = TokenAuth()


@contextlib.contextmanager
def refusals():
    """Around a service an API write calls (the service sets who acts, via "api", and the transaction):
    its messages in English, like every API message, and its refusals answered as the API's errors –
    ``Forbidden`` 403, ``Conflict`` 409, any other ``Refused`` 422 at ``["body", <field path>]``."""
    try:
        with translation.override("en"):
            yield
    except Forbidden as exc:
        raise AuthorizationError(403, exc.message) from None
    except Conflict as exc:
        raise HttpError(409, exc.message) from None
    except Refused as exc:
        path = [int(p) if p.isdigit() else p for p in exc.field.split(".")] if exc.field else []
        invalid(["body", *path], exc.message)


# ---------------------------------------------------------------------------------------------
# Conditional GET


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


# ---------------------------------------------------------------------------------------------
# Pagination

T = TypeVar("T")
MAX_PAGE_SIZE = 100


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1")
    page_size: int = Field(25, ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, at most {MAX_PAGE_SIZE}")


class Page(Schema, Generic[T]):
    count: int = Field(description="Items in all pages")
    page: int
    page_size: int
    next: str | None = Field(description="URL of the next page, or null")
    previous: str | None = Field(description="URL of the previous page, or null")
    items: list[T]


def _page_url(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _count_and_items(rows, params: PageParams, build) -> tuple[int, list]:
    count = len(rows) if isinstance(rows, list) else rows.count()
    start = (params.page - 1) * params.page_size
    chunk = list(rows[start : start + params.page_size]) if start < count else []
    return count, build(chunk)


def _envelope(request, params: PageParams, count: int, items: list) -> dict:
    last = max(1, -(-count // params.page_size))
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "next": _page_url(request, params.page + 1) if params.page < last else None,
        "previous": _page_url(request, min(params.page - 1, last)) if params.page > 1 else None,
        "items": items,
    }


def paginate(request, rows, params: PageParams, build=list) -> dict:
    """One page of a queryset or list, as the envelope every list endpoint answers.

    ``build`` turns the page's rows into items; it gets the whole page at once so that it can read
    money and other extras for the page in one query instead of one per row."""
    count, items = _count_and_items(rows, params, build)
    return _envelope(request, params, count, items)


def paginate_kept(request, name: str, parts, rows, params: PageParams, build, item: type[Schema]):
    """``paginate()`` for a list many clients page through with ever new filters: the count and the
    page's items, validated and written as JSON once, are kept until the data changes
    (``caching.kept`` under ``name``, ``parts`` – the filters – the page, and the scheme and host,
    since items hold absolute links). ``rows()`` gives the queryset, built only when the page is not
    kept yet.

    Any request for the page – anonymous or with a token, with a query string seen before or not –
    then costs the data version and one cache read; the answer itself is not put in the response
    cache (``regija_kept`` on the response), which would only store the same items again per query
    string. The JSON is written here: the envelope is ``Page[item]``, as the operation declares for
    its OpenAPI document, and in the bytes ninja's JSONRenderer writes (tests compare the two).

    Items must be the same for every client (no per-user fields)."""
    adapter = _adapter(list[item])

    def compute():
        count, items = _count_and_items(rows(), params, build)
        return count, json.dumps(adapter.dump_python(adapter.validate_python(items), mode="json"))

    key = (parts, params.page, params.page_size, request.scheme, request.get_host())
    count, items = caching.kept(request, name, key, compute)
    # "items" is the envelope's last key: its "[]}" is replaced by the items as written
    envelope = json.dumps(_envelope(request, params, count, []), cls=NinjaJSONEncoder)
    return _json_response(f"{envelope[:-3]}{items}}}")


_adapters: dict[type, TypeAdapter] = {}


def _adapter(schema) -> TypeAdapter:
    adapter = _adapters.get(schema)
    if adapter is None:
        adapter = _adapters[schema] = TypeAdapter(schema)
    return adapter


def _json_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response.regija_kept = True  # conditional_get: not stored again in the response cache
    return response


def answer_kept(request, name: str, parts, compute, schema: type[Schema]) -> HttpResponse:
    """The answer ``compute()`` gives, validated as ``schema`` and written as JSON once, kept until the
    data changes under the language, ``name`` and ``parts`` (everything else it depends on: the query
    parameters). For reads many clients make with ever new query strings (search): each costs the
    data version and one cache read, as ``paginate_kept``. The answer must hold no absolute URLs and
    nothing per client."""
    adapter = _adapter(schema)

    def written():
        return json.dumps(adapter.dump_python(adapter.validate_python(compute()), mode="json"))

    return _json_response(caching.kept(request, name, parts, written))


# ---------------------------------------------------------------------------------------------
# Money and numbers
#
# Money goes out as a JSON string with exactly two decimals ("1758500.00"): exact, and safe from the
# rounding a JavaScript number would do on large amounts. Money comes in as a string or a number with
# at most two decimals; to_money() decides, as it does for the importer and the forms.

MAX_AMOUNT = Decimal("9999999999999.99")  # far below the 64-bit cents column's limit


def _money_in(value, *, optional: bool):
    if value is None and optional:
        return None
    if (
        value is None
        or value == ""
        or isinstance(value, bool)
        or not isinstance(value, (str, int, float, Decimal))
    ):
        raise PydanticCustomError("money_type", 'an amount of money is a string or number such as "1250.50"')
    try:
        amount = to_money(value)
    except DjangoValidationError as exc:
        with translation.override("en"):
            raise PydanticCustomError("money_invalid", exc.messages[0]) from None
    except ArithmeticError:  # InvalidOperation: rounding to cents overflows only for huge numbers
        raise PydanticCustomError("money_too_large", "the amount is too large") from None
    if amount < 0:
        raise PydanticCustomError("money_negative", "an amount of money here must not be negative")
    if amount > MAX_AMOUNT:
        raise PydanticCustomError("money_too_large", "the amount is too large")
    return amount


_MONEY_IN_SCHEMA = {
    "anyOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}, {"type": "number", "minimum": 0}],
    "description": "EUR, at most two decimals (cents), not negative",
    "examples": ["1250.50"],
}
MoneyIn = Annotated[
    Decimal, BeforeValidator(functools.partial(_money_in, optional=False)), WithJsonSchema(_MONEY_IN_SCHEMA)
]
OptionalMoneyIn = Annotated[
    Decimal | None,
    BeforeValidator(functools.partial(_money_in, optional=True)),
    WithJsonSchema(
        {
            "anyOf": [*_MONEY_IN_SCHEMA["anyOf"], {"type": "null"}],
            "description": _MONEY_IN_SCHEMA["description"],
        }
    ),
]


def _money_text(value: Decimal) -> str:
    return format(Decimal(value).quantize(CENT), "f")


MoneyOut = Annotated[
    Decimal,
    PlainSerializer(_money_text, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1758500.00"], "description": "EUR"}
    ),
]
# Indicator values, shares and percentages: exact decimal text without padding zeros ("12.5").
NumberOut = Annotated[
    Decimal,
    PlainSerializer(plain_number, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["12.5"]}),
]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value):
    # Only "YYYY-MM-DD" text: pydantic alone would also take numbers as Unix timestamps.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "a date is written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_invalid", "not a real date") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]
OptionalIsoDate = Annotated[
    dt.date | None,
    BeforeValidator(lambda v: None if v is None else _iso_date(v)),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}),
]

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _partial_date(value):
    """'2023', '2023-06' or '2023-06-15' (or '' for unknown), as the strategy files write them."""
    if value == "":
        return value
    if not isinstance(value, str) or not _PARTIAL_DATE.match(value):
        raise PydanticCustomError(
            "partial_date", "write a year, year-month or date: 2023, 2023-06 or 2023-06-15"
        )
    parts = [int(p) for p in value.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise PydanticCustomError("date_invalid", "not a real date") from None
    return value


PartialDate = Annotated[
    str, BeforeValidator(_partial_date), WithJsonSchema({"type": "string", "pattern": _PARTIAL_DATE.pattern})
]


# ---------------------------------------------------------------------------------------------
# Pieces several routers answer with


class OrgRef(Schema):
    slug: str
    name: str


class Party(Schema):
    """An organisation that may be a natural person (an applicant, a project's holder or partner)."""

    person: bool = Field(
        description="True for a natural person, who is never named: name and slug are then null"
    )
    name: str | None
    slug: str | None


class MoneySummary(Schema):
    """Money of a set of projects, each project counted once."""

    projects: int
    total: MoneyOut
    secured: MoneyOut = Field(
        description="Secured lines in full plus the stated part of partly secured lines"
    )
    secured_unknown: MoneyOut = Field(
        description=(
            "Partly secured lines whose secured part the source does not give (somewhere between 0 and this)"
        )
    )
    unsecured: MoneyOut
    paid: MoneyOut
    claimed: MoneyOut


def money_summary(rollup) -> dict:
    return {
        "projects": rollup.projects,
        "total": rollup.total,
        "secured": rollup.secured,
        "secured_unknown": rollup.secured_unknown,
        "unsecured": rollup.unsecured,
        "paid": rollup.paid,
        "claimed": rollup.claimed,
    }


class ProgressOut(Schema):
    status: str = Field(
        description="achieved, on_track, at_risk, off_track, no_schedule, incomplete or inconsistent"
    )
    percent: NumberOut | None = Field(description="Share of the way from baseline to target, in percent")
    expected_percent: NumberOut | None = Field(
        description="Where the straight path is at the latest observation"
    )
    latest_value: NumberOut | None
    latest_date: dt.date | None
    missing: list[str] = Field(
        description="What is missing to compute progress (baseline, target, observations, dates)"
    )
    problem: str


def progress_out(prog) -> dict:
    return {
        "status": prog.status,
        "percent": prog.percent,
        "expected_percent": None if prog.expected is None else (prog.expected * 100).quantize(Decimal("0.1")),
        "latest_value": prog.latest_value,
        "latest_date": prog.latest_date,
        "missing": list(prog.missing),
        "problem": prog.problem,
    }
