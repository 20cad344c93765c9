"""Dates and moments as the public pages write them, in Europe/Ljubljana time (``regija.core.dates``).

Slovenian: "15. 3. 2027", "15. 3. 2027 ob 12:00"; English: "15 March 2027", "15 March 2027 at 12:00".
"""

from __future__ import annotations

from django import template

from regija.core import dates

register = template.Library()


@register.filter
def day(value) -> str:
    """A date (or the local date of a moment)."""
    return dates.day(value)


@register.filter
def moment(value) -> str:
    """A moment in local time: the date and the time of day."""
    return dates.moment(value)


@register.filter
def day_range(start, end) -> str:
    """A span of days, such as a correspondence session's: 'start – end', or one day when they are
    the same."""
    if not end or end == start:
        return day(start)
    return f"{day(start)} – {day(end)}"
