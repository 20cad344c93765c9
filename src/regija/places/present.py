"""A place (or a live entity of the broker) as the API, the GeoJSON and CSV exports give it: one dict,
so every door says the same."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import geo, hours
from .models import Place
from .selectors import Live, Nearby


def _hours(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    now = hours.status(text, timezone.now())
    return {"text": text, "open_now": now.open, "next_change": now.next_change}


def item(obj: Place | Live | Nearby, *, absolute: Any = None) -> dict[str, Any]:
    distance = bearing = direction = None
    if isinstance(obj, Nearby):
        distance, bearing = round(obj.distance, 1), round(obj.bearing, 1)
        direction = geo.compass_point(obj.bearing)
        inner: Place | Live | None = obj.place or obj.live
    else:
        inner = obj
    common = {"distance_m": distance, "bearing_deg": bearing, "direction": direction}
    if isinstance(inner, Place):
        p = inner
        url = p.get_absolute_url()
        return {
            "id": p.pk, "entity_id": p.entity_id, "tenant": p.organisation.slug, "origin": "regija",
            "category": p.category, "name": p.name, "name_en": p.name_en, "latitude": p.latitude,
            "longitude": p.longitude, "address": p.address, "hours": _hours(p.opening_hours),
            "accessibility": p.accessibility, "accessibility_en": p.accessibility_en, "phone": p.phone,
            "email": p.email, "website": p.website, "photo": p.photo, "source": p.source,
            "checked_on": p.checked_on, "illustrative": p.illustrative, "organisation": p.organisation.slug,
            "state": {}, "url": absolute(url) if absolute else url, **common,
        }  # fmt: skip
    assert isinstance(inner, Live)  # noqa: S101 - a Nearby holds one or the other
    e = inner
    return {
        "id": None, "entity_id": e.entity_id, "tenant": e.tenant, "origin": "broker", "category": e.category,
        "name": e.name, "name_en": "", "latitude": e.latitude, "longitude": e.longitude, "address": "",
        "hours": None, "accessibility": "", "accessibility_en": "", "phone": "", "email": "", "website": "",
        "photo": "", "source": "", "checked_on": None, "illustrative": False,
        "organisation": e.tenant or None,
        "state": e.state, "url": None, **common,
    }  # fmt: skip


def feature(data: dict[str, Any]) -> dict[str, Any]:
    """An item as a GeoJSON Feature (RFC 7946: longitude first)."""
    props = {k: v for k, v in data.items() if k not in ("latitude", "longitude")}
    if props.get("checked_on") is not None:
        props["checked_on"] = props["checked_on"].isoformat()
    if props.get("hours") and props["hours"]["next_change"] is not None:
        props["hours"] = {**props["hours"], "next_change": props["hours"]["next_change"].isoformat()}
    return {
        "type": "Feature",
        "id": data["entity_id"],
        "geometry": {"type": "Point", "coordinates": [data["longitude"], data["latitude"]]},
        "properties": props,
    }
