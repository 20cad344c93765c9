"""Background jobs of the calendar: reminders before events (``reminders``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from huey import crontab

from regija.core import jobs


@jobs.periodic(
    crontab(minute="*/10"),
    description=_("Send reminders of events to those who registered or follow"),
    schedule=_("every 10 minutes"),
)
def send_event_reminders() -> int:
    from .reminders import send_due

    return send_due()
