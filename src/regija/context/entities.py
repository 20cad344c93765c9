"""An entity as the request gives it → the stored document, and back (clause 4.5 and 5.2 of the spec).

The stored document (``ContextEntity.doc``) maps each attribute's expanded name to its one instance in
the normalised form: ``{"type": "Property", "value": …, "observedAt": …, "unitCode": …, "datasetId": …,
"createdAt": …, "modifiedAt": …, "<expanded sub-attribute>": {…}}`` (``object`` for a Relationship,
``languageMap`` for a LanguageProperty). Input is accepted normalised or concise; output is
normalised, concise or keyValues (``options``), with system attributes only on ``options=sysAttrs``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from .errors import BadRequestData, OperationNotSupported

KINDS = ("Property", "Relationship", "GeoProperty", "LanguageProperty")
META = ("observedAt", "unitCode", "datasetId")
SYSTEM = ("createdAt", "modifiedAt")
GEO_ATTRS = ("location", "observationSpace", "operationSpace")
GEOMETRIES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
# an absolute URI (RFC 3986: a scheme, a colon, something); an entity id must be one (clause 4.5.1)
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
RESERVED = {"id", "type", "@context", "scope", "createdAt", "modifiedAt", "deletedAt"}
KEY_CHARS = re.compile(r"^[^<>\"'=;()\s]+$")


def is_uri(value: Any) -> bool:
    return isinstance(value, str) and bool(URI.match(value))


def parse_datetime(value: Any, where: str) -> str:
    """An ISO 8601 date-time (clause 4.6.3), returned as given; refused with where it is otherwise."""
    if isinstance(value, str) and "T" in value:
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return value
        except ValueError:
            pass
    raise BadRequestData(f"{where}: {value!r} is not a date-time in ISO 8601 (e.g. 2024-05-01T10:00:00Z)")


# ------------------------------------------------------------------------------------------------ geometry


def _position(p: Any, where: str) -> None:
    ok = (
        isinstance(p, list)
        and len(p) in (2, 3)
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in p)
    )
    if not ok:
        raise BadRequestData(f"{where}: a position is a list of two or three numbers, not {p!r}")
    if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
        raise BadRequestData(f"{where}: {p!r} is not a longitude (-180…180) and latitude (-90…90)")


def _positions(ps: Any, where: str, minimum: int) -> None:
    if not isinstance(ps, list) or len(ps) < minimum:
        raise BadRequestData(f"{where}: at least {minimum} positions are needed")
    for p in ps:
        _position(p, where)


def _ring(ps: Any, where: str) -> None:
    _positions(ps, where, 4)
    if ps[0] != ps[-1]:
        raise BadRequestData(f"{where}: a polygon's ring must end where it starts")


def check_geometry(geometry: Any, where: str) -> None:
    """A GeoJSON geometry (RFC 7946) as a GeoProperty's value must be: refused saying what is wrong."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        raise BadRequestData(f"{where}: the value must be a GeoJSON geometry, one of {', '.join(GEOMETRIES)}")
    kind, coords = geometry["type"], geometry.get("coordinates")
    if kind == "Point":
        _position(coords, where)
    elif kind in ("MultiPoint",):
        _positions(coords, where, 1)
    elif kind == "LineString":
        _positions(coords, where, 2)
    elif kind == "MultiLineString":
        if not isinstance(coords, list) or not coords:
            raise BadRequestData(f"{where}: a MultiLineString needs a list of lines")
        for line in coords:
            _positions(line, where, 2)
    elif kind == "Polygon":
        if not isinstance(coords, list) or not coords:
            raise BadRequestData(f"{where}: a Polygon needs a list of rings")
        for ring in coords:
            _ring(ring, where)
    else:  # MultiPolygon
        if not isinstance(coords, list) or not coords:
            raise BadRequestData(f"{where}: a MultiPolygon needs a list of polygons")
        for polygon in coords:
            if not isinstance(polygon, list) or not polygon:
                raise BadRequestData(f"{where}: a MultiPolygon's polygon needs a list of rings")
            for ring in polygon:
                _ring(ring, where)


# ------------------------------------------------------------------------------------------------- input


