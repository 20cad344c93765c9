"""Reminders before an event: to those who registered for it and to those who follow its organisation's
calendar and asked for reminders – once each, ``REGIJA_EVENT_REMINDER_HOURS`` before it starts, in the
language they chose, with the event's .ics attached – through the notify app (docs/notifications.md):
a notification in their list and, unless they turned off e-mail of notices sent to them, an e-mail at
once (a reminder is time-bound: never in a digest) carrying the .ics; notify sends it in Huey and
retries a failed send with back-off.

``send_due()`` (run by the periodic job in ``tasks``) is idempotent: a reminder is recorded (``Reminder``,
unique per person, event and start) in the same transaction as its notification is stored, so a second
run – or two runs at once – never sends it again; a step that fails rolls both back and the next run
tries again. ``deliver()`` is the one function that hands a reminder to notify.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import lazy

from regija.accounts.models import Profile
from regija.core import dates
from regija.notify.services import notify

from . import ical
from .models import Event, EventStatus, Follow, Registration, Reminder

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Due:
    event: Event
    user_id: int
    email: str
    language: str
    user: Any = None  # the person (their id and e-mail only)


def due(now: dt.datetime | None = None) -> list[Due]:
    """Who is to be reminded of what now: public, scheduled events starting within the next
    ``REGIJA_EVENT_REMINDER_HOURS``, for each registered person and each follower who asked, minus
    those reminded of it already. A fixed number of queries."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=settings.REGIJA_EVENT_REMINDER_HOURS)
    events = {
        e.pk: e
        for e in Event.objects.filter(
            public=True, status=EventStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon
        ).select_related("organisation")
    }
    if not events:
        return []
    wanted: dict[tuple[int, int], str] = {}
    for event_id, user_id, language in Registration.objects.filter(event_id__in=events).values_list(
        "event_id", "user_id", "language"
    ):
        wanted[(event_id, user_id)] = language
    by_org: dict[int, list[int]] = {}
    for e in events.values():
        by_org.setdefault(e.organisation_id, []).append(e.pk)
    for org_id, user_id, language in Follow.objects.filter(
        organisation_id__in=by_org, reminders=True
    ).values_list("organisation_id", "user_id", "language"):
        for event_id in by_org[org_id]:
            wanted.setdefault((event_id, user_id), language)
    sent = set(Reminder.objects.filter(event_id__in=events).values_list("event_id", "user_id", "starts_at"))
    people = {u for _e, u in wanted}
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=people, is_active=True)
        .exclude(email="")
        .only("pk", "email", "is_active")
    }
    # the language the person chose (their profile), else the one they used when registering or following
    chosen = dict(Profile.objects.filter(user_id__in=people).values_list("user_id", "language"))
    out = []
    for (event_id, user_id), language in sorted(wanted.items()):
        event = events[event_id]
        if user_id in users and (event_id, user_id, event.starts_at) not in sent:
            used = chosen.get(user_id) or language or settings.LANGUAGE_CODE
            person = users[user_id]
            out.append(Due(event, user_id, person.email, used, person))
    return out


def _context(event: Event) -> dict[str, object]:
    return {
        "event": event,
        "when": dates.day(event.starts_at) if event.all_day else dates.moment(event.starts_at),
        "url": settings.REGIJA_SITE_URL.rstrip("/") + event.get_absolute_url(),
    }


def _rendered(template: str, event: Event) -> str:
    """The template in the active language (notify renders each recipient's copy in theirs)."""
    return render_to_string(template, _context(event)).strip()


_lazy_rendered = lazy(_rendered, str)


def ics(event: Event, language: str) -> list[tuple[str, bytes | str, str]]:
    """The reminder's attachment: the event as an iCalendar file (its UID, revision, Ljubljana time)."""
    content = ical.calendar(
        [event], name=event.local_title, base_url=settings.REGIJA_SITE_URL, language=language
    )
    return [(f"dogodek-{event.pk}.ics", content, "text/calendar; method=PUBLISH")]


def deliver(item: Due) -> None:
    """Hand one reminder to notify: in the person's list, and by e-mail at once with the event's .ics
    attached, in their language."""
    event = item.event
    notify(
        [item.user],
        "event_reminder",
        title=_lazy_rendered("events/email/reminder_subject.txt", event),
        body=_lazy_rendered("events/email/reminder.txt", event),
        topic=event,
        url=event.get_absolute_url(),
        attachments=lambda language: ics(event, language),
        language=item.language,
    )


def send_due(now: dt.datetime | None = None, send: Callable[[Due], None] | None = None) -> int:
    """Send every reminder due; how many were sent."""
    send = send or deliver
    count = 0
    for item in due(now):
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    event=item.event, user_id=item.user_id, starts_at=item.event.starts_at
                )
                send(item)
        except IntegrityError:
            continue  # another run sent it
        except Exception:
            log.exception("reminder of event %s to user %s not sent", item.event.pk, item.user_id)
            continue  # not recorded: the next run tries again
        count += 1
    return count
