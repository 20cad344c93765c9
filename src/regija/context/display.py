"""How the city-data pages show an entity to residents (docs/portal.md, "City data"): its name, its
attributes by a label in the page's language with their values and units, when each was observed, and
its position. Pure functions of a stored entity's document (``ContextEntity.doc``, attribute names
expanded to IRIs): no queries.

Labels are given for the attributes of the well-known Smart Data Models (``datamodels.MODELS``); other
attributes are named by their term. Units are the UN/CEFACT codes NGSI-LD's ``unitCode`` holds, written
as their symbols; a relative value (0–1) of an attribute the models define as one is written in per cent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from regija.core.templatetags.regija import num

from . import datamodels

# The types of the bundled models, as residents call them
TYPE_LABELS = {
    "AirQualityObserved": _("Air quality"),
    "WeatherObserved": _("Weather"),
    "ParkingSpot": _("Parking spaces"),
    "OffStreetParking": _("Car parks"),
    "Streetlight": _("Street lights"),
    "EVChargingStation": _("Charging stations for electric vehicles"),
    "WasteContainer": _("Waste containers"),
    "PointOfInterest": _("Points of interest"),
    "WifiPointOfInterest": _("Wi-Fi access points"),
    "service_requests": _("Service requests"),
}

ATTRIBUTE_LABELS = {
    "pm10": _("Particles PM10"),
    "pm25": _("Particles PM2.5"),
    "pm1": _("Particles PM1"),
    "no2": _("Nitrogen dioxide (NO₂)"),
    "no": _("Nitrogen monoxide (NO)"),
    "nox": _("Nitrogen oxides (NOx)"),
    "o3": _("Ozone (O₃)"),
    "co": _("Carbon monoxide (CO)"),
    "co2": _("Carbon dioxide (CO₂)"),
    "so2": _("Sulphur dioxide (SO₂)"),
    "airQualityIndex": _("Air quality index"),
    "airQualityLevel": _("Air quality level"),
    "temperature": _("Temperature"),
    "relativeHumidity": _("Relative humidity"),
    "atmosphericPressure": _("Air pressure"),
    "windSpeed": _("Wind speed"),
    "windDirection": _("Wind direction"),
    "precipitation": _("Precipitation"),
    "dateObserved": _("Observed"),
    "availableSpotNumber": _("Free spaces"),
    "occupiedSpotNumber": _("Occupied spaces"),
    "totalSpotNumber": _("All spaces"),
    "occupancy": _("Occupancy"),
    "allowedVehicleType": _("Vehicles"),
    "category": _("Category"),
    "refParkingSite": _("Car park"),
    "status": _("State"),
    "powerState": _("Light"),
    "illuminanceLevel": _("Light level"),
    "lanternHeight": _("Lantern height"),
    "capacity": _("Charging points"),
    "availableCapacity": _("Free charging points"),
    "socketType": _("Sockets"),
    "fillingLevel": _("Filling level"),
    "name": _("Name"),
    "description": _("Description"),
    "address": _("Address"),
    "location": _("Position"),
}

# The attributes the map and the table show of each type (others: the first few the entities have)
KEY_ATTRIBUTES = {
    "AirQualityObserved": ["pm10", "pm25", "no2", "temperature"],
    "WeatherObserved": ["temperature", "relativeHumidity", "windSpeed", "precipitation"],
    "OffStreetParking": ["availableSpotNumber", "totalSpotNumber", "occupancy"],
    "ParkingSpot": ["status"],
    "Streetlight": ["powerState", "illuminanceLevel", "status"],
    "EVChargingStation": ["availableCapacity", "capacity", "status"],
    "WasteContainer": ["fillingLevel", "status"],
}
OTHER_COLUMNS = 4

# Values of the models' enumerations a resident reads
VALUE_LABELS = {
    "on": _("on"),
    "off": _("off"),
    "low": _("dimmed"),
    "bootingUp": _("switching on"),
    "ok": _("in order"),
    "defectiveLamp": _("lamp defective"),
    "brokenLantern": _("lantern broken"),
    "columnIssue": _("column damaged"),
    "free": _("free"),
    "occupied": _("occupied"),
    "closed": _("closed"),
    "unknown": _("unknown"),
    "spacesAvailable": _("spaces available"),
    "almostFull": _("almost full"),
    "full": _("full"),
    "open": _("open"),
    "working": _("working"),
    "outOfService": _("out of service"),
    "withIncidence": _("with a fault"),
    "car": _("cars"),
    "offStreet": _("off-street"),
    "onStreet": _("on-street"),
}

# UN/CEFACT common codes (NGSI-LD unitCode) → symbols
UNITS = {
    "GQ": "µg/m³",
    "GP": "mg/m³",
    "59": "ppm",
    "61": "ppb",
    "CEL": "°C",
    "P1": "%",
    "A97": "hPa",
    "MTR": "m",
    "MTS": "m/s",
    "KMH": "km/h",
    "DD": "°",
    "MMT": "mm",
    "KWT": "kW",
    "KWH": "kWh",
    "LUX": "lx",
}
FRACTIONS = {"occupancy", "illuminanceLevel", "fillingLevel"}  # 0–1 in the models: shown in per cent
SKIPPED = {"location", "name", "description"}  # shown apart on the entity page


def short(iri: str) -> str:
    """An expanded name as the term the pages use (its last segment for an IRI of no known namespace)."""
    term = datamodels.term(iri)
    return re.split(r"[/#]", term.rstrip("/#"))[-1] or term


def type_label(key: str) -> str:
    return str(TYPE_LABELS.get(key, key))


def attribute_label(term: str) -> str:
    return str(ATTRIBUTE_LABELS.get(term, term))


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and "@value" in value:
        return value["@value"]
    return value


def moment(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def when(value: dt.datetime | None) -> str:
    """A moment as the pages write it, in the site's time zone ("7. 12. 2026 ob 14:25")."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


