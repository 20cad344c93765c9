"""Dates and moments as the public pages write them, in Europe/Ljubljana time.

Slovenian: "15. 3. 2027", "15. 3. 2027 ob 12:00"; English: "15 March 2027", "15 March 2027 at 12:00".
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

register = template.Library()


def _slovenian() -> bool:
    return (get_language() or "sl").startswith("sl")


@register.filter
def day(value) -> str:
    """A date (or the local date of a moment) without leading zeros."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return date_format(value, "j. n. Y" if _slovenian() else "j F Y")


@register.filter
def moment(value) -> str:
    """A moment in local time: the date and the time of day."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    # a date format, like the one of ``day``: the words are part of the language's format
    return date_format(local, r"j. n. Y \o\b H:i" if _slovenian() else r"j F Y \a\t H:i")


@register.filter
def day_range(start, end) -> str:
    """A span of days, such as a correspondence session's: 'start – end', or one day when they are
    the same."""
    if not end or end == start:
        return day(start)
    return f"{day(start)} – {day(end)}"
