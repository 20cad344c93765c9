"""Opening hours in OpenStreetMap's ``opening_hours`` syntax (https://wiki.openstreetmap.org/wiki/Key:
opening_hours/specification), parsed and evaluated by ``opening-hours-py`` (the Python binding of the
Rust crate opening-hours, MIT/Apache-2.0): whether a place is open at a moment and when that changes, in
Slovenia's time zone and with its public holidays (``PH``)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass

import opening_hours
from django.conf import settings
from django.utils import timezone


class InvalidHours(ValueError):
    """Not the syntax; ``column``: where the parser stopped understanding it (from 1), when it says."""

    def __init__(self, column: int | None):
        super().__init__(
            f"not opening_hours syntax (from character {column})" if column else "not opening_hours syntax"
        )
        self.column = column


# the library raises its ParserError (not in its type stubs) for a malformed expression
_PARSE_ERRORS: tuple[type[Exception], ...] = (
    SyntaxError,
    ValueError,
    getattr(opening_hours, "ParserError", ValueError),
)


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> opening_hours.OpeningHours:
    """The parsed expression (kept: places share a few dozen); InvalidHours when it is not the syntax."""
    try:
        return opening_hours.OpeningHours(
            text,
            timezone=zoneinfo.ZoneInfo(settings.TIME_ZONE),
            country=settings.REGIJA_PLACES_COUNTRY,
            auto_country=False,
            auto_timezone=False,
            max_interval_days=366,
        )
    except _PARSE_ERRORS as exc:
        found = re.search(r"--> \d+:(\d+)", str(exc))
        raise InvalidHours(int(found.group(1)) if found else None) from None


def check(text: str) -> None:
    parse(text)


@dataclass(frozen=True)
class Status:
    open: bool | None  # None: unknown (the expression says so) or no hours given
    next_change: dt.datetime | None  # in the local time zone; None: never changes (24/7) or unknown


def status(text: str, at: dt.datetime | None = None) -> Status:
    if not text.strip():
        return Status(None, None)
    try:
        oh = parse(text)
    except InvalidHours:
        return Status(None, None)
    moment = timezone.localtime(at or timezone.now())
    if oh.is_unknown(moment):
        return Status(None, None)
    change = oh.next_change(moment)
    if change is not None:
        change = timezone.localtime(change) if timezone.is_aware(change) else change
    return Status(bool(oh.is_open(moment)), change)
