"""Dates and moments as people read them: one format per language, from ``regija.formats``.

Slovenian "1. 10. 2021" and "1. 10. 2021 ob 14:30", English "1 October 2021" and "1 October 2021 at
14:30" – the DATE_FORMAT and DATETIME_FORMAT of the language's formats module (settings.
FORMAT_MODULE_PATH), which Django's ``|date`` filter, a date shown bare in a template and the back
office use too. Moments are shown in Europe/Ljubljana time (TIME_ZONE) whatever the server's zone.

Strategy periods and project dates may be partial ("2021", "2021-10", "2021-10-01": ISO text that
sorts as dates do); ``partial_date`` and ``period`` write them the same way.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import formats, timezone
from django.utils.translation import gettext as _

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def day(value: dt.date | dt.datetime | None) -> str:
    """A date (or the local date of a moment) in the language's date format; empty for none."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(value, "DATE_FORMAT")


def moment(value: dt.datetime | None) -> str:
    """A moment in local time: the date and the time of day (hours and minutes)."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, "DATETIME_FORMAT")


def exact_moment(value: dt.datetime | None) -> str:
    """A moment to the second, where the second decides (a submission against its deadline): the
    language's moment format with the seconds added to its time of day."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, formats.get_format("DATETIME_FORMAT").replace("H:i", "H:i:s"))


def partial_date(text: str | None) -> str:
    """A partial ISO date as the language writes it: "2021" stays a year, "2021-10" is a month
    ("oktober 2021", "October 2021"), "2021-10-01" a date; anything else is shown as it is."""
    if not text:
        return ""
    match = _PARTIAL.match(str(text))
    if match is None:
        return str(text)
    year, month, day_of_month = match.groups()
    try:
        if day_of_month:
            return day(dt.date(int(year), int(month), int(day_of_month)))
        if month:
            return formats.date_format(dt.date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")
    except ValueError:  # "2021-13": not a date after all
        return str(text)
    return year


def period(start: str | dt.date | None, end: str | dt.date | None) -> str:
    """A span of time from two partial dates: "2021–2027", "from 2021", "until 2027", or that the
    period is not stated – never "?–?"."""
    shown_start = day(start) if isinstance(start, dt.date) else partial_date(start)
    shown_end = day(end) if isinstance(end, dt.date) else partial_date(end)
    if shown_start and shown_end:
        if shown_start == shown_end:
            return shown_start
        # years close up ("2021–2027"); dates, which have spaces themselves, are spaced ("1. 10. 2021 –
        # 31. 12. 2023")
        dash = " – " if " " in shown_start + shown_end else "–"
        return f"{shown_start}{dash}{shown_end}"
    if shown_start:
        return _("from %(d)s") % {"d": shown_start}
    if shown_end:
        return _("until %(d)s") % {"d": shown_end}
    return _("period not stated")
