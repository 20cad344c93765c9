"""Progress maths: share of the way from baseline to target, and on track / at risk / off track."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from regija.strategies.progress import Status, compute

D = Decimal
BASE = dt.date(2020, 1, 1)
TARGET = dt.date(2030, 1, 1)
# 2025-01-01 is 1827 of the 3653 days between baseline and target: just over half way
HALF = dt.date(2025, 1, 1)


ZERO, HUNDRED = D(0), D(100)


def progress(
    observations, *, direction="increase", baseline=ZERO, target=HUNDRED, bdate=BASE, tdate=TARGET, **kw
):
    return compute(
        direction=direction,
        baseline_value=baseline,
        baseline_date=bdate,
        target_value=target,
        target_date=tdate,
        observations=[(d, D(v)) for d, v in observations],
        **kw,
    )


def test_half_way_on_half_time_is_on_track():
    p = progress([(HALF, 51)])
    assert p.share == D("0.51")
    assert p.status == Status.ON_TRACK
    assert p.percent == D("51.0")


def test_slightly_behind_is_at_risk_and_far_behind_is_off_track():
    assert progress([(HALF, 45)]).status == Status.AT_RISK
    assert progress([(HALF, 30)]).status == Status.OFF_TRACK


def test_moving_away_from_the_target_is_off_track():
    p = progress([(HALF, -5)])
    assert p.share == D("-0.05")
    assert p.status == Status.OFF_TRACK


def test_latest_observation_counts():
    p = progress([(dt.date(2021, 1, 1), 90), (HALF, 40), (dt.date(2022, 6, 1), 10)])
    assert p.latest_date == HALF
    assert p.latest_value == D(40)


def test_decreasing_indicator():
    # unemployment from 8 % to 4 %: at 6 % half of the way is done
    p = progress([(HALF, "6")], direction="decrease", baseline=D(8), target=D(4))
    assert p.share == D("0.5")
    assert p.status == Status.AT_RISK  # a little behind 50.0… % of the time
    assert (
        progress([(HALF, "5.5")], direction="decrease", baseline=D(8), target=D(4)).status == Status.ON_TRACK
    )
    worse = progress([(HALF, "9")], direction="decrease", baseline=D(8), target=D(4))
    assert worse.share == D("-0.25")
    assert worse.status == Status.OFF_TRACK


def test_values_past_the_target_are_achieved_with_share_above_one():
    p = progress([(HALF, 120)])
    assert p.status == Status.ACHIEVED
    assert p.share == D("1.2")
    down = progress([(HALF, 2)], direction="decrease", baseline=D(8), target=D(4))
    assert down.status == Status.ACHIEVED
    assert down.share == D("1.5")


def test_target_equal_to_baseline():
    kept = progress([(HALF, 10)], baseline=D(10), target=D(10))
    assert kept.status == Status.ACHIEVED
    assert kept.share == D(1)
    dropped = progress([(HALF, 9)], baseline=D(10), target=D(10))
    assert dropped.share == D(0)
    assert dropped.status == Status.OFF_TRACK


def test_reach_a_value_exactly():
    assert progress([(HALF, 100)], direction="reach").status == Status.ACHIEVED
    overshoot = progress([(HALF, 130)], direction="reach")
    assert overshoot.status == Status.ON_TRACK  # the way is covered, but the value is not the target yet
    assert overshoot.share == D("1.3")


def test_missing_baseline_target_or_observations_gives_no_figure():
    p = compute(
        direction="increase",
        baseline_value=None,
        baseline_date=None,
        target_value=None,
        target_date=None,
        observations=[],
    )
    assert p.status == Status.INCOMPLETE
    assert p.share is None and p.percent is None
    assert p.missing == ("baseline", "target", "observations")
    only_obs = progress([(HALF, 5)], baseline=None)
    assert only_obs.missing == ("baseline",)
    assert only_obs.latest_value == D(5)  # the value itself is still shown
    assert progress([], target=D(100)).missing == ("observations",)


def test_missing_dates_give_progress_but_no_pace():
    p = progress([(HALF, 50)], bdate=None)
    assert p.share == D("0.5")
    assert p.status == Status.NO_SCHEDULE
    assert p.missing == ("baseline_date",)
    assert progress([(HALF, 50)], tdate=None).missing == ("target_date",)
    # the target reached needs no schedule
    assert progress([(HALF, 100)], bdate=None, tdate=None).status == Status.ACHIEVED


def test_target_date_passed_without_reaching_it_is_off_track():
    p = progress([(dt.date(2031, 1, 1), 99)])
    assert p.expected == D(1)
    assert p.status == Status.OFF_TRACK


def test_inconsistent_definitions_are_reported_not_computed():
    wrong_way = progress([(HALF, 50)], direction="increase", baseline=D(100), target=D(50))
    assert wrong_way.status == Status.INCONSISTENT
    assert "wrong way" in wrong_way.problem
    reversed_dates = progress([(HALF, 50)], bdate=TARGET, tdate=BASE)
    assert reversed_dates.status == Status.INCONSISTENT


def test_as_of_ignores_later_observations():
    p = progress([(dt.date(2022, 1, 1), 10), (HALF, 90)], as_of=dt.date(2023, 1, 1))
    assert p.latest_value == D(10)


@given(
    a=st.decimals(min_value=-1000, max_value=1000, places=2),
    b=st.decimals(min_value=-1000, max_value=1000, places=2),
)
def test_share_grows_with_the_value_for_an_increasing_indicator(a, b):
    low, high = sorted((a, b))
    p_low = progress([(HALF, low)], baseline=D(0), target=D(100))
    p_high = progress([(HALF, high)], baseline=D(0), target=D(100))
    assert p_low.share <= p_high.share


@given(value=st.decimals(min_value=-1000, max_value=1000, places=2))
def test_increase_and_decrease_are_mirror_images(value):
    up = progress([(HALF, value)], direction="increase", baseline=D(0), target=D(100))
    down = progress([(HALF, -value)], direction="decrease", baseline=D(0), target=D(-100))
    assert up.share == down.share
    assert up.status == down.status
