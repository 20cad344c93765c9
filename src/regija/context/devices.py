"""Devices as the FIWARE IoT Agent JSON knows them (docs/context.md, "Devices and MQTT"): the provisioning
bodies (service groups and devices of the IoT Agent library's provisioning API), the MQTT topics and the
measure payloads, mapped to NGSI-LD attributes. Pure functions: no database; the services write.

- Topics (IoT Agent JSON user manual, "MQTT binding"): ``/json/<apikey>/<deviceid>/attrs`` (several
  measures, a JSON object – or an array of them, a multimeasure) and
  ``/json/<apikey>/<deviceid>/attrs/<attr>`` (one measure, the value itself); the older form
  without the protocol, ``/<apikey>/<deviceid>/attrs…``,
  and the form without the leading slash are accepted too.
- ``TimeInstant`` in a measure is its observation time (``observedAt``); without it, the receive time.
- A measure's key is mapped by the device's (or its group's) attribute ``object_id`` → ``name`` and
  ``type``; keys not mapped are passed through under their own name (the agent's default,
  ``explicitAttrs`` false). ``unitCode`` comes from the mapping (``metadata.unitCode`` in FIWARE's form).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from . import entities as ent
from .errors import BadRequestData

TIME_INSTANT = "TimeInstant"
NUMBER_TYPES = {"Number", "Float", "Integer", "number", "float", "integer"}
TEXT_TYPES = {"Text", "String", "text", "string"}
BOOLEAN_TYPES = {"Boolean", "boolean", "Bool"}
RELATIONSHIP_TYPES = {"Relationship"}
GEO_TYPES = {"GeoProperty", "geo:json"}
DATE_TYPES = {"DateTime", "ISO8601"}


class BadMeasure(Exception):
    """A message that cannot be applied; its text is the dead letter's reason."""


@dataclass(frozen=True)
class Topic:
    apikey: str
    device_id: str
    attr: str | None  # a single measure's attribute (``…/attrs/<attr>``)


def parse_topic(topic: str) -> Topic:
    """``/json/<apikey>/<deviceid>/attrs[/<attr>]`` (or the older ``/<apikey>/<deviceid>/attrs[/<attr>]``)."""
    parts = topic.split("/")
    if parts and parts[0] == "":
        parts = parts[1:]
    if len(parts) >= 4 and parts[0] == "json" and parts[3] == "attrs":
        parts = parts[1:]
    if len(parts) == 3 and parts[2] == "attrs":
        attr = None
    elif len(parts) == 4 and parts[2] == "attrs" and parts[3]:
        attr = parts[3]
    else:
        raise BadMeasure(f"the topic {topic!r} is none of /json/<apikey>/<deviceid>/attrs[/<attr>]")
    if not parts[0] or not parts[1]:
        raise BadMeasure(f"the topic {topic!r} has an empty API key or device id")
    return Topic(parts[0], parts[1], attr)


# ------------------------------------------------------------------------------------------ provisioning


def text_field(
    data: dict[str, Any], key: str, where: str, *, required: bool = False, default: str = ""
) -> str:
    value = data.get(key, default)
    if value is None or value == "":
        if required:
            raise BadRequestData(f"{where}.{key}: required, a non-empty string")
        return default
    if not isinstance(value, str) or len(value) > 200:
        raise BadRequestData(f"{where}.{key}: a string of at most 200 characters, not {value!r}")
    return value


def _unit(attr: dict[str, Any], where: str) -> str:
    """The unit code: FIWARE's ``metadata.unitCode`` (``{"type": "Text", "value": "CEL"}``) or
    ``unitCode``."""
    unit = attr.get("unitCode", attr.get("unit_code"))
    metadata = attr.get("metadata")
    if unit is None and isinstance(metadata, dict) and "unitCode" in metadata:
        unit = metadata["unitCode"]
        unit = unit.get("value") if isinstance(unit, dict) else unit
    if unit is None:
        return ""
    if not isinstance(unit, str) or not unit:
        raise BadRequestData(f"{where}.metadata.unitCode: a unit code is a string (UN/CEFACT, e.g. CEL)")
    return unit


