"""Reminders: once per person and event, in their language, with the event attached."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail

from regija.events import reminders, services
from regija.events.models import Reminder
from tests.factories import UserFactory

from .conftest import at


def test_registered_people_and_followers_who_asked_are_reminded_once(make_event, resident, org, settings):
    settings.REGIJA_EVENT_REMINDER_HOURS = 24
    event = make_event(registration=True, starts_at=at(2027, 7, 1, 18), ends_at=at(2027, 7, 1, 20))
    later = make_event(title="Čez teden", starts_at=at(2027, 7, 8, 18), ends_at=at(2027, 7, 8, 20))
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event, language="en")
    follower = UserFactory(email="sledilec@example.org")
    quiet = UserFactory(email="tiho@example.org")
    services.follow(follower, org, reminders=True)
    services.follow(quiet, org, reminders=False)
    mail.outbox.clear()
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        assert reminders.send_due() == 0  # more than 24 hours before
    with time_machine.travel(at(2027, 6, 30, 19), tick=False):
        assert reminders.send_due() == 2
        assert reminders.send_due() == 0  # the task ran twice: nothing again
    assert {m.to[0] for m in mail.outbox} == {"krajanka@example.org", "sledilec@example.org"}
    english = next(m for m in mail.outbox if m.to == ["krajanka@example.org"])
    slovenian = next(m for m in mail.outbox if m.to == ["sledilec@example.org"])
    assert english.subject == "Reminder: Village meeting"
    assert "Vaški zbor" in slovenian.subject
    name, content, mimetype = english.attachments[0]
    assert (
        name.endswith(".ics")
        and mimetype.startswith("text/calendar")
        and "BEGIN:VEVENT" in (content.decode() if isinstance(content, bytes) else content)
    )
    assert Reminder.objects.count() == 2 and later.pk not in set(
        Reminder.objects.values_list("event_id", flat=True)
    )


def test_a_failed_send_is_not_recorded_and_is_tried_again(make_event, resident):
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event)

    def broken(item):
        raise OSError("SMTP down")

    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert reminders.send_due(send=broken) == 0
        assert not Reminder.objects.exists()
        assert reminders.send_due() == 1


def test_a_cancelled_event_gets_no_reminder(make_event, resident):
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event)
    event.status = "cancelled"
    event.save()
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert reminders.send_due() == 0
    assert dt  # noqa: B018


def test_the_language_of_the_profile_comes_first(make_event, resident):
    from regija.accounts.models import Profile

    Profile.objects.update_or_create(user=resident, defaults={"language": "en"})
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event, language="sl")
    mail.outbox.clear()
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert reminders.send_due() == 1
    assert mail.outbox[0].subject == "Reminder: Village meeting"
