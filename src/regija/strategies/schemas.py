"""API schemas of strategies that other apps' routers answer with too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from regija.api.types import NumberOut


class ProgressOut(Schema):
    status: str = Field(
        description="achieved, on_track, at_risk, off_track, no_schedule, incomplete or inconsistent"
    )
    percent: NumberOut | None = Field(description="Share of the way from baseline to target, in percent")
    expected_percent: NumberOut | None = Field(
        description="Where the straight path is at the latest observation"
    )
    latest_value: NumberOut | None
    latest_date: dt.date | None
    missing: list[str] = Field(
        description="What is missing to compute progress (baseline, target, observations, dates)"
    )
    problem: str


def progress_out(prog) -> dict:
    return {
        "status": prog.status,
        "percent": prog.percent,
        "expected_percent": None if prog.expected is None else (prog.expected * 100).quantize(Decimal("0.1")),
        "latest_value": prog.latest_value,
        "latest_date": prog.latest_date,
        "missing": list(prog.missing),
        "problem": prog.problem,
    }
