"""Reminders through notify: once per person and event, in their list and by e-mail at once in their
language, with the event attached as an .ics that calendar apps read (its UID, its start in Ljubljana)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail

from regija.accounts.models import Profile
from regija.events import reminders, services
from regija.events.models import Reminder
from regija.notify import services as notify_services
from regija.notify import tasks as notify_tasks
from regija.notify.models import Delivery, DeliveryStatus, EmailMode, Notification
from tests.factories import UserFactory

from .conftest import at


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``send_due`` as the job runs it: what notify queues on commit (the e-mails) is sent."""

    def send_due(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.send_due(**kwargs)

    return send_due


def ics_event(message):
    """The one VEVENT of the message's .ics attachment, as a calendar app reads it."""
    ((name, content, mimetype),) = message.attachments
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return event


def test_registered_people_and_followers_who_asked_are_reminded_once(
    make_event, resident, org, settings, run
):
    settings.REGIJA_EVENT_REMINDER_HOURS = 24
    settings.REGIJA_EVENT_UID_DOMAIN = "koledar.example.org"
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
        assert run() == 0  # more than 24 hours before
    with time_machine.travel(at(2027, 6, 30, 19), tick=False):
        assert run() == 2
        assert run() == 0  # the task ran twice: nothing again

    # one e-mail each, at once
    assert sorted(m.to[0] for m in mail.outbox) == ["krajanka@example.org", "sledilec@example.org"]
    english = next(m for m in mail.outbox if m.to == ["krajanka@example.org"])
    slovenian = next(m for m in mail.outbox if m.to == ["sledilec@example.org"])
    assert english.subject == "Reminder: Village meeting"
    assert slovenian.subject == "Opomnik: Vaški zbor"
    assert f"/dogodki/{event.pk}/" in english.body
    assert "List-Unsubscribe" in english.extra_headers

    # the .ics: the event's UID (RFC 5545) and its start, 18:00 in Ljubljana (summer time, +02:00)
    for message, summary in ((english, "Village meeting"), (slovenian, "Vaški zbor")):
        vevent = ics_event(message)
        assert str(vevent["UID"]) == f"event-{event.pk}@koledar.example.org"
        assert str(vevent["SUMMARY"]) == summary
        start = vevent.decoded("DTSTART")
        assert start.tzinfo is not None and start.tzinfo.key == "Europe/Ljubljana"
        assert (start.hour, start.minute, start.utcoffset().total_seconds()) == (18, 0, 7200)
        assert start == at(2027, 7, 1, 18).astimezone(ZoneInfo("UTC"))

    # and in each person's list of notifications, linking to the event
    items = Notification.objects.filter(kind="event_reminder").order_by("user_id")
    assert {(n.user_id, n.shown, n.url) for n in items} == {
        (resident.pk, True, event.get_absolute_url()),
        (follower.pk, True, event.get_absolute_url()),
    }
    assert Notification.objects.get(user=resident).title == "Reminder: Village meeting"
    assert not Notification.objects.filter(user=quiet).exists()
    assert Reminder.objects.count() == 2 and later.pk not in set(
        Reminder.objects.values_list("event_id", flat=True)
    )


def test_a_reminder_goes_at_once_even_to_who_reads_the_organisation_in_a_digest(make_event, org, run):
    """A reminder is time-bound: a person who follows the organisation in notify with a weekly digest
    still gets the reminder by e-mail at once, not in the digest."""
    person = UserFactory(email="tedensko@example.org")
    notify_services.follow(person, org, email="weekly")
    services.follow(person, org, reminders=True)
    make_event()
    mail.outbox.clear()
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert run() == 1
    (message,) = mail.outbox
    assert message.to == ["tedensko@example.org"] and message.subject == "Opomnik: Vaški zbor"
    assert Notification.objects.get(user=person).email == EmailMode.IMMEDIATE
    mail.outbox.clear()
    assert notify_tasks.send_digests(EmailMode.WEEKLY) == 0  # nothing of it waits for the digest


def test_who_turned_off_email_of_notices_gets_it_in_the_list_only(make_event, resident, run):
    notify_services.set_direct_email(resident, False)
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event)
    mail.outbox.clear()
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert run() == 1
        assert run() == 0
    assert mail.outbox == []
    assert Notification.objects.get(user=resident).title == "Opomnik: Vaški zbor"


def test_a_failed_email_is_retried_by_notify_and_the_reminder_is_not_sent_twice(
    make_event, resident, settings, run
):
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event)
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nobody listens
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert run() == 1
        assert run() == 0  # recorded: the next run does not send it again
    delivery = Delivery.objects.get(user=resident)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)  # shown to staff, retried
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(at(2027, 7, 1, 10, 2), tick=False):
        assert notify_tasks.retry_due_deliveries() == 1
    (message,) = mail.outbox
    assert message.to == ["krajanka@example.org"]
    assert str(ics_event(message)["UID"]).startswith(f"event-{event.pk}@")
    assert Reminder.objects.count() == 1 and Notification.objects.count() == 1


def test_a_step_that_fails_records_nothing_and_is_tried_again(make_event, resident, run):
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event)

    def broken(item):
        raise OSError("broken")

    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert run(send=broken) == 0
        assert not Reminder.objects.exists() and not Notification.objects.exists()
        assert run() == 1
    assert len(mail.outbox) == 1


def test_a_cancelled_event_gets_no_reminder(make_event, resident, run):
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event)
    event.status = "cancelled"
    event.save()
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert run() == 0
    assert not Notification.objects.exists()


def test_a_moved_event_is_reminded_of_again(make_event, resident, run):
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event)
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert run() == 1
    event.starts_at, event.ends_at = at(2027, 7, 1, 19), at(2027, 7, 1, 21)
    event.save()
    mail.outbox.clear()
    with time_machine.travel(at(2027, 7, 1, 11), tick=False):
        assert run() == 1
    start = ics_event(mail.outbox[0]).decoded("DTSTART")
    assert (start.hour, start.tzinfo.key) == (19, "Europe/Ljubljana")


def test_the_language_of_the_profile_comes_first(make_event, resident, run):
    Profile.objects.update_or_create(user=resident, defaults={"language": "en"})
    event = make_event(registration=True)
    with time_machine.travel(at(2027, 6, 29, 12), tick=False):
        services.register(resident, event, language="sl")
    mail.outbox.clear()
    with time_machine.travel(at(2027, 7, 1, 10), tick=False):
        assert run() == 1
    assert mail.outbox[0].subject == "Reminder: Village meeting"
    assert str(ics_event(mail.outbox[0])["SUMMARY"]) == "Village meeting"
