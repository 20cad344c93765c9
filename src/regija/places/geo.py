"""Distances, directions and the territory of places: the great-circle distance (the broker's haversine),
the initial bearing from one position to another and its name on an eight-point compass ("north-east"),
and whether a position lies in the configured territory (``REGIJA_TERRITORY``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from regija.context.geo import EARTH_RADIUS, haversine

__all__ = ["EARTH_RADIUS", "Territory", "bearing", "compass", "distance_text", "haversine", "territory"]


@dataclass(frozen=True)
class Territory:
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


def territory() -> Territory:
    south, west, north, east = settings.REGIJA_TERRITORY
    return Territory(south, west, north, east)


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The initial great-circle bearing from the first position to the second, in degrees clockwise from
    true north (0–360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


# the eight points of the compass, each the 45° sector centred on it
POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_point(degrees: float) -> str:
    return POINTS[int(((degrees % 360) + 22.5) // 45) % 8]


def compass(degrees: float) -> str:
    """The direction as words: "north-east" (in the active language)."""
    names = {
        "N": pgettext("direction", "north"),
        "NE": pgettext("direction", "north-east"),
        "E": pgettext("direction", "east"),
        "SE": pgettext("direction", "south-east"),
        "S": pgettext("direction", "south"),
        "SW": pgettext("direction", "south-west"),
        "W": pgettext("direction", "west"),
        "NW": pgettext("direction", "north-west"),
    }
    return names[compass_point(degrees)]


def rounded(metres: float) -> float:
    """A walking distance as one says it: to 10 m under a kilometre, to 100 m beyond."""
    return round(metres, -1) if metres < 1000 else round(metres, -2)


def distance_text(metres: float) -> str:
    """ "300 m" or "1,2 km" (the active language's decimal mark)."""
    from django.utils.formats import number_format

    r = rounded(metres)
    if r < 1000:
        return _("%(n)s m") % {"n": int(r)}
    return _("%(n)s km") % {"n": number_format(r / 1000, 1)}


def parse_position(text: str) -> tuple[float, float]:
    """ "46.3592,15.1103" → (latitude, longitude); ValueError with the reason (in the active language) when
    it is no position or lies outside the territory."""
    parts = [p.strip() for p in text.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(
            _("Give a position as latitude,longitude in decimal degrees (e.g. 46.3592,15.1103).")
        ) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(
            _("Give a position as latitude,longitude in decimal degrees (e.g. 46.3592,15.1103).")
        ) from None
    area = territory()
    if not area.contains(lat, lon):
        raise ValueError(
            _(
                "The position %(lat)s,%(lon)s lies outside the territory (latitude %(s)s to %(n)s, "
                "longitude %(w)s to %(e)s)."
            )
            % {"lat": lat, "lon": lon, "s": area.south, "n": area.north, "w": area.west, "e": area.east}
        )
    return lat, lon
