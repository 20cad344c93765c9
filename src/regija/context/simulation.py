"""The bundled demo network of Velenje and its simulated measures (docs/context.md, "The demo network").

``data/demo/velenje.json`` describes a small, *simulated* network – four air-quality stations, three
parking sites with an accessible space each, ten street lights and three chargers – as IoT Agent JSON
service groups and devices (the attribute mappings and, as static attributes, each device's name,
position and a note that positions and values are illustrative). ``measures`` makes one round of
plausible measures for a moment: PM10 and NO2 follow the day's traffic (peaks in the morning and the
evening) with noise, parking sites fill during working hours, street lights are on at night and dimmed
after midnight, chargers are taken during the day. ``regija simulate`` publishes them over MQTT; the
loader (``services.load_demo_network``) writes one round as the entities' first state.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import random
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEMO_FILE = Path(__file__).parent / "data" / "demo" / "velenje.json"
LOCAL = ZoneInfo("Europe/Ljubljana")


@functools.cache
def network() -> dict[str, Any]:
    """The demo network's description (read once)."""
    data: dict[str, Any] = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return data


def _peak(hour: float, centre: float, width: float) -> float:
    """A bell around ``centre`` (hours), 1 at its top."""
    return math.exp(-(((hour - centre) / width) ** 2))


def _traffic(hour: float) -> float:
    """How busy the streets are, 0–1: the morning and the afternoon rush, quiet at night."""
    return min(1.0, 0.1 + 0.9 * _peak(hour, 7.5, 1.6) + 0.8 * _peak(hour, 16.0, 2.2))


def _dark(moment: dt.datetime) -> bool:
    """Night in Velenje: the sun below the horizon, by a simple curve of the year (sunset about 16:25 at
    midwinter and 20:55 at midsummer, sunrise 7:40 and 5:10)."""
    local = moment.astimezone(LOCAL)
    day = local.timetuple().tm_yday
    summer = (1 - math.cos(2 * math.pi * (day - 355) / 365.25)) / 2  # 0 at midwinter, 1 at midsummer
    hour = local.hour + local.minute / 60 - (1 if local.dst() else 0)  # in standard time (CET)
    sunrise = 7.67 - 3.5 * summer
    sunset = 16.4 + 3.5 * summer
    return hour < sunrise or hour >= sunset


def _winter(moment: dt.datetime) -> float:
    """0 in summer, 1 in midwinter: heating adds particles."""
    day = moment.astimezone(LOCAL).timetuple().tm_yday
    return (1 + math.cos(2 * math.pi * (day - 15) / 365.25)) / 2


def measures(group: dict[str, Any], device: dict[str, Any], moment: dt.datetime, rng: random.Random) -> dict:
    """One measure of a demo device (its keys the group's ``object_id``s), with ``TimeInstant``."""
    local = moment.astimezone(LOCAL)
    hour = local.hour + local.minute / 60
    weekend = local.weekday() >= 5
    stamp = moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    kind = group["kind"]
    out: dict[str, Any]
    if kind == "air":
        traffic = _traffic(hour) * (0.6 if weekend else 1.0)
        heating = _winter(moment) * (0.6 + 0.4 * _peak(hour, 20, 4))
        pm10 = max(2.0, 11 + 14 * traffic + 22 * heating + rng.gauss(0, 3))
        out = {
            "pm10": round(pm10, 1),
            "pm25": round(max(1.0, pm10 * rng.uniform(0.55, 0.75)), 1),
            "no2": round(max(1.0, 8 + 32 * traffic + rng.gauss(0, 3)), 1),
            "t": round(
                12 - 10 * _winter(moment) + 5 * math.sin((hour - 9) / 24 * 2 * math.pi) + rng.gauss(0, 0.5), 1
            ),
            "d": stamp,
        }
    elif kind == "parking":
        total = next(s["value"] for s in device["static_attributes"] if s["name"] == "totalSpotNumber")
        busy = 0.12 + (0.35 if weekend else 0.78) * _peak(hour, 12, 4.5)
        occupied = max(0, min(total, round(total * busy + rng.gauss(0, total * 0.04))))
        share = occupied / total
        status = "full" if occupied >= total else "almostFull" if share >= 0.9 else "spacesAvailable"
        out = {"free": total - occupied, "occ": occupied, "o": round(share, 2), "st": [status]}
    elif kind == "spot":
        busy = 0.1 + (0.3 if weekend else 0.6) * _peak(hour, 12, 4.5)
        out = {"st": "occupied" if rng.random() < busy else "free"}
    elif kind == "light":
        dark = _dark(moment)
        level = (0.5 if 0.5 <= hour < 5 else 1.0) if dark else 0.0  # dimmed in the small hours
        out = {
            "p": "on" if dark else "off",
            "l": level,
            "s": "defectiveLamp" if rng.random() < 0.02 else "ok",
        }
    elif kind == "charger":
        capacity = next(s["value"] for s in device["static_attributes"] if s["name"] == "capacity")
        busy = 0.15 + 0.6 * _peak(hour, 13, 5)
        taken = sum(rng.random() < busy for _ in range(capacity))
        broken = rng.random() < 0.03
        out = {
            "free": 0 if broken else capacity - taken,
            "s": "outOfService" if broken else "full" if taken == capacity else "working",
        }
    else:  # pragma: no cover - the bundled file names only the kinds above
        raise ValueError(f"unknown kind of demo device: {kind}")
    out["TimeInstant"] = stamp
    return out


def topic(group: dict[str, Any], device: dict[str, Any]) -> str:
    """The IoT Agent JSON measure topic of a demo device."""
    return f"/json/{group['apikey']}/{device['device_id']}/attrs"


def round_of(moment: dt.datetime, rng: random.Random) -> list[tuple[str, bytes]]:
    """One round of measures of every demo device: (topic, JSON payload)."""
    return [
        (topic(group, device), json.dumps(measures(group, device, moment, rng)).encode())
        for group in network()["groups"]
        for device in group["devices"]
    ]


DEMO_MARK = ":velenje-demo:"


def is_demo(entity_id: str) -> bool:
    """An entity of the bundled demo network (its ids are ``urn:ngsi-ld:<Type>:velenje-demo:<device>``)."""
    return DEMO_MARK in entity_id
