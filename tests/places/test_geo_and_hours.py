"""Distances, directions and opening hours: expected values from the formulas' definitions and the
calendar, not from our output."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from regija.places import geo, hours

from .conftest import HALL, destination

LJ = ZoneInfo("Europe/Ljubljana")


def test_a_degree_of_latitude_is_the_mean_radius_times_pi_over_180():
    assert geo.haversine(15.0, 46.0, 15.0, 47.0) == pytest.approx(
        6_371_008.8 * 3.141592653589793 / 180, rel=1e-9
    )


@pytest.mark.parametrize(
    ("to", "expected"),
    [((1.0, 0.0), 0.0), ((0.0, 1.0), 90.0), ((-1.0, 0.0), 180.0), ((0.0, -1.0), 270.0)],
)
def test_bearings_on_the_equator_and_meridian_are_the_cardinal_points(to, expected):
    assert geo.bearing(0.0, 0.0, *to) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("bearing", "sl", "en"),
    [(0, "sever", "north"), (45, "severovzhod", "north-east"), (135, "jugovzhod", "south-east"),
     (225, "jugozahod", "south-west"), (315, "severozahod", "north-west"), (350, "sever", "north")],
)  # fmt: skip
def test_three_hundred_metres_in_each_direction_is_said_so(bearing, sl, en):
    lat, lon = destination(*HALL, bearing, 300)
    measured = geo.bearing(*HALL, lat, lon)
    assert geo.haversine(HALL[1], HALL[0], lon, lat) == pytest.approx(300, abs=0.01)
    with translation.override("en"):
        assert f"{geo.distance_text(300)} {geo.compass(measured)}" == f"300 m {en}"
    with translation.override("sl"):
        assert f"{geo.distance_text(300)} {geo.compass(measured)}" == f"300 m {sl}"


def test_long_distances_are_in_kilometres_with_the_languages_decimal_mark():
    with translation.override("sl"):
        assert geo.distance_text(1234) == "1,2 km"
    with translation.override("en"):
        assert geo.distance_text(1234) == "1.2 km"


def test_positions_outside_slovenia_or_malformed_are_refused_with_a_reason():
    assert geo.parse_position("46.3592, 15.1103") == HALL
    with translation.override("en"):
        with pytest.raises(ValueError, match="outside the territory"):
            geo.parse_position("48.2082,16.3738")  # Vienna
        with pytest.raises(ValueError, match="outside the territory"):
            geo.parse_position("15.1103,46.3592")  # swapped
        for bad in ("", "46.3", "abc,def", "nan,nan", "46.3;15.1;3"):
            with pytest.raises(ValueError, match="latitude,longitude"):
                geo.parse_position(bad)


def test_opening_hours_say_open_now_and_when_that_changes():
    text = "Mo-Fr 08:00-16:00; PH off"
    monday_evening = dt.datetime(2026, 12, 7, 17, 0, tzinfo=LJ)  # 7 December 2026 is a Monday
    state = hours.status(text, monday_evening)
    assert state.open is False
    assert state.next_change.replace(tzinfo=None) == dt.datetime(2026, 12, 8, 8, 0)
    state = hours.status(text, dt.datetime(2026, 12, 24, 10, 0, tzinfo=LJ))  # Thursday, a working day
    assert state.open is True
    assert state.next_change.replace(tzinfo=None) == dt.datetime(2026, 12, 24, 16, 0)
    # 25 December (Christmas) and 26 December (Independence and Unity Day) are public holidays in Slovenia
    assert hours.status(text, dt.datetime(2026, 12, 25, 10, 0, tzinfo=LJ)).open is False
    assert hours.status("24/7", monday_evening) == hours.Status(True, None)
    assert hours.status("", monday_evening) == hours.Status(None, None)


def test_malformed_opening_hours_are_refused_with_where_they_stop_making_sense():
    with pytest.raises(hours.InvalidHours) as caught:
        hours.check("Mo-Fr 8-16 uhr")
    assert caught.value.column is not None
    hours.check("Apr-Oct 00:00-24:00")
