"""The strategy file format: pydantic models that validate a file and emit its JSON Schema.

This module needs no configured Django project – of Django it uses only the models' vocabularies
(TextChoices, from modules without models) – so a file can be checked anywhere with
``python -m regija.interchange.validate FILE…``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from regija.core.choices import OrganisationKind
from regija.projects.choices import InstrumentKind, PaymentState, ProjectStatus, Secured, StatedWhat
from regija.strategies.choices import AlignmentType, Direction, StrategyStatus

FORMAT_VERSION = 1

# --- scalar types ------------------------------------------------------------------------------

_MONEY_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")


def _to_money(value: Any) -> Decimal:
    """Accept a YAML number or a plain decimal string with at most two decimals."""
    if isinstance(value, bool):
        raise ValueError("money must be a number such as 1758500.00, not true/false")
    if isinstance(value, int):
        return Decimal(value).quantize(Decimal("0.01"))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("money must be a finite number")
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = value.strip()
        if not _MONEY_RE.match(text):
            raise ValueError(
                f"money must be a number with at most two decimals, written with a "
                f"decimal point and no thousands separators (e.g. 1758500.00), not {value!r}"
            )
    else:
        raise ValueError(f"money must be a number such as 1758500.00, not {type(value).__name__}")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex and repr() rule this out
        raise ValueError(f"money must be a number, not {value!r}") from exc
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"money has more than two decimals: {text} (cents are the smallest unit)")
    if amount.copy_abs() >= Decimal("1e13"):
        raise ValueError(f"money amount {text} is too large (at most 9999999999999.99)")
    return amount.quantize(Decimal("0.01"))


def _money_json(value: Decimal) -> float | int:
    return float(value) if value != value.to_integral_value() else int(value)


Money = Annotated[
    Decimal,
    BeforeValidator(_to_money),
    PlainSerializer(_money_json, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "multipleOf": 0.01},
                {"type": "string", "pattern": _MONEY_RE.pattern},
            ],
            "description": "Amount in EUR with at most two decimals, e.g. 1758500.00",
        }
    ),
]
NonNegativeMoney = Annotated[Money, Field(ge=0)]


def _to_number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("a value must be a number, not true/false")
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(
                f"a value must be a number with a decimal point (e.g. 4.5), not {value!r}"
            ) from None
    raise ValueError(f"a value must be a number, not {type(value).__name__}")


Number = Annotated[
    Decimal,
    BeforeValidator(_to_number),
    PlainSerializer(_money_json, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]


def _to_date(value: Any) -> dt.date:
    if type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real date ({exc})") from None
    raise ValueError(f"a date must be written YYYY-MM-DD (e.g. 2023-12-31), not {value!r}")


Date = Annotated[
    dt.date,
    BeforeValidator(_to_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]

_PARTIAL_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def partial_precision(text: str) -> str:
    """A partial date is known to the year (2019), the month (2019-03) or the day (2019-03-15)."""
    return {4: "year", 7: "month", 10: "day"}[len(text)]


def partial_first_day(text: str) -> dt.date:
    y, m, d = _PARTIAL_RE.match(text).groups()
    return dt.date(int(y), int(m or 1), int(d or 1))


def _to_partial(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError("a date must be written YYYY, YYYY-MM or YYYY-MM-DD")
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not _PARTIAL_RE.match(value.strip()):
        raise ValueError(f"a date must be written YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019-03), not {value!r}")
    text = value.strip()
    y, m, d = _PARTIAL_RE.match(text).groups()
    try:
        dt.date(int(y), int(m or 1), int(d or 1))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date ({exc})") from None
    return text


PartialDateField = Annotated[
    str,
    BeforeValidator(_to_partial),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
            "description": "YYYY, YYYY-MM or YYYY-MM-DD",
        }
    ),
]


def _to_code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        if isinstance(value, float):
            raise ValueError(
                f"a code must be text; YAML read {value!r} as a number, so put it in quotes "
                f'(e.g. code: "{value}")'
            )
        raise ValueError(f"a code must be text, not {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise ValueError("a code must not be empty")
    if len(text) > 64:
        raise ValueError("a code must be at most 64 characters")
    return text


Code = Annotated[str, BeforeValidator(_to_code), WithJsonSchema({"type": "string", "maxLength": 64})]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
Text = Annotated[str, Field(min_length=1)]
Level = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Source = Annotated[str, Field(min_length=1, max_length=300)]


# --- vocabularies ----------------------------------------------------------------------------
# The models' own TextChoices: every value a model stores can be written to a file and read back.
# (They come from Django-model-free modules, so this module still loads without a Django project.)

# What the value of a stated figure is: an amount of money, a count or a date.
STATED_AMOUNTS = frozenset(
    {StatedWhat.TOTAL, StatedWhat.SECURED, StatedWhat.UNSECURED, StatedWhat.PAID, StatedWhat.CLAIMED}
)
STATED_COUNTS = frozenset({StatedWhat.PROJECTS, StatedWhat.NODES})
STATED_DATES = frozenset({StatedWhat.TARGET_DATE, StatedWhat.OBSERVATION_DATE})


# --- records ---------------------------------------------------------------------------------


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class NodeRef(Model):
    """A node of another strategy, which must already be loaded or be imported in the same run."""

    strategy: Slug
    code: Code


Ref = Code | NodeRef


class Organisation(Model):
    slug: Slug
    name: Text
    short_name: str | None = None
    kind: OrganisationKind
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "SI"
    registration_number: str | None = None
    website: str | None = None
    parent: Slug | None = None
    address: str | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    source: Source | None = None


class Allocation(Model):
    owner: Slug
    period: Annotated[str, Field(pattern=r"^\d{4}(-\d{4})?$")] | None = None
    amount: NonNegativeMoney
    used_share: Annotated[Decimal, Field(ge=0, le=1)] | None = Field(
        None, description="Share of the allocation the source says was used, 0..1"
    )
    used_by: Date | None = Field(None, description="Date at which used_share holds")
    note: str | None = None
    source: Source | None = None


class Fund(Model):
    code: Code
    name: Text
    name_en: str | None = None
    allocations: list[Allocation] = []
    source: Source | None = None


class Period(Model):
    start: PartialDateField | None = None
    end: PartialDateField | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start and self.end and partial_first_day(self.end) < partial_first_day(self.start):
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self


class Adoption(Model):
    date: Date | None = None
    body: str | None = None


class SourceDocument(Model):
    title: Text
    reference: str | None = None
    url: str | None = None
    published: PartialDateField | None = None


class LevelLabel(Model):
    sl: Text
    en: str | None = None


class Strategy(Model):
    slug: Slug
    title: Text
    title_en: str | None = None
    description: str | None = None
    owners: list[Slug] = Field(min_length=1)
    territory: list[Text] = []
    period: Period = Period()
    adopted: Adoption | None = None
    status: StrategyStatus
    source: SourceDocument
    levels: dict[Level, LevelLabel] = Field(
        {}, description="Labels for the node levels this strategy uses, e.g. goal: {sl: Strateški cilj}"
    )


class Node(Model):
    code: Code
    level: Level
    title: Text
    title_en: str | None = None
    description: str | None = None
    responsible: list[Slug] = []
    planned_amount: NonNegativeMoney | None = Field(
        None, description="Money the document plans for this node without listing the projects"
    )
    planned_projects: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Number of projects the document plans for this node without listing them"
    )
    source: Source | None = None
    children: list[Node] = []


class Alignment(Model):
    from_: Ref = Field(alias="from")
    to: Ref
    type: AlignmentType
    note: str | None = None
    source: Source | list[Source] | None = None

    def sources(self) -> list[str]:
        if self.source is None:
            return []
        return [self.source] if isinstance(self.source, str) else list(self.source)


class Observation(Model):
    date: Date
    value: Number
    source: str | None = None
    note: str | None = None


class Point(Model):
    value: Number
    date: Date | None = None


class Indicator(Model):
    code: Code
    node: Code
    name: Text
    effect: str | None = None
    unit: str = ""
    direction: Direction = Direction.INCREASE
    data_source: str | None = None
    baseline: Point | None = None
    target: Point | None = None
    observations: list[Observation] = []
    note: str | None = None
    source: Source | None = None


class Location(Model):
    name: str | None = None
    municipality: str | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def _both(self) -> Location:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("a location needs both lat and lon, or neither")
        return self


class Partner(Model):
    organisation: Slug
    role: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")] = "partner"
    budget_share: NonNegativeMoney | None = None


class BudgetLine(Model):
    fund: Code
    amount: NonNegativeMoney
    secured: Secured
    secured_amount: NonNegativeMoney | None = Field(
        None, description="For secured: partly, the part that is secured"
    )
    note: str | None = None
    source: Source | None = None

    @model_validator(mode="after")
    def _partly(self) -> BudgetLine:
        if self.secured_amount is not None:
            if self.secured is not Secured.PARTLY:
                raise ValueError("secured_amount is only for secured: partly")
            if self.secured_amount > self.amount:
                raise ValueError(
                    f"secured_amount {self.secured_amount} is more than the amount {self.amount}"
                )
        return self


class Instrument(Model):
    kind: InstrumentKind | None = None
    number: str | None = None
    date: Date | None = None
    issuer: str | None = None


class Payment(Model):
    label: Text
    amount: NonNegativeMoney
    date: Date | None = None
    state: PaymentState
    fund: Code | None = Field(None, description="Needed only when the project has several funds")
    note: str | None = Field(None, description="For a rejected claim, the reason it was rejected")


class Withdrawal(Model):
    """When and why the holder stepped back or the programme withdrew the operation."""

    date: Date | None = None
    reason: str | None = None


class Project(Model):
    code: Code
    title: Text
    title_en: str | None = None
    description: str | None = None
    holder: Slug | None = None
    status: ProjectStatus
    start: PartialDateField | None = None
    end: PartialDateField | None = None
    location: Location | None = None
    nodes: list[Ref] = []
    partners: list[Partner] = []
    budget: list[BudgetLine] = []
    instrument: Instrument | None = None
    sustainability_years: Annotated[int, Field(ge=0, le=32767)] | None = Field(
        None,
        description="Years the operation must be kept up after its final payment, "
        "when not the programme's default",
    )
    payments: list[Payment] = []
    withdrawal: Withdrawal | None = Field(None, description="For status: withdrawn")
    note: str | None = None
    source: Source | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Project:
        if self.start and self.end and partial_first_day(self.end) < partial_first_day(self.start):
            raise ValueError(f"the project ends ({self.end}) before it starts ({self.start})")
        return self


class StatedScope(Model):
    node: Code | None = None
    fund: Code | None = None
    level: str | None = None
    status: list[ProjectStatus] = []


class Stated(Model):
    """A figure the document states, checked against what its parts add up to."""

    label: Text
    what: StatedWhat
    scope: StatedScope = StatedScope()
    value: Annotated[Any, WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]})]
    source: Source | None = None

    @model_validator(mode="after")
    def _kind(self) -> Stated:
        if self.what in STATED_COUNTS:
            if isinstance(self.value, bool) or not isinstance(self.value, int):
                raise ValueError(f"a stated count ({self.what.value}) must be a whole number")
        elif self.what in STATED_AMOUNTS:
            self.value = _to_money(self.value)
        elif self.what in STATED_DATES and not isinstance(self.value, dt.date):
            self.value = _to_date(self.value)
        return self


class StrategyFile(Model):
    """One strategy document with everything it holds."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        populate_by_name=True,
        title="Regija strategy file",
        json_schema_extra={"$id": "https://regija.si/schema/strategy-file-1.json"},
    )

    regija: Literal[1] = Field(description="Format version")
    strategy: Strategy
    organisations: list[Organisation] = []
    funds: list[Fund] = []
    nodes: list[Node] = []
    alignments: list[Alignment] = []
    indicators: list[Indicator] = []
    projects: list[Project] = []
    stated: list[Stated] = []


def json_schema() -> dict[str, Any]:
    schema = StrategyFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
