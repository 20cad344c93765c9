"""A participatory budget's phases are in the calendar (``events.sources``): collecting proposals, the
review, voting – each from its first to its last moment – and the results once published; in /dogodki/ and
the iCalendar feeds (read by icalendar and vobject, whose validate() checks RFC 5545)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject

from regija.budgeting import services
from regija.events.models import Event

from .world import DATES, MOMENTS, build, proposals_on_ballot

pytestmark = pytest.mark.django_db


def _phases(process):
    return {e.source_key: e for e in Event.objects.filter(source_id=process.pk, category="participation")}


def test_the_phases_are_events_of_the_municipality_and_the_results_join_when_published(
    clock, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        pb = build(clock)
    events = _phases(pb.process)
    assert set(events) == {"proposals", "review", "voting"}
    assert (events["proposals"].starts_at, events["proposals"].ends_at) == (
        DATES["proposals_from"],
        DATES["proposals_to"],
    )
    assert (events["review"].starts_at, events["review"].ends_at) == (
        DATES["proposals_to"],
        DATES["review_to"],
    )
    assert (events["voting"].starts_at, events["voting"].ends_at) == (
        DATES["voting_from"],
        DATES["voting_to"],
    )
    voting = events["voting"]
    assert voting.title == "Participativni proračun, glasovanje: Participativni proračun 2026"
    assert voting.title_en == "Participatory budget, voting: Participatory budget 2026"
    assert voting.organisation == pb.municipality and voting.public and voting.automatic
    assert voting.source_url == pb.process.get_absolute_url()

    listing = client.get("/dogodki/", {"od": "2026-05-01"}).content.decode()
    assert "Participatory budget, voting: Participatory budget 2026" in listing  # the page is in English
    text = client.get(f"/dogodki/organizacija/{pb.municipality.slug}.ics").content.decode("utf-8")
    v = vobject.readOne(text)
    v.validate()
    ours = next(e for e in v.vevent_list if e.uid.value == f"event-{voting.pk}@testserver")
    assert ours.dtstart.value.astimezone(dt.UTC) == DATES["voting_from"].astimezone(dt.UTC)
    assert ours.dtend.value.astimezone(dt.UTC) == DATES["voting_to"].astimezone(dt.UTC)
    summaries = {str(e["summary"]) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    assert "Participatory budget, proposals: Participatory budget 2026" in summaries
    slovenian = client.get(f"/dogodki/organizacija/{pb.municipality.slug}.ics", HTTP_ACCEPT_LANGUAGE="sl")
    summaries = {str(e["summary"]) for e in icalendar.Calendar.from_ical(slovenian.content).walk("VEVENT")}
    assert "Participativni proračun, oddaja predlogov: Participativni proračun 2026" in summaries

    # results: an event at the moment they are published
    made = proposals_on_ballot(pb, {"center": ["5000"]})
    pb.at("voting")
    services.cast_ballot(pb.voter(username="volivka"), pb.process, [made["center"][0].pk])
    pb.at("closed")
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_results(pb.staff, pb.process)
    results = _phases(pb.process)["results"]
    assert results.starts_at == MOMENTS["closed"]
    assert results.title_en == "Participatory budget, results: Participatory budget 2026"
