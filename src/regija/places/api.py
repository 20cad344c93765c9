"""API of places: the places of a category or organisation (paged), or the nearest ones to a position with
their distance and walking direction; one place. Reads only, from ``places.selectors``; answers are not
kept in the response cache, because a place's "open now" and the broker's live chargers and car parks
change without a write to Regija's data."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from ninja import Query, Router

from regija.api.errors import READ_RESPONSES, invalid, not_found
from regija.api.pagination import PageParams, paginate

from . import geo, present, selectors
from .schemas import PlaceFilters, PlaceItem, PlaceList

router = Router(tags=["places"])


@router.get("/places", response={200: PlaceList, **READ_RESPONSES}, url_name="places")
def list_places(request: Any, filters: Query[PlaceFilters]) -> Any:
    """Without ``near``: the places (of a category, of an organisation) by category and name, paged. With
    ``near=lat,lon``: the ``limit`` nearest (of the category), nearest first, each with ``distance_m``,
    ``bearing_deg`` and ``direction`` – chargers and parking include the broker's live entities. A position
    that is malformed or outside the territory is a 422."""
    category = filters.category.value if filters.category else ""
    if filters.near is not None:
        try:
            with translation.override("en"):
                lat, lon = geo.parse_position(filters.near)
        except ValueError as exc:
            invalid(["query", "near"], str(exc))
        found = selectors.nearest(lat, lon, category=category, limit=filters.limit)
        if filters.organisation:
            found = [n for n in found if n.place is None or n.place.organisation.slug == filters.organisation]
        items = [present.item(n, absolute=request.build_absolute_uri) for n in found]
        return {"count": len(items), "page": 1, "page_size": filters.limit, "next": None, "previous": None,
                "near": [lat, lon], "items": items}  # fmt: skip
    qs = selectors.places(category, filters.organisation or "")
    pages = PageParams(page=filters.page, page_size=filters.page_size)
    answer = paginate(
        request, qs, pages, lambda rows: [present.item(p, absolute=request.build_absolute_uri) for p in rows]
    )
    answer["near"] = None
    return answer


@router.get("/places/{place_id}", response={200: PlaceItem, **READ_RESPONSES}, url_name="place")
def get_place(request: Any, place_id: int) -> Any:
    found = selectors.place(place_id)
    if found is None:
        raise not_found("place", str(place_id))
    return present.item(found, absolute=request.build_absolute_uri)
