"""When an event takes place, as the pages write it, in Ljubljana time."""

from __future__ import annotations

from django import template
from django.utils import timezone

from regija.core import dates

register = template.Library()


@register.filter
def when(event) -> str:
    """ "15. 3. 2027", "15. 3. 2027 – 17. 3. 2027", "15. 3. 2027 ob 18:00–20:00", or two moments."""
    if event.all_day:
        first, last = event.first_day, event.last_day
        return dates.day(first) if first == last else f"{dates.day(first)} – {dates.day(last)}"
    if event.ends_at == event.starts_at:
        return dates.moment(event.starts_at)
    if event.first_day == event.last_day:
        return f"{dates.moment(event.starts_at)}–{timezone.localtime(event.ends_at):%H:%M}"
    return f"{dates.moment(event.starts_at)} – {dates.moment(event.ends_at)}"


@register.filter
def time_of(event) -> str:
    """The time of day an event starts (empty for an all-day event)."""
    return "" if event.all_day else f"{timezone.localtime(event.starts_at):%H:%M}"
