"""Pages of list endpoints, and answers kept as JSON until the data changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import GenericAlias
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import Field, TypeAdapter

from regija.core import caching

T = TypeVar("T")
R = TypeVar("R")
MAX_PAGE_SIZE = 100

# What a list endpoint pages through, and what turns one page of it into the items it answers.
Rows = QuerySet[Any, R] | list[R]
Build = Callable[[list[R]], list[Any]]


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


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _count_and_items(rows: Rows[R], params: PageParams, build: Build[R]) -> tuple[int, list[Any]]:
    count = len(rows) if isinstance(rows, list) else rows.count()
    start = (params.page - 1) * params.page_size
    chunk = list(rows[start : start + params.page_size]) if start < count else []
    return count, build(chunk)


def _envelope(request: HttpRequest, params: PageParams, count: int, items: list[Any]) -> dict[str, Any]:
    last = max(1, -(-count // params.page_size))
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "next": _page_url(request, params.page + 1) if params.page < last else None,
        "previous": _page_url(request, min(params.page - 1, last)) if params.page > 1 else None,
        "items": items,
    }


def paginate(
    request: HttpRequest, rows: Rows[R], params: PageParams, build: Build[R] = list
) -> dict[str, Any]:
    """One page of a queryset or list, as the envelope every list endpoint answers.

    ``build`` turns the page's rows into items; it gets the whole page at once so that it can read
    money and other extras for the page in one query instead of one per row."""
    count, items = _count_and_items(rows, params, build)
    return _envelope(request, params, count, items)


def paginate_kept(
    request: HttpRequest,
    name: str,
    parts: object,
    rows: Callable[[], Rows[R]],
    params: PageParams,
    build: Build[R],
    item: type[Schema],
) -> HttpResponse:
    """``paginate()`` for a list many clients page through with ever new filters: the count and the
    page's items, validated as ``item`` once, are kept until the data changes (``caching.kept`` under
    ``name``, ``parts`` – the filters –, the page, and the scheme and host, since items hold absolute
    links). ``rows()`` gives the queryset, built only when the page is not kept yet.

    Any request for the page – anonymous or with a token, with a query string seen before or not –
    then costs the data version and one cache read. The answer is the envelope ``Page[item]`` the
    operation declares for its OpenAPI document, written as ninja's renderer writes JSON (tests compare
    the two), as a ``KeptResponse``: the response cache does not store it again per query string.

    Items must be the same for every client (no per-user fields)."""
    adapter = _adapter(GenericAlias(list, (item,)))  # list[item], spelled so type checkers follow

    def compute() -> tuple[int, Any]:
        count, items = _count_and_items(rows(), params, build)
        return count, adapter.dump_python(adapter.validate_python(items), mode="json")

    key = (parts, params.page, params.page_size, request.scheme, request.get_host())
    count, items = caching.kept(name, key, compute)
    return _json_response(_envelope(request, params, count, items))


_adapters: dict[Any, TypeAdapter[Any]] = {}


def _adapter(schema: Any) -> TypeAdapter[Any]:
    adapter = _adapters.get(schema)
    if adapter is None:
        adapter = _adapters[schema] = TypeAdapter(schema)
    return adapter


def _json_response(data: Any) -> HttpResponse:
    """``data`` (JSON-ready: dicts, lists, text, numbers) written as ninja's JSONRenderer writes it."""
    text = json.dumps(data, cls=NinjaJSONEncoder)
    return caching.KeptResponse(text, content_type="application/json; charset=utf-8")


def answer_kept(
    request: HttpRequest, name: str, parts: object, compute: Callable[[], Any], schema: type[Schema]
) -> HttpResponse:
    """The answer ``compute()`` gives, validated as ``schema`` once, kept until the data changes under
    the language, ``name`` and ``parts`` (everything else it depends on: the query parameters). For
    reads many clients make with ever new query strings (search): each costs the data version and one
    cache read, as ``paginate_kept``. The answer must hold no absolute URLs and nothing per client."""
    adapter = _adapter(schema)

    def validated() -> Any:
        return adapter.dump_python(adapter.validate_python(compute()), mode="json")

    return _json_response(caching.kept(name, parts, validated))
