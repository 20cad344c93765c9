"""Regija's NinjaAPI: request errors that name the field the client sent, and JSON numbers read as decimals.

This is the one module that relies on django-ninja's undocumented internals (the attributes it sets on
the models it builds for an operation's parameters: ``__ninja_param_source__``,
``__ninja_flatten_map__``, ``__ninja_flatten_map_reverse__``, ``__read_from_single_attr__``, and the
``validation_error_from_error_contexts`` hook). tests/api/test_ninja_internals.py fails loudly when an
upgrade of ninja changes them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NoReturn

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

Loc = tuple[str | int, ...]


def _public_loc(loc: Loc, model: type) -> list[str | int]:
    """('payload', 'amount') → ['amount']; ('filters', 'status', 0) → ['status', 0]."""
    single = getattr(model, "__read_from_single_attr__", None)
    if single and loc[:1] == (single,):
        return list(loc[1:])
    reverse: dict[Loc, Loc] = getattr(model, "__ninja_flatten_map_reverse__", {}) or {}
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in reverse:
            return list(reverse[loc[:cut]]) + list(loc[cut:])
    # A whole query model failed its own check (e.g. "node needs strategy"): drop the wrapper name.
    flatten: dict[str, Loc] = getattr(model, "__ninja_flatten_map__", {}) or {}
    wrappers = {path[0] for path in flatten.values() if len(path) > 1}
    if loc[:1] and loc[0] in wrappers:
        return list(loc[1:])
    return list(loc)


# Text never holds NUL (PostgreSQL cannot store or compare it): request bodies, query parameters and path
# parts with one are refused with a 422 (api.schemas.Input, api.errors.refuse_nul), so the document
# says so on every string it describes.
NO_NUL = "^[^\\u0000]*$"


def _no_nul_strings(node: Any) -> None:
    """Give every free-text string schema of the document the pattern that refuses NUL characters."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not ({"pattern", "format", "enum", "const"} & set(node)):
            if node.get("maxLength") != 0:
                node["pattern"] = NO_NUL
        for value in node.values():
            _no_nul_strings(value)
    elif isinstance(node, list):
        for value in node:
            _no_nul_strings(value)


class RegijaAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _no_nul_strings(schema.get("paths"))
        _no_nul_strings(schema.get("components", {}).get("schemas"))
        return schema

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        errors: list[dict[str, Any]] = []
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


def _not_json(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


class DecimalJSONParser(Parser):
    """Read JSON numbers as Decimal, so 0.1 arrives as exactly 0.1 and never as binary noise;
    refuse NaN and Infinity, which Python's json module would otherwise let through."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json.loads(request.body, parse_float=Decimal, parse_constant=_not_json)
