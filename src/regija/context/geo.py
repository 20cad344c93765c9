"""Geo-queries (ETSI GS CIM 009 V1.6.1 clause 4.10; the GeoQuery of clause 5.2.13) and the bounding boxes
that make them fast (docs/context.md, "Geo-queries").

A geo-query is answered in two steps: SQL keeps the entities whose GeoProperty's bounding box (one row
per entity and GeoProperty in ``ContextGeoBox``, kept by the services on every write) can match – for
``near;maxDistance`` the box of the circle, computed with the latitude – and shapely decides exactly here.

Distances (``near``) are on the sphere (WGS84 coordinates, mean Earth radius): between two points the
haversine formula; with a line or a polygon, a local azimuthal-equidistant-like plane around the
reference geometry (metres east and north), exact enough for the distances a city asks about. The other
relations are planar on longitude/latitude, as GeoJSON (RFC 7946 §3.1.1) and most brokers have them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy
import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.validation import explain_validity

from . import entities as ent
from .errors import BadRequestData

EARTH_RADIUS = 6_371_008.8  # metres, the mean radius (IUGG)
RELATIONS = ("near", "within", "contains", "intersects", "disjoint", "equals", "overlaps")
# A box taller than this (degrees of latitude) is "big": the prefilter looks at big boxes apart, so the
# index on the small ones' lower latitude can be scanned over a narrow band (see box_filter).
SMALL_SPAN = 0.05


@dataclass(frozen=True)
class Box:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class GeoQuery:
    georel: str  # one of RELATIONS
    geometry: dict[str, Any]  # a GeoJSON geometry, checked
    geoproperty: str  # the term, expanded by the caller
    max_distance: float | None = None
    min_distance: float | None = None

    @cached_property
    def shape(self) -> Any:
        return shape(self.geometry)

    def prefilter(self) -> Box | None:
        """The box an entity's GeoProperty's box must overlap to possibly match; None: no prefilter
        (``disjoint`` and ``near;minDistance`` can match anything)."""
        if self.georel == "disjoint" or self.min_distance is not None:
            return None
        box = box_of(self.geometry)
        if self.max_distance is None:
            return box
        return widen(box, self.max_distance)

    def matches(self, geometry: Any) -> bool:
        """Whether a stored GeoJSON geometry stands in this relation to the query's geometry."""
        try:
            if self.georel == "near":
                distance = distance_m(self.geometry, self.shape, geometry)
                if self.max_distance is not None:
                    return distance <= self.max_distance
                return distance >= (self.min_distance or 0)
            mine, other = self.shape, shape(geometry)
            if self.georel == "within":  # the entity's geometry within the query's
                return bool(other.within(mine))
            if self.georel == "contains":
                return bool(other.contains(mine))
            if self.georel == "intersects":
                return bool(other.intersects(mine))
            if self.georel == "disjoint":
                return bool(other.disjoint(mine))
            if self.georel == "equals":
                return bool(other.equals(mine))
            return bool(other.overlaps(mine))
        except (GEOSException, ValueError, TypeError):
            return False  # a stored geometry GEOS cannot handle (a self-crossing ring) matches nothing


# --------------------------------------------------------------------------------------------- parsing


