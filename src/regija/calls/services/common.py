"""What every service of calls shares: the refusals and the permission check (from ``core.services``),
the server's clock, and how a moment is written in a message."""

from __future__ import annotations

import datetime as dt

from regija.core import dates
from regija.core.services import Forbidden, Refused, now, require

__all__ = ["Forbidden", "Refused", "local", "now", "require"]


def local(moment: dt.datetime | None) -> str:
    """A moment to the second in Ljubljana time, in the language of the message: "15. 3. 2027 ob
    12:00:00", "15 March 2027 at 12:00:00" (``core.dates.exact_moment``)."""
    if moment is None:
        return "–"
    return dates.exact_moment(moment)
