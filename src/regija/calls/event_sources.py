"""The calendar's events of public calls (``regija.events.sources``): its opening – the moment it opens,
or the day it is published when no moment is stated – and its submission deadline. A draft call has none.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from regija.events.models import Category
from regija.events.sources import EventSpec, all_day_span

from .models import Call, CallStatus

OPENS = gettext_noop("Call opens: %(title)s")
DEADLINE = gettext_noop("Call deadline: %(title)s")


def _titles(call: Call, text: str) -> dict[str, str]:
    """The event's title in Slovenian and in English (stored: feeds and reminders are in either)."""
    with translation.override("sl"):
        title = translation.gettext(text) % {"title": call.title}
    with translation.override("en"):
        title_en = translation.gettext(text) % {"title": call.title_en or call.title}
    return {"title": title, "title_en": title_en}


def call_events(call: Call) -> list[EventSpec]:
    if call.status == CallStatus.DRAFT:
        return []
    common = {
        "organisation_id": call.organisation_id,
        "category": Category.CALL,
        "url": call.get_absolute_url(),
        "description": f"{call.number}",
    }
    events = []
    if call.opens_at:
        opening = {"starts_at": call.opens_at, "ends_at": call.opens_at}
    elif call.published_on:
        starts, ends = all_day_span(call.published_on)
        opening = {"starts_at": starts, "ends_at": ends, "all_day": True}
    else:
        opening = None
    if opening:
        titles = _titles(call, OPENS)
        events.append(EventSpec(key="opening", **titles, **common, **opening))  # type: ignore[arg-type]
    if call.closes_at:
        titles = _titles(call, DEADLINE)
        events.append(
            EventSpec(key="deadline", starts_at=call.closes_at, ends_at=call.closes_at, **titles, **common)
        )  # type: ignore[arg-type]
    return events
