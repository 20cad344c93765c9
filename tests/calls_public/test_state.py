"""The state filter in SQL (selectors.state_q) agrees with Call.state_at, at and around every boundary."""

from __future__ import annotations

import pytest

from regija.calls import selectors
from regija.calls.models import Call, CallState

from .conftest import DAY, NOW, make_call

pytestmark = pytest.mark.django_db
SECOND = DAY / 86400


def _sql_state(call, now) -> set[str]:
    return {
        s
        for s in CallState.values
        if Call.objects.filter(pk=call.pk).filter(selectors.state_q(s, now)).exists()
    }


def test_sql_rule_matches_the_model_rule(org):
    opens, closes = NOW - DAY, NOW + DAY
    calls = [
        make_call(org, "a", "published", opens=opens, closes=closes),
        make_call(org, "b", "published", opens=None, closes=closes),
        make_call(org, "c", "published", opens=opens, closes=None),
        make_call(org, "d", "published"),
        make_call(org, "e", "draft", opens=opens, closes=closes),
        make_call(org, "f", "evaluated", opens=opens, closes=closes),
        make_call(org, "g", "decided"),
        make_call(org, "h", "archived"),
    ]
    moments = [opens - SECOND, opens, opens + SECOND, NOW, closes - SECOND, closes, closes + SECOND]
    for call in calls:
        for now in moments:
            assert _sql_state(call, now) == {call.state_at(now)}, (call.slug, now)


def test_open_one_second_before_closing_and_closed_one_second_after(org):
    call = make_call(org, "rok", "published", opens=NOW - 10 * DAY, closes=NOW)
    before, at, after = NOW - SECOND, NOW, NOW + SECOND
    ids = lambda group, now: set(selectors.call_list(group=group, now=now).values_list("pk", flat=True))  # noqa: E731
    assert call.pk in ids("open", before) and call.pk not in ids("closed", before)
    assert call.pk in ids("open", at)  # the deadline second still counts
    assert call.pk in ids("closed", after) and call.pk not in ids("open", after)
    assert call.state_at(before) == "open" and call.state_at(after) == "closed"


def test_groups(calls):
    got = {
        g: set(
            selectors.call_list(group=g, organisation="las-preizkus", now=NOW).values_list("slug", flat=True)
        )
        for g in selectors.GROUPS
    }
    assert got == {
        "open": {"odprt"},
        "upcoming": {"prihajajoci"},
        "closed": {"zaprt", "ocenjen", "odlocen"},
        "archive": {"arhiviran"},
    }
    everything = list(selectors.call_list(now=NOW).filter(organisation__slug="las-preizkus"))
    assert "osnutek" not in {c.slug for c in everything}
    # grouped in the visitor's order: open, upcoming, closed, archive
    orders = [c.group_order for c in everything]
    assert orders == sorted(orders)
    assert [c.slug for c in everything][:2] == ["odprt", "prihajajoci"]


def test_next_change_is_the_nearest_opening_or_closing(calls):
    assert selectors.next_change(NOW) == calls["open"].closes_at
    assert selectors.next_change(calls["upcoming"].opens_at - SECOND) == calls["upcoming"].opens_at
    assert selectors.next_change(calls["upcoming"].opens_at + SECOND) == calls["upcoming"].closes_at
    assert selectors.next_change(calls["upcoming"].closes_at + SECOND) is None
