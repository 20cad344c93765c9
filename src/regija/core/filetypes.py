"""Field types of the input file formats (strategy files, governance files), for their pydantic models.

Each type accepts what a person writes in YAML and says precisely what is wrong otherwise, in the
active language (``regija.core.translate``); the JSON Schema they give is part of the published
strategy-file schema. This module needs no configured Django project, so a file can be checked
without a database.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from regija.core.translate import gettext
from regija.core.validators import url_problem


class Record(BaseModel):
    """A mapping of an input file: an unknown field is an error, text is stripped, aliases are accepted."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


_MONEY_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")


def parse_money(value: Any) -> Decimal:
    """An amount in EUR from a YAML number or a plain decimal string with at most two decimals.

    Raises ValueError, which pydantic reports on the field, with what to write instead.
    """
    if isinstance(value, bool):
        raise ValueError(gettext("money must be a number such as 1758500.00, not true/false"))
    if isinstance(value, int):
        return Decimal(value).quantize(Decimal("0.01"))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(gettext("money must be a finite number"))
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = value.strip()
        if not _MONEY_RE.match(text):
            raise ValueError(
                gettext(
                    "money must be a number with at most two decimals, written with a decimal point "
                    "and no thousands separators (e.g. 1758500.00), not %(value)s"
                )
                % {"value": repr(value)}
            )
    else:
        raise ValueError(gettext("money must be a number such as 1758500.00") + _not_kind(value))
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex and repr() rule this out
        raise ValueError(gettext("money must be a number, not %(value)s") % {"value": repr(value)}) from exc
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(
            gettext("money has more than two decimals: %(amount)s (cents are the smallest unit)")
            % {"amount": text}
        )
    if amount.copy_abs() >= Decimal("1e13"):
        raise ValueError(
            gettext("money amount %(amount)s is too large (at most 9999999999999.99)") % {"amount": text}
        )
    return amount.quantize(Decimal("0.01"))


def _money_json(value: Decimal) -> float | int:
    return float(value) if value != value.to_integral_value() else int(value)


# an amount in EUR, exact to the cent; JSON gives it as a number
Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(_money_json, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "multipleOf": 0.01},
                {"type": "string", "pattern": _MONEY_RE.pattern},
            ],
            "description": "Amount in EUR with at most two decimals, e.g. 1758500.00",
        }
    ),
]


def _to_number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(gettext("a value must be a number, not true/false"))
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(
                gettext("a value must be a number with a decimal point (e.g. 4.5), not %(value)s")
                % {"value": repr(value)}
            ) from None
    raise ValueError(gettext("a value must be a number") + _not_kind(value))


# a measured value (an indicator's), exact as written
Number = Annotated[
    Decimal,
    BeforeValidator(_to_number),
    PlainSerializer(_money_json, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]


def _not_kind(value: Any) -> str:
    """The end of a message about a value of the wrong kind: what it is instead (a list, a mapping …)."""
    if isinstance(value, (list, tuple)):
        return gettext(", not a list")
    if isinstance(value, dict):
        return gettext(", not a mapping")
    if value is None:
        return gettext(", not an empty value")
    return gettext(", not %(value)s") % {"value": repr(value)}


def not_a_real_date(value: Any, exc: ValueError) -> str:
    """Why a date written in the right form is not a real one (2023-02-30), said for a person."""
    reason = str(exc)
    if "day is out of range" in reason:
        why = gettext("that month has no such day")
    elif "month must be" in reason:
        why = gettext("a month is from 1 to 12")
    elif "hour must be" in reason or "minute must be" in reason or "second must be" in reason:
        why = gettext("there is no such time of day")
    else:
        why = gettext("no such day exists")
    return gettext("%(value)s is not a real date (%(why)s)") % {"value": repr(value), "why": why}


def parse_date(value: Any) -> dt.date:
    """A day written YYYY-MM-DD (or a date YAML already read); raises ValueError for anything else."""
    if type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(not_a_real_date(value, exc)) from None
    raise ValueError(
        gettext("a date must be written YYYY-MM-DD (e.g. 2023-12-31), not %(value)s") % {"value": repr(value)}
    )


# a day, YYYY-MM-DD
Date = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]

_PARTIAL_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def partial_precision(text: str) -> str:
    """A partial date is known to the year (2019), the month (2019-03) or the day (2019-03-15)."""
    return {4: "year", 7: "month", 10: "day"}[len(text)]


def partial_first_day(text: str) -> dt.date:
    """The first day a partial date can mean (2019-03 → 2019-03-01), to compare periods."""
    y, m, d = _PARTIAL_RE.match(text).groups()
    return dt.date(int(y), int(m or 1), int(d or 1))


def _to_partial(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError(gettext("a date must be written YYYY, YYYY-MM or YYYY-MM-DD"))
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not _PARTIAL_RE.match(value.strip()):
        raise ValueError(
            gettext("a date must be written YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019-03), not %(value)s")
            % {"value": repr(value)}
        )
    text = value.strip()
    y, m, d = _PARTIAL_RE.match(text).groups()
    try:
        dt.date(int(y), int(m or 1), int(d or 1))
    except ValueError as exc:
        raise ValueError(not_a_real_date(value, exc)) from None
    return text


# a date known to the year, month or day, kept as written: 2019, 2019-03, 2019-03-15
PartialDateField = Annotated[
    str,
    BeforeValidator(_to_partial),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
            "description": "YYYY, YYYY-MM or YYYY-MM-DD",
        }
    ),
]


def _to_code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        if isinstance(value, float):
            raise ValueError(
                gettext(
                    "a code must be text; YAML read %(value)s as a number, so put it in quotes "
                    '(e.g. "%(value)s")'
                )
                % {"value": repr(value)}
            )
        raise ValueError(gettext("a code must be text") + _not_kind(value))
    text = str(value).strip()
    if not text:
        raise ValueError(gettext("a code must not be empty"))
    if len(text) > 64:
        raise ValueError(gettext("a code must be at most 64 characters"))
    return text


# an identifier in a file (a node code, a fund, a call number): text, or a whole number taken as text;
# a decimal number is refused, as YAML would have read 1.10 as 1.1
Code = Annotated[str, BeforeValidator(_to_code), WithJsonSchema({"type": "string", "maxLength": 64})]
# a URL-safe name: lowercase letters and digits joined by single hyphens
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]


def _web_url(value: str) -> str:
    problem = url_problem(value, translated=True)
    if problem:
        raise ValueError(problem)
    return value


# a web address Regija may publish as a link: http:// or https:// only (regija.core.validators);
# a field gives its length as its column has it: Annotated[WebURL, Field(max_length=300)]
WebURL = Annotated[
    str,
    Field(
        description="A web address starting with http:// or https://",
        json_schema_extra={"pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s]+$"},
    ),
    AfterValidator(_web_url),
]