def mapping(value: Any, where: str) -> list[dict[str, str]]:
    """The ``attributes`` of a group or device: ``[{object_id, name, type, unit_code}]``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequestData(f"{where}: a list of attributes ({{object_id, name, type}})")
    out: list[dict[str, str]] = []
    for i, attr in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(attr, dict):
            raise BadRequestData(f"{here}: an attribute is an object with name and type")
        name = text_field(attr, "name", here, required=True)
        _check_name(name, f"{here}.name")
        out.append(
            {
                "object_id": text_field(attr, "object_id", here, default=name),
                "name": name,
                "type": text_field(attr, "type", here, default="Property"),
                "unit_code": _unit(attr, here),
            }
        )
    return out


def static_attributes(value: Any, where: str) -> list[dict[str, Any]]:
    """``static_attributes``: ``[{name, type, value}]``, written with every measure."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequestData(f"{where}: a list of attributes ({{name, type, value}})")
    out: list[dict[str, Any]] = []
    for i, attr in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(attr, dict) or "value" not in attr:
            raise BadRequestData(f"{here}: a static attribute is an object with name, type and value")
        name = text_field(attr, "name", here, required=True)
        _check_name(name, f"{here}.name")
        kind = text_field(attr, "type", here, default="Property")
        try:
            _convert(attr["value"], kind)
        except BadMeasure as exc:
            raise BadRequestData(f"{here}.value: {exc}") from None
        out.append({"name": name, "type": kind, "value": attr["value"], "unit_code": _unit(attr, here)})
    return out


def _check_name(name: str, where: str) -> None:
    if not ent.KEY_CHARS.match(name) or name in ent.RESERVED or name == TIME_INSTANT:
        raise BadRequestData(f"{where}: {name!r} is not a valid attribute name")


def entity_id_for(entity_type: str, device_id: str) -> str:
    """The entity of a device provisioned without ``entity_name``: ``urn:ngsi-ld:<type>:<device_id>``, as
    the IoT Agent names it in NGSI-LD mode."""
    return f"urn:ngsi-ld:{entity_type}:{device_id}"


