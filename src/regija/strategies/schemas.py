"""The API's schemas of indicators and observations, and indicator progress (which the portal's
strategy and node answers show too)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from regija.api.pagination import Page
from regija.api.schemas import Input
from regija.api.types import IsoDate, NumberOut
from regija.strategies.choices import IndicatorInferred


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
    held: int | None = Field(
        None, description="Direction maintain: how many observations held the level (percent: of measured)"
    )
    measured: int | None = Field(None, description="Direction maintain: how many observations there are")


def progress_out(prog) -> dict:
    return {
        "status": prog.status,
        "percent": prog.percent,
        "expected_percent": None if prog.expected is None else (prog.expected * 100).quantize(Decimal("0.1")),
        "latest_value": prog.latest_value,
        "latest_date": prog.latest_date,
        "missing": list(prog.missing),
        "problem": prog.problem,
        "held": prog.held,
        "measured": prog.measured,
    }


class ValueAt(Schema):
    value: NumberOut | None
    date: dt.date | None


class IndicatorItem(Schema):
    strategy: str
    code: str
    node: str
    name: str
    unit: str
    direction: str = Field(
        description="increase, decrease, reach or maintain (keep at least the target level)"
    )
    data_source: str
    baseline: ValueAt
    target: ValueAt
    progress: ProgressOut
    url: str


class IndicatorPage(Page[IndicatorItem]):
    pass


class ObservationOut(Schema):
    date: dt.date
    value: NumberOut
    source: str
    note: str


class IndicatorDetail(IndicatorItem):
    effect: str
    inferred: list[IndicatorInferred] = Field(
        description="Which of effect, unit and direction the data's author inferred: the source document "
        "does not state them outright"
    )
    note: str
    source: str
    observations: list[ObservationOut] = Field(description="Oldest first")
    web_url: str


class IndicatorFilters(Schema):
    strategy: str | None = Field(None, max_length=100, description="Strategy slug")
    node: str | None = Field(
        None,
        max_length=64,
        description="Node code within the strategy (needs strategy); includes the nodes below it",
    )

    @model_validator(mode="after")
    def _node_needs_strategy(self):
        if self.node and not self.strategy:
            raise ValueError("node needs strategy: a node code is unique only within its strategy")
        return self


# Indicator values are exact decimals with up to six places, and may be negative (a balance, a change);
# strategies.services.observation_value is the rule, this is how the API describes it.
VALUE_TEXT = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$")


_DECIMAL_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _value_text(value: object) -> object:
    """Text is digits with an optional sign and point (no spaces, exponent or "+"), as the schema says;
    how many digits, the service's rule says, with its own message."""
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "value_format", 'write the value as digits with at most six decimals, such as "-12.5"'
        )
    return value


ObservationValue = Field(
    max_digits=24,
    decimal_places=6,
    description="Exact decimal, up to 6 decimals and 15 digits before the point",
    json_schema_extra={
        "anyOf": [
            {"type": "string", "pattern": VALUE_TEXT.pattern},
            {"type": "number", "exclusiveMinimum": -1e15, "exclusiveMaximum": 1e15, "multipleOf": 0.000001},
        ]
    },
)


class ObservationIn(Input):
    date: IsoDate
    value: Annotated[Decimal, BeforeValidator(_value_text)] = ObservationValue
    source: str = Field("", max_length=300)
    note: str = Field("", max_length=5000)


class ObservationUpdate(Input):
    value: Annotated[Decimal, BeforeValidator(_value_text)] = ObservationValue
    source: str = Field("", max_length=300)
    note: str = Field("", max_length=5000)
