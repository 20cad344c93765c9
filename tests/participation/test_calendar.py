"""A consultation's period and a proposal's answer deadline are in the calendar (``events.sources``): made
from them, following their changes, in /dogodki/ and in the iCalendar feeds (read by icalendar and
vobject, whose validate() checks RFC 5545)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject
from django.test import override_settings

from regija.events.models import Event
from regija.participation import services
from tests.factories import resident

pytestmark = pytest.mark.django_db


def _events(obj):
    return {e.source_key: e for e in Event.objects.filter(source_id=obj.pk, category="participation")}


def _feed(client, path):
    text = client.get(path).content.decode("utf-8")
    v = vobject.readOne(text)
    v.validate()
    return icalendar.Calendar.from_ical(text), v


def test_a_consultation_s_period_is_an_event_of_its_organisation(
    db, django_capture_on_commit_callbacks, client, place
):
    # the fixture made the consultation outside a capturing block: its event comes on commit, so make one here
    with django_capture_on_commit_callbacks(execute=True):
        consultation = services.consultation_create(
            place.staff,
            services.ConsultationData(
                organisation=place.town,
                title="Obravnava odloka o parkiranju",
                title_en="Consultation on the parking ordinance",
                opens_at=dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC),
                closes_at=dt.datetime(2027, 3, 1, 8, tzinfo=dt.UTC),
                act_name="Odlok",
                act_paragraphs=["Prvi člen.", "Drugi člen."],
            ),
        )
    (event,) = _events(consultation).values()
    assert event.title == "Javna obravnava: Obravnava odloka o parkiranju"
    assert event.title_en == "Public consultation: Consultation on the parking ordinance"
    assert event.starts_at == consultation.opens_at and event.ends_at == consultation.closes_at
    assert event.organisation == place.town and event.public and event.automatic
    assert event.source_url == consultation.get_absolute_url()

    listing = client.get("/dogodki/", {"od": "2027-02-01"}).content.decode()
    assert "Obravnava odloka o parkiranju" in listing
    cal, v = _feed(client, f"/dogodki/organizacija/{place.town.slug}.ics")
    ours = next(e for e in v.vevent_list if e.uid.value == f"event-{event.pk}@testserver")
    assert ours.dtstart.value.astimezone(dt.UTC) == dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC)
    assert ours.dtend.value.astimezone(dt.UTC) == dt.datetime(2027, 3, 1, 8, tzinfo=dt.UTC)
    assert ours.url.value.endswith(
        f"/dogodki/{event.pk}/"
    )  # the event's page, which links to the consultation
    assert consultation.get_absolute_url() in client.get(f"/dogodki/{event.pk}/").content.decode()
    assert any(str(e["summary"]).startswith("Javna obravnava") for e in cal.walk("VEVENT"))


@override_settings(REGIJA_PROPOSAL_THRESHOLD=2, REGIJA_PROPOSAL_RESPONSE_DAYS=30)
def test_a_proposal_s_answer_deadline_is_an_event_while_the_answer_is_owed(
    django_capture_on_commit_callbacks, client, place, clock
):
    start = dt.datetime(2027, 5, 1, 10, tzinfo=dt.UTC)
    clock(start)
    with django_capture_on_commit_callbacks(execute=True):
        p = services.proposal_create(
            place.resident, services.ProposalData(organisation=place.town, title="Pitnik", text="Pitnik.")
        )
        services.proposal_support(place.resident, p)
    assert _events(p) == {}  # no deadline before the threshold
    with django_capture_on_commit_callbacks(execute=True):
        p = services.proposal_support(resident(place.town, username="druga"), p)
    event = _events(p)["answer_due"]
    assert event.starts_at == start + dt.timedelta(days=30) == p.respond_by
    assert event.title == "Rok za odgovor na pobudo: Pitnik"
    assert event.title_en == "Answer due to the proposal: Pitnik"
    cal, v = _feed(client, "/dogodki/kategorija/participation.ics")
    assert any(e.uid.value == f"event-{event.pk}@testserver" for e in v.vevent_list)

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_transition(place.staff, p, "accepted", "Postavimo ga.")
    assert _events(p) == {}  # answered: nothing is owed any more