def value_text(term: str, attr: dict[str, Any]) -> str:
    """An attribute's value with its unit, as a resident reads it."""
    if attr.get("type") == "Relationship":
        return str(attr.get("object", ""))
    value = _plain(attr.get("value"))
    if attr.get("type") == "GeoProperty" and isinstance(value, dict):
        point = position({"location": attr})
        return f"{point[0]:.5f}, {point[1]:.5f}" if point else str(value.get("type", ""))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, (int, float)):
        if term in FRACTIONS and 0 <= value <= 1:
            return f"{num(Decimal(str(round(value * 100, 1))))} %"
        unit = UNITS.get(str(attr.get("unitCode", "")), str(attr.get("unitCode", "")))
        return f"{num(Decimal(str(value)))} {unit}".strip()
    if isinstance(value, list):
        return ", ".join(str(VALUE_LABELS.get(v, v)) if isinstance(v, str) else str(v) for v in value)
    if isinstance(value, str):
        parsed = moment(value) if term.startswith("date") else None
        return when(parsed) if parsed else str(VALUE_LABELS.get(value, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items() if not isinstance(v, (dict, list)))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Shown:
    """One attribute as the entity page shows it."""

    term: str
    label: str
    value: str
    observed: str


def attributes(doc: dict[str, Any]) -> list[Shown]:
    """Every attribute of the entity except its name, description and position, by label."""
    shown = []
    for iri, attr in doc.items():
        term = short(iri)
        if term in SKIPPED or not isinstance(attr, dict):
            continue
        shown.append(
            Shown(term, attribute_label(term), value_text(term, attr), when(moment(attr.get("observedAt"))))
        )
    return sorted(shown, key=lambda s: s.label.lower())


def _by_term(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {short(iri): attr for iri, attr in doc.items() if isinstance(attr, dict)}


def name(entity_id: str, doc: dict[str, Any]) -> str:
    value = _plain(_by_term(doc).get("name", {}).get("value"))
    return value if isinstance(value, str) and value else entity_id


def description(doc: dict[str, Any]) -> str:
    value = _plain(_by_term(doc).get("description", {}).get("value"))
    return value if isinstance(value, str) else ""


def position(doc: dict[str, Any]) -> tuple[float, float] | None:
    """(latitude, longitude) of the entity's ``location``: a Point, or the first position of another
    geometry."""
    location = _by_term(doc).get("location", {}).get("value")
    coords: Any = location.get("coordinates") if isinstance(location, dict) else None
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2]):
        return float(coords[1]), float(coords[0])
    return None


def latest(doc: dict[str, Any]) -> dt.datetime | None:
    """The latest ``observedAt`` of the entity's attributes."""
    moments = [m for m in (moment(a.get("observedAt")) for a in _by_term(doc).values()) if m]
    return max(moments) if moments else None


def columns(key: str, docs: list[dict[str, Any]]) -> list[str]:
    """The terms of the attributes a type's map and table show: the model's key attributes, or the first
    few the page's entities have (in name order)."""
    if key in KEY_ATTRIBUTES:
        return KEY_ATTRIBUTES[key]
    found = sorted({t for doc in docs for t in _by_term(doc)} - SKIPPED)
    return found[:OTHER_COLUMNS]


def cells(doc: dict[str, Any], terms: list[str]) -> list[str]:
    """The entity's values of these attributes, as text ("" for one it lacks)."""
    by_term = _by_term(doc)
    return [value_text(t, by_term[t]) if t in by_term else "" for t in terms]
