"""Progress of an indicator: the share of the way from baseline to target, and whether it is on track.

Pure functions over plain values, so the same maths serves pages, the API and reports and can be
tested without a database. An indicator that lacks a baseline, a target or observations gets no
figure at all, only the list of what is missing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

# How far (as a share of the whole way) an indicator may lag the straight path and still be "at risk"
# rather than "off track".
AT_RISK_MARGIN = Decimal("0.10")


class Status:
    ACHIEVED = "achieved"  # the latest value meets the target
    ON_TRACK = "on_track"  # at or ahead of the straight path from baseline to target
    AT_RISK = "at_risk"  # behind the path by no more than AT_RISK_MARGIN
    OFF_TRACK = "off_track"  # further behind, moving away, or the target date passed unmet
    NO_SCHEDULE = "no_schedule"  # progress is known but a date is missing to judge the pace
    INCOMPLETE = "incomplete"  # baseline, target or observations missing: no figure
    INCONSISTENT = "inconsistent"  # the target lies the wrong way for the direction, or dates reversed

    ON_TRACK_OR_BETTER = (ACHIEVED, ON_TRACK)


@dataclasses.dataclass(frozen=True)
class Progress:
    status: str
    share: Decimal | None = None  # 0 at baseline, 1 at target; may be below 0 or above 1
    expected: Decimal | None = None  # where the straight path is at the latest observation's date
    latest_value: Decimal | None = None
    latest_date: dt.date | None = None
    missing: tuple[str, ...] = ()
    problem: str = ""
    # direction "maintain": of the observations, how many held the level (``held``) of how many
    held: int | None = None
    measured: int | None = None

    @property
    def percent(self) -> Decimal | None:
        return None if self.share is None else (self.share * 100).quantize(Decimal("0.1"))

    @property
    def on_track(self) -> bool:
        return self.status in Status.ON_TRACK_OR_BETTER


def target_met(direction: str, value: Decimal, target: Decimal) -> bool:
    """Whether ``value`` reaches ``target`` in the indicator's direction (at most it, for a decrease; at
    least it, for a level to maintain)."""
    if direction == "decrease":
        return value <= target
    if direction == "reach":
        return value == target
    return value >= target


def compute(
    *,
    direction: str,
    baseline_value: Decimal | None,
    baseline_date: dt.date | None,
    target_value: Decimal | None,
    target_date: dt.date | None,
    observations: list[tuple[dt.date, Decimal]],
    as_of: dt.date | None = None,
) -> Progress:
    """Progress from the latest observation on or before ``as_of`` (all of them when not given)."""
    if as_of is not None:
        observations = [o for o in observations if o[0] <= as_of]
    missing = []
    if baseline_value is None:
        missing.append("baseline")
    if target_value is None:
        missing.append("target")
    if not observations:
        missing.append("observations")
    latest_date, latest_value = max(observations) if observations else (None, None)
    if missing:
        return Progress(
            Status.INCOMPLETE, latest_value=latest_value, latest_date=latest_date, missing=tuple(missing)
        )

    if direction == "maintain":
        return _maintained(baseline_value, target_value, target_date, observations, latest_date, latest_value)

    span = target_value - baseline_value
    if direction == "increase" and span < 0 or direction == "decrease" and span > 0:
        return Progress(
            Status.INCONSISTENT,
            latest_value=latest_value,
            latest_date=latest_date,
            problem=f"the target ({target_value}) lies the wrong way from the baseline ({baseline_value}) "
            f"for an indicator that should {direction}",
        )
    met = target_met(direction, latest_value, target_value)
    if span == 0:
        # A zero-length way (keep a value at its level): all of it is done when the target holds.
        share = Decimal(1) if met else Decimal(0)
    else:
        share = (latest_value - baseline_value) / span
        if share == 0:  # 0 / a negative span (a decrease not yet begun) is Decimal("-0"): shown "-0,0 %"
            share = Decimal(0)
    base = dict(share=share, latest_value=latest_value, latest_date=latest_date)

    if met:
        return Progress(Status.ACHIEVED, expected=_expected(baseline_date, target_date, latest_date), **base)
    if baseline_date is None or target_date is None:
        gaps = tuple(
            n for n, d in (("baseline_date", baseline_date), ("target_date", target_date)) if d is None
        )
        return Progress(Status.NO_SCHEDULE, missing=gaps, **base)
    if target_date <= baseline_date:
        return Progress(
            Status.INCONSISTENT,
            problem=f"the target date ({target_date}) is not after the baseline date ({baseline_date})",
            **base,
        )
    expected = _expected(baseline_date, target_date, latest_date)
    if latest_date >= target_date:
        return Progress(Status.OFF_TRACK, expected=expected, **base)
    if share >= expected:
        status = Status.ON_TRACK
    elif share >= 0 and share >= expected - AT_RISK_MARGIN:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    return Progress(status, expected=expected, **base)


def _expected(start: dt.date | None, end: dt.date | None, when: dt.date) -> Decimal | None:
    if start is None or end is None or end <= start:
        return None
    fraction = Decimal((when - start).days) / Decimal((end - start).days)
    return min(max(fraction, Decimal(0)), Decimal(1))


def _maintained(
    baseline_value: Decimal,
    target_value: Decimal,
    target_date: dt.date | None,
    observations: list[tuple[dt.date, Decimal]],
    latest_date: dt.date,
    latest_value: Decimal,
) -> Progress:
    """A level to keep (direction "maintain"; docs/strategy-file.md "Indicator progress"): the target is
    the least value to hold, usually the baseline itself. The latest value decides – it holds the level:
    on track (achieved once the target date is reached); below it: off track – and ``share`` is the
    share of the observations that held it (``held`` of ``measured``): how steadily it was kept."""
    if target_value > baseline_value:
        return Progress(
            Status.INCONSISTENT,
            latest_value=latest_value,
            latest_date=latest_date,
            problem=f"the level to maintain ({target_value}) lies above the baseline ({baseline_value}): "
            "that is an increase",
        )
    held = sum(1 for _date, value in observations if value >= target_value)
    base = dict(
        share=Decimal(held) / Decimal(len(observations)),
        latest_value=latest_value,
        latest_date=latest_date,
        held=held,
        measured=len(observations),
    )
    if latest_value < target_value:
        return Progress(Status.OFF_TRACK, **base)
    if target_date is not None and latest_date >= target_date:
        return Progress(Status.ACHIEVED, **base)
    return Progress(Status.ON_TRACK, **base)