def _number(raw: str, where: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise BadRequestData(f"{where}: a distance in metres, a number at least 0, not {raw!r}")
    return value


def parse(
    georel: str | None, geometry: str | None, coordinates: Any, geoproperty: str | None, *, prefix: str = ""
) -> GeoQuery:
    """A geo-query from its four parts (query string or a GeoQuery body); refused saying which part is
    wrong and how. ``coordinates`` is the JSON text of the query string or the body's array."""
    for name, value in (("georel", georel), ("geometry", geometry), ("coordinates", coordinates)):
        if value is None or value == "":
            raise BadRequestData(f"{prefix}{name}: a geo-query needs georel, geometry and coordinates")
    assert georel is not None and geometry is not None  # noqa: S101 – checked just above
    parts = georel.split(";")
    relation = parts[0]
    if relation not in RELATIONS:
        raise BadRequestData(
            f"{prefix}georel: {relation!r} is no geo-relationship; "
            f"one of {', '.join(RELATIONS)} (clause 4.10)"
        )
    max_distance = min_distance = None
    if relation == "near":
        if len(parts) != 2 or "==" not in parts[1]:
            raise BadRequestData(
                f"{prefix}georel: near needs a distance, "
                "near;maxDistance==<metres> or near;minDistance==<metres>"
            )
        modifier, _, raw = parts[1].partition("==")
        if modifier == "maxDistance":
            max_distance = _number(raw, f"{prefix}georel")
        elif modifier == "minDistance":
            min_distance = _number(raw, f"{prefix}georel")
        else:
            raise BadRequestData(f"{prefix}georel: {modifier!r} is neither maxDistance nor minDistance")
    elif len(parts) > 1:
        raise BadRequestData(f"{prefix}georel: {relation} takes no modifier, not {';'.join(parts[1:])!r}")
    if geometry not in ent.GEOMETRIES:
        raise BadRequestData(f"{prefix}geometry: {geometry!r} is none of {', '.join(ent.GEOMETRIES)}")
    if isinstance(coordinates, str):
        try:
            coordinates = json.loads(coordinates)
        except ValueError:
            raise BadRequestData(
                f"{prefix}coordinates: a JSON array as GeoJSON's coordinates (e.g. [15.11,46.36]), "
                f"not {coordinates!r}"
            ) from None
    value = {"type": geometry, "coordinates": coordinates}
    ent.check_geometry(value, f"{prefix}coordinates")
    try:
        valid = shape(value).is_valid
        reason = "" if valid else explain_validity(shape(value))
    except (GEOSException, ValueError, TypeError) as exc:
        valid, reason = False, str(exc)
    if not valid:
        raise BadRequestData(f"{prefix}coordinates: not a valid {geometry}: {reason}")
    return GeoQuery(
        georel=relation,
        geometry=value,
        geoproperty=geoproperty or "location",
        max_distance=max_distance,
        min_distance=min_distance,
    )


# ---------------------------------------------------------------------------------------------- boxes


def _flatten(coords: Any) -> list[tuple[float, float]]:
    if coords and isinstance(coords[0], (int, float)):
        return [(float(coords[0]), float(coords[1]))]
    return [p for c in coords for p in _flatten(c)]


def box_of(geometry: dict[str, Any]) -> Box:
    points = _flatten(geometry["coordinates"])
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return Box(min(lons), min(lats), max(lons), max(lats))


def widen(box: Box, metres: float) -> Box:
    """The box grown by ``metres`` on every side, on the sphere: a degree of latitude is the same length
    everywhere, a degree of longitude shrinks with cos(latitude), so the longitude is widened for the
    latitude nearest a pole the widened box reaches. Across a pole or the antimeridian: every longitude."""
    dlat = math.degrees(metres / EARTH_RADIUS)
    min_lat, max_lat = box.min_lat - dlat, box.max_lat + dlat
    if min_lat <= -90 or max_lat >= 90:
        return Box(-180.0, max(min_lat, -90.0), 180.0, min(max_lat, 90.0))
    cos = math.cos(math.radians(max(abs(min_lat), abs(max_lat))))
    dlon = math.degrees(metres / (EARTH_RADIUS * cos))
    min_lon, max_lon = box.min_lon - dlon, box.max_lon + dlon
    if min_lon < -180 or max_lon > 180:
        min_lon, max_lon = -180.0, 180.0
    return Box(min_lon, min_lat, max_lon, max_lat)


def boxes(doc: dict[str, Any]) -> dict[str, tuple[Box, dict[str, Any]]]:
    """The bounding box and geometry of every GeoProperty (top-level attribute) of a stored document."""
    out = {}
    for iri, attr in doc.items():
        if (
            isinstance(attr, dict)
            and attr.get("type") == "GeoProperty"
            and isinstance(attr.get("value"), dict)
        ):
            try:
                out[iri] = (box_of(attr["value"]), attr["value"])
            except (KeyError, IndexError, TypeError, ValueError):
                continue
    return out


# --------------------------------------------------------------------------------------------- distance


def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance in metres between two WGS84 positions."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(a)))


def _local(geom: Any, lon0: float, lat0: float) -> Any:
    """The geometry in metres east and north of (lon0, lat0)."""
    k = math.pi / 180 * EARTH_RADIUS
    cos0 = math.cos(math.radians(lat0))
    return shapely.transform(
        geom, lambda xy: numpy.column_stack(((xy[:, 0] - lon0) * k * cos0, (xy[:, 1] - lat0) * k))
    )


def distance_m(reference: dict[str, Any], ref_shape: Any, geometry: Any) -> float:
    """The distance in metres between two geometries: haversine for two points, else planar in metres
    on a plane tangent at the reference geometry's centre."""
    if reference["type"] == "Point" and isinstance(geometry, dict) and geometry.get("type") == "Point":
        a, b = reference["coordinates"], geometry["coordinates"]
        return haversine(a[0], a[1], b[0], b[1])
    centre = ref_shape.centroid
    other = shape(geometry)
    return float(_local(ref_shape, centre.x, centre.y).distance(_local(other, centre.x, centre.y)))
