"""API of the calendar: the public events (filtered, paged), one event, and the signed-in person's
registration for an event (with a personal token). Reads come from ``events.selectors``, the
registration goes through ``events.services``."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, not_found, refusals, write_responses
from regija.api.pagination import PageParams, paginate

from . import selectors, services
from .models import Event
from .schemas import EventDetail, EventFilters, EventPage, RegistrationOut

router = Router(tags=["events"])


def _item(request: Any, e: Event) -> dict[str, Any]:
    local = timezone.localtime
    return {
        "id": e.pk,
        "title": e.title,
        "title_en": e.title_en,
        "category": e.category,
        "organisation": {"slug": e.organisation.slug, "name": e.organisation.name},
        "starts_at": local(e.starts_at),
        "ends_at": local(e.ends_at),
        "all_day": e.all_day,
        "first_day": e.first_day,
        "last_day": e.last_day,
        "status": e.status,
        "place": {
            "name": e.place_name,
            "address": e.address,
            "latitude": e.latitude,
            "longitude": e.longitude,
        },
        "online_url": e.online_url,
        "registration": e.registration,
        "capacity": e.capacity,
        "sequence": e.sequence,
        "automatic": e.automatic,
        "source_url": request.build_absolute_uri(e.source_url) if e.source_url else None,
        "url": request.build_absolute_uri(e.get_absolute_url()),
        "ics": request.build_absolute_uri(reverse("events:event_ics", args=[e.pk])),
    }


@router.get("/events", response={200: EventPage, **READ_RESPONSES}, url_name="events")
def list_events(request: Any, filters: Query[EventFilters], pages: Query[PageParams]) -> Any:
    """Public events in time order; without ``from``, those from today on. A cancelled event is listed,
    with its status."""
    f = selectors.Filters(
        organisation=filters.organisation or "",
        category=filters.category or "",
        start=filters.start,
        end=filters.end,
    )
    if f.end and f.start and f.end < f.start:
        f = dataclasses.replace(f, end=None)
    return paginate(request, selectors.upcoming(f), pages, lambda rows: [_item(request, e) for e in rows])


def _event(pk: int) -> Event:
    event = selectors.event(pk)
    if event is None:
        raise not_found("event", str(pk))
    return event


@router.get("/events/{event_id}", response={200: EventDetail, **READ_RESPONSES}, url_name="event")
def get_event(request: Any, event_id: int) -> Any:
    e = _event(event_id)
    return _item(request, e) | {"description": e.description, "description_en": e.description_en}


@router.put(
    "/events/{event_id}/registration",
    auth=token_auth,
    response=write_responses({200: RegistrationOut}, conflict=True),
)
def register(request: Any, event_id: int) -> Any:
    """Register the token's person for the event; 409 when it takes no registrations, has started, is
    cancelled or full. Registering again changes nothing."""
    e = _event(event_id)
    with refusals():
        services.register(request.user, e, language=request.LANGUAGE_CODE or "")
    return {"event": e.pk, "registered": True}


@router.delete(
    "/events/{event_id}/registration",
    auth=token_auth,
    response=write_responses({204: None}),
)
def unregister(request: Any, event_id: int) -> Any:
    """Take the registration back (also when there was none)."""
    e = _event(event_id)
    with refusals():
        services.unregister(request.user, e)
    return Status(204, None)
