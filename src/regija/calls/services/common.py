"""What every service of calls shares: the refusals and the permission check (from ``core.services``),
the server's clock, and how a moment is written in a message."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from regija.core.services import Forbidden, Refused, now, require

__all__ = ["Forbidden", "Refused", "local", "now", "require"]


def local(moment: dt.datetime | None) -> str:
    """A moment as people in Slovenia read it: 15. 3. 2027 12:00:00 (Europe/Ljubljana)."""
    if moment is None:
        return "–"
    return timezone.localtime(moment).strftime("%-d. %-m. %Y %H:%M:%S")