def boolean(data: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise BadRequestData(f"{where}.{key}: true or false, not {value!r}")
    return value


# -------------------------------------------------------------------------------------------- measures


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise BadMeasure(f"{value!r} is no number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise BadMeasure(f"{value!r} is no number") from None
        if math.isfinite(number):
            return (
                int(number)
                if number.is_integer() and "." not in value and "e" not in value.lower()
                else number
            )
    raise BadMeasure(f"{value!r} is no number")


def _geo_point(value: Any) -> dict[str, Any]:
    """FIWARE's ``geo:point``: ``"lat, lon"`` → a GeoJSON Point (longitude first)."""
    try:
        lat, lon = (float(p) for p in str(value).split(","))
    except ValueError:
        raise BadMeasure(f'{value!r} is no geo:point ("latitude, longitude")') from None
    return {"type": "Point", "coordinates": [lon, lat]}


def _convert(value: Any, kind: str) -> tuple[str, Any]:
    """A measure's value by its mapped type → (NGSI-LD kind, value); BadMeasure when it does not fit."""
    if value is None:
        raise BadMeasure("a measure is null")
    if kind in NUMBER_TYPES:
        number = _number(value)
        if kind.lower() == "integer" and not isinstance(number, int):
            raise BadMeasure(f"{value!r} is no integer")
        return "Property", number
    if kind in BOOLEAN_TYPES:
        if isinstance(value, bool):
            return "Property", value
        if value in ("true", "false"):
            return "Property", value == "true"
        raise BadMeasure(f"{value!r} is no boolean")
    if kind in TEXT_TYPES:
        if isinstance(value, (dict, list)):
            raise BadMeasure(f"{value!r} is no text")
        return "Property", value if isinstance(value, str) else json.dumps(value)
    if kind in RELATIONSHIP_TYPES:
        if not ent.is_uri(value):
            raise BadMeasure(f"{value!r} is no URI (a Relationship's object)")
        return "Relationship", value
    if kind in GEO_TYPES or kind == "geo:point":
        geometry = _geo_point(value) if kind == "geo:point" else value
        try:
            ent.check_geometry(geometry, "value")
        except BadRequestData as exc:
            raise BadMeasure(exc.detail) from None
        return "GeoProperty", geometry
    if kind in DATE_TYPES:
        try:
            ent.parse_datetime(value, "value")
        except BadRequestData as exc:
            raise BadMeasure(exc.detail) from None
        return "Property", {"@type": "DateTime", "@value": value}
    return "Property", value


def _observed(value: Any) -> str:
    try:
        return ent.parse_datetime(value, TIME_INSTANT)
    except BadRequestData as exc:
        raise BadMeasure(exc.detail) from None


def measures(topic: Topic, payload: bytes) -> list[dict[str, Any]]:
    """The measures of one message: a list of ``{key: value}`` objects (a multimeasure has several)."""
    try:
        text = payload.decode("utf-8")
        data = json.loads(text, parse_constant=_no_constant)
    except UnicodeDecodeError:
        if topic.attr is None:
            raise BadMeasure("the payload is not UTF-8 JSON") from None
        data = None
        text = ""
    except (ValueError, RecursionError) as exc:
        if topic.attr is None:
            raise BadMeasure(f"the payload is not JSON: {exc}") from None
        data, text = None, ""
    if topic.attr is not None:
        if data is None and not text:  # no JSON: the bytes as a hex string (the user manual's attrHex)
            return [{topic.attr: payload.hex()}]
        if isinstance(data, list) and data and all(isinstance(m, dict) and "value" in m for m in data):
            # several timed values of one attribute: [{"timestamp": …, "value": …}, …]
            return [
                {topic.attr: m["value"], **({TIME_INSTANT: m["timestamp"]} if "timestamp" in m else {})}
                for m in data
            ]
        return [{topic.attr: data}]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and data and all(isinstance(m, dict) for m in data):
        return data
    raise BadMeasure("the payload must be a JSON object of measures (or an array of such objects)")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def attributes_of(
    measure: dict[str, Any],
    attrs_map: dict[str, dict[str, str]],
    statics: list[dict[str, Any]],
    received: str,
    *,
    timestamp: bool,
) -> dict[str, dict[str, Any]]:
    """One measure → the attributes to write, by their short names (NGSI-LD normalised form, not yet
    stamped): each mapped by ``object_id``, with ``observedAt`` and ``unitCode``. BadMeasure when a
    value does not fit its type – then nothing of the message is written."""
    observed = (
        _observed(measure[TIME_INSTANT]) if TIME_INSTANT in measure else (received if timestamp else None)
    )
    out: dict[str, dict[str, Any]] = {}
    for key, value in measure.items():
        if key == TIME_INSTANT:
            continue
        spec = attrs_map.get(key) or {"name": key, "type": "", "unit_code": ""}
        name = spec["name"]
        if not isinstance(key, str) or not ent.KEY_CHARS.match(name) or name in ent.RESERVED:
            raise BadMeasure(f"{key!r} is not a valid attribute name")
        try:
            kind, converted = _convert(value, spec["type"])
        except BadMeasure as exc:
            raise BadMeasure(f"{key}: {exc} (the mapped type is {spec['type'] or 'none'})") from None
        out[name] = _attribute(kind, converted, spec.get("unit_code", ""), observed)
    for static in statics:
        kind, converted = _convert(static["value"], static["type"])
        out.setdefault(static["name"], _attribute(kind, converted, static.get("unit_code", ""), None))
    for name, attr in out.items():
        try:
            ent.attribute(name, attr, {}, received, where=name)
        except BadRequestData as exc:
            raise BadMeasure(exc.detail) from None
    return out


def _attribute(kind: str, value: Any, unit: str, observed: str | None) -> dict[str, Any]:
    attr: dict[str, Any] = {"type": kind, ("object" if kind == "Relationship" else "value"): value}
    if observed:
        attr["observedAt"] = observed
    if unit:
        attr["unitCode"] = unit
    return attr
