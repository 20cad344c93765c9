"""The feeds, read back by two independent parsers (icalendar and vobject, whose validate() checks the
file against RFC 5545): UID, DTSTAMP, Ljubljana's time zone with summer time, all-day dates,
cancellations, and the personal feed's secret address."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject

from regija.events import services
from regija.events.models import Registration

from .conftest import at


def _both(body: bytes):
    text = body.decode("utf-8")
    cal = icalendar.Calendar.from_ical(text)
    v = vobject.readOne(text)
    v.validate()  # raises on a file RFC 5545 does not allow
    return cal, v


def _vevent(v, uid):
    return next(e for e in v.vevent_list if e.uid.value == uid)


@pytest.fixture
def events(make_event):
    return {
        "summer": make_event(title="Poletni zbor", starts_at=at(2027, 7, 1, 18), ends_at=at(2027, 7, 1, 20)),
        "winter": make_event(
            title="Zimski zbor", starts_at=at(2027, 1, 14, 18), ends_at=at(2027, 1, 14, 19, 30)
        ),
        "allday": make_event(
            title="Praznik",
            category="culture",
            all_day=True,
            starts_at=at(2027, 5, 1),
            ends_at=at(2027, 5, 3),
        ),
        "cancelled": make_event(
            title="Odpovedano", starts_at=at(2027, 3, 3, 10), ends_at=at(2027, 3, 3, 11), status="cancelled"
        ),
        "private": make_event(title="Interni sestanek", public=False),
    }


def test_the_feed_of_all_events_parses_and_validates_with_correct_offsets(client, events):
    response = client.get("/dogodki.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal, v = _both(response.content)
    uids = {str(e["uid"]) for e in cal.walk("VEVENT")}
    assert "Interni sestanek" not in response.content.decode()
    assert len(uids) == 4 and all(u.startswith("event-") and "@" in u for u in uids)
    for e in cal.walk("VEVENT"):
        assert e.get("dtstamp") is not None and e.get("sequence") is not None
    tz = cal.walk("VTIMEZONE")[0]
    assert tz["tzid"] == "Europe/Ljubljana"
    summer = _vevent(v, f"event-{events['summer'].pk}@testserver")
    winter = _vevent(v, f"event-{events['winter'].pk}@testserver")
    # vobject reads the offsets from our VTIMEZONE, not from its own tz database
    assert summer.dtstart.value.utcoffset() == dt.timedelta(hours=2)
    assert winter.dtstart.value.utcoffset() == dt.timedelta(hours=1)
    assert "DTSTART;TZID=Europe/Ljubljana:20270701T180000" in response.content.decode()
    assert summer.dtstart.value.astimezone(dt.UTC).hour == 16
    assert winter.dtstart.value.astimezone(dt.UTC).hour == 17
    allday = _vevent(v, f"event-{events['allday'].pk}@testserver")
    assert allday.dtstart.value == dt.date(2027, 5, 1) and allday.dtend.value == dt.date(2027, 5, 3)
    assert "DTSTART;VALUE=DATE:20270501" in response.content.decode()
    cancelled = _vevent(v, f"event-{events['cancelled'].pk}@testserver")
    assert cancelled.status.value == "CANCELLED"
    assert summer.status.value == "CONFIRMED"
    assert response["ETag"] and response["Last-Modified"]
    assert client.get("/dogodki.ics", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_uid_stays_and_the_sequence_rises_when_an_event_changes(client, events, editor):
    event = events["summer"]
    services.event_update(
        editor, event, title="Poletni zbor (nova ura)", starts_at=at(2027, 7, 1, 19), via="web"
    )
    cal, v = _both(client.get(f"/dogodki/{event.pk}.ics").content)
    (item,) = cal.walk("VEVENT")
    assert str(item["uid"]) == f"event-{event.pk}@testserver"
    assert int(item["sequence"]) == 1
    assert item.decoded("dtstart").hour == 19


def test_feeds_per_organisation_and_category(client, events, org, make_event):
    other = make_event(
        title="Drug organizator",
        organisation=__import__("tests.factories", fromlist=["x"]).OrganisationFactory(),
    )
    body = client.get(f"/dogodki/organizacija/{org.slug}.ics").content.decode()
    _both(body.encode())
    assert "Poletni zbor" in body and other.title not in body
    body = client.get("/dogodki/kategorija/culture.ics").content.decode()
    _both(body.encode())
    assert "Praznik" in body and "Poletni zbor" not in body
    assert client.get("/dogodki/kategorija/nic.ics").status_code == 404
    assert client.get("/dogodki/organizacija/ni-je.ics").status_code == 404


def test_the_personal_feed_needs_its_token_and_shows_only_its_owner(
    client, events, resident, org, make_event
):
    other = __import__("tests.factories", fromlist=["x"]).UserFactory()
    open_event = make_event(title="Delavnica", registration=True, category="workshop")
    theirs = make_event(
        title="Tuja prijava",
        registration=True,
        organisation=__import__("tests.factories", fromlist=["x"]).OrganisationFactory(),
    )
    Registration.objects.create(event=open_event, user=resident)
    Registration.objects.create(event=theirs, user=other)
    token = services.feed_token(resident)
    assert client.get("/dogodki/moj/napacen-zeton.ics").status_code == 404
    response = client.get(f"/dogodki/moj/{token}.ics")
    assert response.status_code == 200
    cal, _v = _both(response.content)
    titles = {str(e["summary"]) for e in cal.walk("VEVENT")}
    assert titles == {"Delavnica"}
    assert client.get(f"/dogodki/moj/{token}.ics", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    services.follow(resident, org)
    cal, _v = _both(client.get(f"/dogodki/moj/{token}.ics").content)
    titles = {str(e["summary"]) for e in cal.walk("VEVENT")}
    assert "Poletni zbor" in titles and "Tuja prijava" not in titles and "Interni sestanek" not in titles
    new = services.feed_token_renew(resident)
    assert client.get(f"/dogodki/moj/{token}.ics").status_code == 404
    assert client.get(f"/dogodki/moj/{new}.ics").status_code == 200


def test_feeds_take_a_bounded_number_of_queries(client, make_event, django_assert_max_num_queries):
    for i in range(30):
        make_event(
            title=f"Dogodek {i}", starts_at=at(2027, 2, 1 + i % 27, 10), ends_at=at(2027, 2, 1 + i % 27, 11)
        )
    with django_assert_max_num_queries(6):
        assert client.get("/dogodki.ics").status_code == 200


def test_the_personal_feed_takes_a_bounded_number_of_queries(
    client, make_event, resident, org, django_assert_max_num_queries
):
    services.follow(resident, org)
    for i in range(20):
        event = make_event(title=f"Dogodek {i}", registration=True)
        Registration.objects.create(event=event, user=resident)
    token = services.feed_token(resident)
    with django_assert_max_num_queries(8):
        assert client.get(f"/dogodki/moj/{token}.ics").status_code == 200


def test_the_account_page_offers_a_new_feed_address(client, resident):
    token = services.feed_token(resident)
    client.force_login(resident)
    page = client.get("/racun/").content.decode()
    assert "/dogodki/moj/nov-naslov/" in page and "/dogodki/moji/" in page
    response = client.post("/dogodki/moj/nov-naslov/", {"next": "/racun/"})
    assert response.status_code == 302 and response["Location"] == "/racun/"
    assert services.feed_token(resident) != token
    assert client.get(f"/dogodki/moj/{token}.ics").status_code == 404
