"""Events as iCalendar (RFC 5545), written with the ``icalendar`` library.

Every event has a stable UID (``event-<id>@<domain>``), DTSTAMP (when it last changed), SEQUENCE (its
revision), LAST-MODIFIED, URL, STATUS (CONFIRMED or CANCELLED – a cancelled event stays in the feeds so
calendars that have it remove it), CATEGORIES, LOCATION and GEO when known. Timed events are written in
local time with ``TZID=Europe/Ljubljana`` and the calendar carries that time zone as a VTIMEZONE with
its summer-time rules (the last Sunday of March and of October, as the EU has them since 1996); all-day
events are dates (``VALUE=DATE``) with an exclusive DTEND.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone, translation

from .models import Category, Event

TZID = "Europe/Ljubljana"


def uid_domain(base_url: str) -> str:
    """The domain of UIDs: ``REGIJA_EVENT_UID_DOMAIN``, else the site's host – fixed per installation so
    that an event's UID never changes."""
    return settings.REGIJA_EVENT_UID_DOMAIN or urlsplit(base_url).hostname or "regija"


def uid(event: Event, domain: str) -> str:
    return f"event-{event.pk}@{domain}"


def _timezone() -> icalendar.Timezone:
    """Europe/Ljubljana with its rules: CET (+01:00) and, from the last Sunday of March 02:00 to the last
    Sunday of October 03:00, CEST (+02:00)."""
    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    summer = icalendar.TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", dt.timedelta(hours=1))
    summer.add("tzoffsetto", dt.timedelta(hours=2))
    summer.add("dtstart", dt.datetime(1970, 3, 29, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = icalendar.TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", dt.timedelta(hours=2))
    winter.add("tzoffsetto", dt.timedelta(hours=1))
    winter.add("dtstart", dt.datetime(1970, 10, 25, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def _location(event: Event) -> str:
    parts = [p for p in (event.place_name, event.address) if p]
    if not parts and event.online_url:
        parts = [event.online_url]
    return ", ".join(parts)


def _component(event: Event, base_url: str, domain: str) -> icalendar.Event:
    local = timezone.get_default_timezone()
    item = icalendar.Event()
    item.add("uid", uid(event, domain))
    stamp = event.modified_at.astimezone(dt.UTC)
    item.add("dtstamp", stamp)
    item.add("last-modified", stamp)
    item.add("created", event.created_at.astimezone(dt.UTC))
    item.add("sequence", event.sequence)
    if event.all_day:
        item.add("dtstart", timezone.localdate(event.starts_at, local))
        item.add("dtend", timezone.localdate(event.ends_at, local))
    else:
        item.add("dtstart", event.starts_at.astimezone(local))
        item.add("dtend", event.ends_at.astimezone(local))
    item.add("summary", event.local_title)
    description = event.local_description
    if event.online_url:
        description = f"{description}\n\n{event.online_url}".strip()
    if description:
        item.add("description", description)
    location = _location(event)
    if location:
        item.add("location", location)
    if event.has_place:
        item.add("geo", (float(event.latitude or 0), float(event.longitude or 0)))
    item.add("url", base_url.rstrip("/") + event.get_absolute_url())
    item.add("categories", [str(Category(event.category).label)])
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    item.add("transp", "TRANSPARENT" if event.all_day else "OPAQUE")
    item.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL}", parameters={"cn": event.organisation.name})
    return item


def calendar(events: Iterable[Event], *, name: str, base_url: str, language: str = "sl") -> bytes:
    """The events as one iCalendar file (UTF-8, CRLF line ends, folded at 75 octets)."""
    domain = uid_domain(base_url)
    with translation.override(language):
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Regija//Dogodki//SL")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", TZID)
        cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"value": "DURATION"})
        cal.add("x-published-ttl", "PT6H")
        cal.add_component(_timezone())
        for event in events:
            cal.add_component(_component(event, base_url, domain))
        return cal.to_ical()
