"""The broker's history: attribute instances as rows, the temporal query's parameters, and the temporal
representations of an entity (ETSI GS CIM 009 V1.6.1 clauses 4.5.7, 4.5.8, 4.5.19, 5.2.21;
docs/context.md "Temporal API"). Pure functions: the rows are written by ``services`` and read by
``selectors``."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import BadRequestData, OperationNotSupported
from .models import AttributeInstance

TIMERELS = ("before", "after", "between")
TIMEPROPERTIES = {"observedAt": "observed_at", "createdAt": "created_at", "modifiedAt": "modified_at"}
# clause 4.5.19 (V1.6.1): the aggregation methods a Context Consumer may ask for
AGGREGATES = ("totalCount", "distinctCount", "sum", "avg", "min", "max", "stddev", "sumsq")


_RANDOM: list[bytes] = []  # 16 random bytes each, drawn from the OS 256 at a time
os.register_at_fork(after_in_child=_RANDOM.clear)  # a forked worker never repeats its parent's ids


def instance_id() -> str:
    """A new ``urn:ngsi-ld:<uuid>``, a version 7 UUID (RFC 9562, 5.7): the Unix time in milliseconds,
    then 74 random bits – so the history's unique index on the id takes new rows at its end instead of at
    random places all over it. The ingest makes one per measured attribute: one read of the OS's random
    source per 256 ids, not one each (each read lets the worker's MQTT thread take the GIL)."""
    try:
        random = _RANDOM.pop()
    except IndexError:
        block = os.urandom(16 * 256)
        _RANDOM.extend(block[i : i + 16] for i in range(16, len(block), 16))
        random = block[:16]
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(random[6:], "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # the version, 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # the variant, RFC 9562
    return f"urn:ngsi-ld:{uuid.UUID(int=value)}"


def moment(text: str) -> dt.datetime:
    """A stored ISO 8601 date-time as an aware datetime (UTC when it gives no offset)."""
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def number(value: Any) -> float | None:
    """A value as the number aggregations compute on: ints and floats (not booleans), finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


Row = tuple[Any, ...]  # an instance's columns in ``COLUMNS``' order, as Python values

COLUMNS = (
    "organisation_id",
    "entity_id",
    "entity_type",
    "attribute",
    "instance_id",
    "observed_at",
    "created_at",
    "modified_at",
    "value",
    "doc",
)


def values(
    organisation_id: int | None,
    entity_id: str,
    entity_type: str,
    attrs: dict[str, dict[str, Any]],
    parsed: dict[str, dt.datetime] | None = None,
) -> list[Row]:
    """One history row per attribute written (stored form, with createdAt/modifiedAt) as plain values in
    ``COLUMNS``' order – what ``rows`` makes model objects of, and the ingest writes as they are.
    ``parsed``: a cache of date-times already parsed (a batch writes the same stamps again and again)."""
    cache = parsed if parsed is not None else {}
    out = []
    for iri, stored in attrs.items():
        ident = instance_id()
        text = stored["modifiedAt"]
        modified = cache.get(text)
        if modified is None:
            modified = cache[text] = moment(text)
        observed_text = stored.get("observedAt")
        observed = modified
        if observed_text:
            observed = cache.get(observed_text)
            if observed is None:
                observed = cache[observed_text] = moment(observed_text)
        out.append(
            (
                organisation_id,
                entity_id,
                entity_type,
                iri,
                ident,
                observed,
                modified,
                modified,
                number(stored.get("value")),
                {**stored, "createdAt": text, "instanceId": ident},
            )
        )
    return out


def rows(
    organisation_id: int | None,
    entity_id: str,
    entity_type: str,
    attrs: dict[str, dict[str, Any]],
    parsed: dict[str, dt.datetime] | None = None,
) -> list[AttributeInstance]:
    """One history row per attribute written (stored form, with createdAt/modifiedAt). ``parsed``: a
    cache of date-times already parsed (a batch writes the same stamps again and again)."""
    return [
        AttributeInstance(**dict(zip(COLUMNS, row, strict=True)))
        for row in values(organisation_id, entity_id, entity_type, attrs, parsed)
    ]


# ------------------------------------------------------------------------------------ temporal query


@dataclass(frozen=True)
class TemporalQuery:
    """A temporal query (clause 5.2.21): which instances, by which of their date-times."""

    timerel: str | None = None
    time_at: dt.datetime | None = None
    end_time_at: dt.datetime | None = None
    timeproperty: str = "observedAt"
    last_n: int | None = None

    @property
    def column(self) -> str:
        return TIMEPROPERTIES[self.timeproperty]


def _datetime(value: Any, name: str) -> dt.datetime:
    if isinstance(value, str) and "T" in value:
        try:
            return moment(value)
        except ValueError:
            pass
    raise BadRequestData(f"{name}: {value!r} is not a date-time in ISO 8601 (e.g. 2024-05-01T10:00:00Z)")


def parse_query(
    timerel: Any, time_at: Any, end_time_at: Any, timeproperty: Any, last_n: Any, *, prefix: str = ""
) -> TemporalQuery:
    """The temporal query's parameters (clause 6.18.3.2, or a TemporalQuery's members with ``prefix``
    ``temporalQ.``), checked: a timerel needs a timeAt, between an endTimeAt after it."""
    if timerel is None and time_at is None and end_time_at is None:
        start = end = None
    else:
        if timerel not in TIMERELS:
            raise BadRequestData(f"{prefix}timerel: one of before, after, between – not {timerel!r}")
        if time_at is None:
            raise BadRequestData(f"{prefix}timeAt: a temporal query with timerel needs a timeAt")
        start = _datetime(time_at, f"{prefix}timeAt")
        end = None
        if timerel == "between":
            if end_time_at is None:
                raise BadRequestData(f"{prefix}endTimeAt: timerel=between needs an endTimeAt")
            end = _datetime(end_time_at, f"{prefix}endTimeAt")
            if end <= start:
                raise BadRequestData(f"{prefix}endTimeAt: must be later than timeAt")
        elif end_time_at is not None:
            raise BadRequestData(f"{prefix}endTimeAt: only timerel=between takes an endTimeAt")
    prop = timeproperty or "observedAt"
    if prop not in TIMEPROPERTIES:
        raise BadRequestData(f"{prefix}timeproperty: one of observedAt, createdAt, modifiedAt – not {prop!r}")
    n = None
    if last_n is not None and last_n != "":
        text = str(last_n)
        if not text.isdigit() or int(text) < 1:
            raise BadRequestData(f"{prefix}lastN: a whole number at least 1, not {last_n!r}")
        n = int(text)
    return TemporalQuery(timerel if start else None, start, end, prop, n)


DURATION = re.compile(
    r"^P(?:(?P<Y>\d+)Y)?(?:(?P<Mo>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<H>\d+)H)?(?:(?P<Mi>\d+)M)?(?:(?P<S>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: Any, name: str = "aggrPeriodDuration") -> float:
    """An ISO 8601 duration (P[n]W, P[n]DT[n]H[n]M[n]S) in seconds; 0 (PT0S, P0D) is the whole time
    range (clause 4.5.19). Years and months have no fixed length: not supported."""
    found = DURATION.match(text) if isinstance(text, str) and text not in ("P", "PT") else None
    if found is None:
        raise BadRequestData(f"{name}: {text!r} is not an ISO 8601 duration (e.g. P1D, PT1H, PT15M)")
    parts = {k: float(v) for k, v in found.groupdict().items() if v is not None}
    if parts.get("Y") or parts.get("Mo"):
        raise OperationNotSupported(
            f"{name}: years and months have no fixed length; give weeks, days, hours, minutes or seconds"
        )
    return (
        parts.get("W", 0) * 604800
        + parts.get("D", 0) * 86400
        + parts.get("H", 0) * 3600
        + parts.get("Mi", 0) * 60
        + parts.get("S", 0)
    )


def parse_methods(text: Any, name: str = "aggrMethods") -> list[str]:
    methods = [m.strip() for m in text.split(",") if m.strip()] if isinstance(text, str) else text
    if not isinstance(methods, list) or not methods:
        raise BadRequestData(f"{name}: one or more of {', '.join(AGGREGATES)}")
    for method in methods:
        if method not in AGGREGATES:
            raise BadRequestData(f"{name}: {method!r} is none of {', '.join(AGGREGATES)}")
    return list(dict.fromkeys(methods))


@dataclass(frozen=True)
class Period:
    """The aggregates of one attribute of one entity over one period [start, end)."""

    entity_id: str
    attribute: str
    start: dt.datetime
    end: dt.datetime
    values: dict[str, Any]


def stddev(count: int, total: float | None, squares: float | None) -> float | None:
    """The sample standard deviation from the count, sum and sum of squares SQL gave (n − 1; one value:
    0)."""
    if not count or total is None or squares is None:
        return None
    if count == 1:
        return 0.0
    return math.sqrt(max(0.0, (squares - total * total / count) / (count - 1)))


# -------------------------------------------------------------------------------------------- output


def stamp(moment: dt.datetime) -> str:
    """A date-time of the temporal representation in UTC: whole seconds as ``2020-08-01T12:03:00Z``, a
    fraction only when there is one (milliseconds, or microseconds when finer) – the form the spec's
    examples use for the times of temporalValues and of aggregation periods."""
    fraction = moment.microsecond
    spec = "seconds" if not fraction else "milliseconds" if fraction % 1000 == 0 else "microseconds"
    return moment.astimezone(dt.UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def iris_of(rows: Iterable[AttributeInstance]) -> list[str]:
    from .entities import iris_of as names

    found: list[str] = []
    for row in rows:
        found.append(row.attribute)
        found.extend(names({k: v for k, v in row.doc.items() if isinstance(v, dict) and "type" in v}))
    return found


MAIN = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
}
SIMPLIFIED = {"value": "values", "object": "objects", "languageMap": "languageMaps"}
