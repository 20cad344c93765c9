"""Field types of API schemas: money, numbers and dates, in and out."""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Annotated, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from regija.core.money import CENT, MAX_AMOUNT, plain_number, to_money

# Money and numbers
#
# Money goes out as a JSON string with exactly two decimals ("1758500.00"): exact, and safe from the
# rounding a JavaScript number would do on large amounts. Money comes in as a string or a number with
# at most two decimals; to_money() decides, as it does for the importer and the forms.

# Money as text: digits, then at most two decimals after a point; at most 13 digits before it, so the
# schema's pattern and maximum say exactly what is taken (core.money.MAX_AMOUNT).
_MONEY_TEXT = re.compile(r"^[0-9]{1,13}(\.[0-9]{1,2})?$")


def _money_in(value: object, *, optional: bool) -> Decimal | None:
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
        amount = cast(Decimal, to_money(value))  # not None: to_money gives None for None and "" only
    except DjangoValidationError as exc:
        with translation.override("en"):
            raise PydanticCustomError("money_invalid", exc.messages[0]) from None
    except ArithmeticError:  # InvalidOperation: rounding to cents overflows only for huge numbers
        raise PydanticCustomError("money_too_large", f"an amount of money is at most {MAX_AMOUNT}") from None
    if amount < 0 or (isinstance(value, str) and value.lstrip().startswith("-")):  # "-0" too
        raise PydanticCustomError("money_negative", "an amount of money here must not be negative")
    if amount > MAX_AMOUNT:
        raise PydanticCustomError("money_too_large", f"an amount of money is at most {MAX_AMOUNT}")
    if isinstance(value, str) and not _MONEY_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "money_format", 'write an amount of money as digits with at most two decimals, such as "1250.50"'
        )
    return amount


_MONEY_IN_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": _MONEY_TEXT.pattern},
        {"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT), "multipleOf": 0.01},
    ],
    "description": f"EUR, at most two decimals (cents), not negative, at most {MAX_AMOUNT}",
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

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Year 0 is no year (Python's dates start at 1), though RFC 3339 would write it: the schemas say so.
_NOT_YEAR_0 = "^(?!0000)"
_ISO_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": _NOT_YEAR_0 + _ISO_DATE.pattern[1:]}


def _iso_date(value: object) -> dt.date:
    # Only "YYYY-MM-DD" text: pydantic alone would also take numbers as Unix timestamps.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "a date is written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_invalid", "not a real date") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), WithJsonSchema(_ISO_DATE_SCHEMA)]
OptionalIsoDate = Annotated[
    dt.date | None,
    BeforeValidator(lambda v: None if v is None else _iso_date(v)),
    WithJsonSchema({"anyOf": [_ISO_DATE_SCHEMA, {"type": "null"}]}),
]

_PARTIAL_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


def _partial_date(value: object) -> str:
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
    str,
    BeforeValidator(_partial_date),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": 0},
                {"type": "string", "pattern": _NOT_YEAR_0 + "[0-9]{4}(-(0[1-9]|1[0-2]))?$"},
                _ISO_DATE_SCHEMA,
            ]
        }
    ),
]
