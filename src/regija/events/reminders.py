"""Reminders before an event: to those who registered for it and to those who follow its organisation's
calendar and asked for reminders – once each, ``REGIJA_EVENT_REMINDER_HOURS`` before it starts, in the
language they used, with the event's .ics attached.

``send_due()`` (run by the periodic job in ``tasks``) is idempotent: a reminder is recorded (``Reminder``,
unique per person, event and start) in the same transaction as it is sent, so a second run – or two
runs at once – never sends it again, and a failed send is retried by the next run. ``deliver()`` is the
one function that sends; the notify app can replace it to follow people's notification preferences.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from regija.accounts.models import Profile
from regija.core import dates

from . import ical
from .models import Event, EventStatus, Follow, Registration, Reminder

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Due:
    event: Event
    user_id: int
    email: str
    language: str


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
    users = dict(
        get_user_model()
        .objects.filter(pk__in=people, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    # the language the person chose (their profile), else the one they used when registering or following
    chosen = dict(Profile.objects.filter(user_id__in=people).values_list("user_id", "language"))
    out = []
    for (event_id, user_id), language in sorted(wanted.items()):
        event = events[event_id]
        if user_id in users and (event_id, user_id, event.starts_at) not in sent:
            used = chosen.get(user_id) or language or settings.LANGUAGE_CODE
            out.append(Due(event, user_id, users[user_id], used))
    return out


def deliver(item: Due) -> None:
    """Send one reminder: an e-mail in the person's language with the event's .ics attached."""
    event = item.event
    with translation.override(item.language):
        context = {
            "event": event,
            "when": dates.day(event.starts_at) if event.all_day else dates.moment(event.starts_at),
            "url": settings.REGIJA_SITE_URL.rstrip("/") + event.get_absolute_url(),
        }
        subject = render_to_string("events/email/reminder_subject.txt", context).strip()
        body = render_to_string("events/email/reminder.txt", context)
        attachment = ical.calendar(
            [event], name=event.local_title, base_url=settings.REGIJA_SITE_URL, language=item.language
        )
    message = EmailMessage(subject, body, to=[item.email])
    message.attach(f"dogodek-{event.pk}.ics", attachment, "text/calendar; charset=utf-8; method=PUBLISH")
    message.send()


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
