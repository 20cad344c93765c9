"""Staff's writes, people's registrations, and the events made from sessions and calls."""

from __future__ import annotations

import datetime as dt

import pytest

from regija.core.services import Forbidden, Refused
from regija.events import services, sources
from regija.events.models import Event, Registration
from tests.factories import BodyFactory, CallFactory, MembershipFactory, SessionFactory, UserFactory

from .conftest import at


def _values(**kw):
    values = {
        "title": "Delavnica",
        "category": "workshop",
        "starts_at": at(2027, 4, 2, 17),
        "ends_at": at(2027, 4, 2, 19),
    }
    values.update(kw)
    return values


def test_an_editor_creates_changes_and_cancels_an_event(org, editor):
    event = services.event_create(editor, organisation=org, via="web", **_values())
    assert event.sequence == 0
    event = services.event_update(editor, event, place_name="Dom krajanov", via="web")
    assert event.sequence == 1
    event = services.event_cancel(editor, event, via="web")
    assert event.cancelled and event.sequence == 2
    with pytest.raises(Refused):
        services.event_cancel(editor, event, via="web")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"ends_at": at(2027, 4, 2, 16)}, "ends_at"),
        ({"title": "x" * 301}, "title"),
        ({"title": "  "}, "title"),
        ({"description": "x" * 10_001}, "description"),
        ({"category": "nothing"}, "category"),
        ({"latitude": 46.3}, "latitude"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(org, editor, values, field):
    with pytest.raises(Refused) as caught:
        services.event_create(editor, organisation=org, via="web", **_values(**values))
    assert caught.value.field == field and caught.value.message
    assert not Event.objects.filter(organisation=org).exists()


def test_a_viewer_or_an_editor_of_another_organisation_may_not_write(org, make_event):
    viewer = MembershipFactory(organisation=org, role="viewer").user
    stranger = MembershipFactory(role="editor").user
    for user in (viewer, stranger):
        with pytest.raises(Forbidden):
            services.event_create(user, organisation=org, via="web", **_values())
    event = make_event()
    with pytest.raises(Forbidden):
        services.event_update(stranger, event, title="Prevzeto", via="api")
    event.refresh_from_db()
    assert event.title == "Vaški zbor"


def test_registration_respects_places_start_and_cancellation(make_event, resident):
    event = make_event(registration=True, capacity=1)
    services.register(resident, event)
    services.register(resident, event)  # twice is once
    assert Registration.objects.filter(event=event).count() == 1
    with pytest.raises(Refused, match="Prostih mest ni več"):
        services.register(UserFactory(), event)
    assert services.unregister(resident, event)
    with pytest.raises(Refused):
        services.register(resident, make_event(registration=False))
    with pytest.raises(Refused):
        services.register(
            resident, make_event(registration=True, starts_at=at(2020, 1, 1, 10), ends_at=at(2020, 1, 1, 11))
        )
    with pytest.raises(Refused):
        services.register(resident, make_event(registration=True, status="cancelled"))


def test_a_call_gives_its_opening_and_deadline_and_they_follow_it(
    django_capture_on_commit_callbacks, editor, org
):
    with django_capture_on_commit_callbacks(execute=True):
        call = CallFactory(
            organisation=org, status="draft", opens_at=at(2027, 3, 1, 8), closes_at=at(2027, 4, 30, 12)
        )
    assert not Event.objects.filter(source_id=call.pk, category="call").exists()  # a draft has none
    with django_capture_on_commit_callbacks(execute=True):
        call.status = "published"
        call.save()
    events = {e.source_key: e for e in Event.objects.filter(source_id=call.pk, category="call")}
    assert set(events) == {"opening", "deadline"}
    deadline = events["deadline"]
    assert deadline.starts_at == at(2027, 4, 30, 12) and deadline.organisation == org and deadline.automatic
    assert deadline.source_url == call.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        call.closes_at = at(2027, 5, 15, 12)
        call.save()
    deadline.refresh_from_db()
    assert deadline.starts_at == at(2027, 5, 15, 12) and deadline.sequence == 1
    with pytest.raises(Refused, match="spremenite ga tam"):
        services.event_update(editor, deadline, title="Ročno", via="web")
    with django_capture_on_commit_callbacks(execute=True):
        call.delete()
    assert not Event.objects.filter(pk=deadline.pk).exists()


def test_a_session_is_an_all_day_event_and_a_session_not_held_is_cancelled(
    db, django_capture_on_commit_callbacks
):
    body = BodyFactory(name="Upravni odbor", name_en="Management board")
    with django_capture_on_commit_callbacks(execute=True):
        session = SessionFactory(body=body, number=7, date=dt.date(2027, 10, 26), place="Velenje")
    (event,) = Event.objects.filter(source_id=session.pk, category="session")
    assert (
        event.all_day and event.first_day == dt.date(2027, 10, 26) and event.last_day == dt.date(2027, 10, 26)
    )
    assert event.title == "7. seja – Upravni odbor" and event.title_en == "7. session – Management board"
    assert event.place_name == "Velenje" and not event.cancelled
    with django_capture_on_commit_callbacks(execute=True):
        session.held = False
        session.save()
    event.refresh_from_db()
    assert event.cancelled and event.sequence == 1
    committee = BodyFactory(kind="evaluation_committee")
    with django_capture_on_commit_callbacks(execute=True):
        closed = SessionFactory(body=committee, date=dt.date(2027, 10, 27))
    assert not Event.objects.filter(source_id=closed.pk, category="session").exists()


def test_sync_all_builds_the_same_events_again_and_removes_orphans(db):
    # the governance files loaded for the test session made events of their sessions and calls
    assert Event.objects.filter(category="session").exists()
    before = set(Event.objects.values_list("pk", "sequence"))
    assert sum(sources.sync_all().values()) == 0  # in step: nothing to write
    assert set(Event.objects.values_list("pk", "sequence")) == before
    body = BodyFactory()
    with sources.suspended():
        session = SessionFactory(body=body, date=dt.date(2027, 1, 5))
    assert not Event.objects.filter(source_id=session.pk, category="session").exists()
    assert sources.sync_all()["governance.Session"] == 1