def _is_geometry(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") in GEOMETRIES and "coordinates" in value


def _terms_of_attribute(value: Any, depth: int = 0) -> Iterable[str]:
    if isinstance(value, dict) and not _is_geometry(value) and depth <= MAX_DEPTH:
        for key, sub in value.items():
            if key not in ("type", "value", "object", "languageMap", *META, *SYSTEM):
                yield key
                yield from _terms_of_attribute(sub, depth + 1)


def terms(fragment: dict[str, Any]) -> list[str]:
    """Every attribute and sub-attribute name (and the type) in a fragment, to expand in one call."""
    found: list[str] = []
    kind = fragment.get("type")
    if isinstance(kind, str):
        found.append(kind)
    elif isinstance(kind, list):
        found.extend(t for t in kind if isinstance(t, str))
    for key, value in fragment.items():
        if key not in RESERVED:
            found.append(key)
            found.extend(_terms_of_attribute(value))
    return found


def _check_name(name: str, where: str) -> None:
    if not name or not KEY_CHARS.match(name):
        raise BadRequestData(f"{where}: {name!r} is not a valid attribute name")


MAX_DEPTH = 16


def attribute(name: str, value: Any, iris: dict[str, str], now: str, *, where: str) -> dict[str, Any]:
    """One attribute, normalised or concise, → its stored form (sub-attributes expanded)."""
    if where.count(".") >= MAX_DEPTH:
        raise BadRequestData(f"{where}: sub-attributes may be nested at most {MAX_DEPTH} deep")
    if isinstance(value, list):
        raise OperationNotSupported(
            f"{where}: several instances of one attribute (datasetId) are not supported yet; give one"
        )
    if isinstance(value, dict) and value.get("type") in KINDS:
        kind = value["type"]
    elif isinstance(value, dict) and "object" in value:
        kind = "Relationship"
    elif isinstance(value, dict) and "languageMap" in value:
        kind = "LanguageProperty"
    elif _is_geometry(value) or (isinstance(value, dict) and _is_geometry(value.get("value"))):
        kind = "GeoProperty"
    elif isinstance(value, dict) and "type" in value and value["type"] not in KINDS:
        raise BadRequestData(f"{where}: the type {value['type']!r} is none of {', '.join(KINDS)}")
    elif isinstance(value, dict) and "value" in value:
        kind = "Property"
    elif isinstance(value, dict):
        raise BadRequestData(f"{where}: an attribute needs a value (or an object, or a languageMap)")
    else:
        kind = "Property"
        value = {"value": value}
    if _is_geometry(value):
        value = {"value": value}
    stored: dict[str, Any] = {"type": kind}
    if kind in ("Property", "GeoProperty"):
        if "value" not in value or value["value"] is None:
            raise BadRequestData(f"{where}: a {kind} needs a value that is not null")
        if kind == "GeoProperty":
            check_geometry(value["value"], where)
        stored["value"] = value["value"]
    elif kind == "Relationship":
        target = value.get("object")
        if not is_uri(target):
            raise BadRequestData(f"{where}: a Relationship's object must be a URI, not {target!r}")
        stored["object"] = target
    else:
        language_map = value.get("languageMap")
        if not isinstance(language_map, dict) or not all(
            isinstance(k, str) and isinstance(v, (str, list)) for k, v in language_map.items()
        ):
            raise BadRequestData(f"{where}: a languageMap maps language tags to strings")
        stored["languageMap"] = language_map
    if name in GEO_ATTRS and kind != "GeoProperty":
        raise BadRequestData(f"{where}: {name} must be a GeoProperty")
    if "observedAt" in value:
        stored["observedAt"] = parse_datetime(value["observedAt"], f"{where}.observedAt")
    if "unitCode" in value:
        if not isinstance(value["unitCode"], str) or not value["unitCode"]:
            raise BadRequestData(f"{where}.unitCode: a unit code is a string (UN/CEFACT, e.g. CEL)")
        stored["unitCode"] = value["unitCode"]
    if "datasetId" in value:
        if not is_uri(value["datasetId"]):
            raise BadRequestData(f"{where}.datasetId: a datasetId must be a URI")
        stored["datasetId"] = value["datasetId"]
    stored["createdAt"] = stored["modifiedAt"] = now
    for key, sub in value.items():
        if key in ("type", "value", "object", "languageMap", *META, *SYSTEM):
            continue
        _check_name(key, f"{where}.{key}")
        stored[iris[key]] = attribute(key, sub, iris, now, where=f"{where}.{key}")
    return stored


def attributes(fragment: dict[str, Any], iris: dict[str, str], now: str) -> dict[str, dict[str, Any]]:
    """Every attribute of a fragment (an entity or the attributes to append or update)."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in fragment.items():
        if key in RESERVED:
            continue
        _check_name(key, key)
        out[iris[key]] = attribute(key, value, iris, now, where=key)
    return out


def entity_type(fragment: dict[str, Any], iris: dict[str, str]) -> str:
    kind = fragment.get("type")
    if isinstance(kind, list) and len(kind) == 1:
        kind = kind[0]
    if isinstance(kind, list):
        raise OperationNotSupported("type: an entity of several types is not supported yet; give one")
    if not isinstance(kind, str) or not kind:
        raise BadRequestData("type: an entity needs a type (a string)")
    _check_name(kind, "type")
    if kind in RESERVED or kind.startswith("@"):  # "type" is JSON-LD's @type: no name of a type
        raise BadRequestData(
            f"type: {kind!r} is a member of an entity (or a JSON-LD keyword), not a type name"
        )
    return iris[kind]


def entity_id(fragment: dict[str, Any]) -> str:
    value = fragment.get("id")
    if not is_uri(value):
        raise BadRequestData(
            f"id: an entity's id must be a URI (e.g. urn:ngsi-ld:Vehicle:A4567), not {value!r}"
        )
    value = str(value)
    if len(value) > 512:
        raise BadRequestData("id: an entity's id may be at most 512 characters long")
    return value


# ------------------------------------------------------------------------------------------------ output


def iris_of(doc: dict[str, Any]) -> list[str]:
    """Every expanded name in a stored document – attributes and sub-attributes – to compact in one call."""
    found: list[str] = []
    for key, value in doc.items():
        found.append(key)
        found.extend(iris_of(_subattributes(value)))
    return found


def _subattributes(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in stored.items()
        if k not in ("type", "value", "object", "languageMap", *META, *SYSTEM) and isinstance(v, dict)
    }


def _render_attribute(stored: dict[str, Any], terms: dict[str, str], form: str, sys_attrs: bool) -> Any:
    kind = stored["type"]
    main = {"Property": "value", "GeoProperty": "value", "Relationship": "object"}.get(kind, "languageMap")
    if form == "keyValues":
        return stored[main]
    out: dict[str, Any] = {} if form == "concise" else {"type": kind}
    out[main] = stored[main]
    for key, value in stored.items():
        if key in ("type", main):
            continue
        if key in SYSTEM:
            if sys_attrs:
                out[key] = value
        elif key in META:
            out[key] = value
        elif isinstance(value, dict):
            out[terms.get(key, key)] = _render_attribute(value, terms, form, sys_attrs)
    if form == "concise" and list(out) == ["value"] and not isinstance(out["value"], dict):
        return out["value"]  # a bare value: the concise form of a Property with nothing more
    if form == "concise" and list(out) == ["value"] and kind == "GeoProperty":
        return out["value"]
    return out


def render_attribute(stored: dict[str, Any], terms: dict[str, str], *, sys_attrs: bool = False) -> Any:
    """One stored attribute (or attribute instance) in the normalised form, names compacted by ``terms``."""
    return _render_attribute(stored, terms, "normalized", sys_attrs)


def render(
    entity_id: str,
    type_iri: str,
    doc: dict[str, Any],
    terms: dict[str, str],
    *,
    form: str = "normalized",
    sys_attrs: bool = False,
    attrs: set[str] | None = None,
    created_at: str = "",
    modified_at: str = "",
) -> dict[str, Any]:
    """A stored entity in the requested form, names compacted by ``terms`` (IRI → term)."""
    out: dict[str, Any] = {"id": entity_id, "type": terms.get(type_iri, type_iri)}
    if sys_attrs and form != "keyValues":
        out["createdAt"], out["modifiedAt"] = created_at, modified_at
    for iri, stored in doc.items():
        if attrs is not None and iri not in attrs:
            continue
        out[terms.get(iri, iri)] = _render_attribute(stored, terms, form, sys_attrs)
    return out
