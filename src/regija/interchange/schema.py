"""The strategy file format: pydantic models that validate a file and emit its JSON Schema.

This module needs no configured Django project – of Django it uses only the models' vocabularies
(TextChoices, from modules without models) – so a file can be checked anywhere with
``python -m regija.interchange.validate FILE…``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from regija.core.choices import OrganisationKind
from regija.core.filetypes import (
    Code,
    Date,
    Money,
    Number,
    PartialDateField,
    Slug,
    WebURL,
    parse_date,
    parse_money,
    partial_first_day,
)
from regija.core.translate import gettext
from regija.projects.choices import InstrumentKind, PaymentState, ProjectStatus, Secured, StatedWhat
from regija.strategies.choices import AlignmentType, Direction, IndicatorInferred, StrategyStatus

FORMAT_VERSION = 1

# --- scalar types (the generic ones are in regija.core.filetypes) ------------------------------

NonNegativeMoney = Annotated[Money, Field(ge=0)]
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
STATED_COUNTS = frozenset(
    {
        StatedWhat.PROJECTS,
        StatedWhat.NODES,
        StatedWhat.COUNTRIES,
        StatedWhat.PAID_IN_FULL,
        StatedWhat.TERRITORY,
    }
)
STATED_YEARS = frozenset({StatedWhat.YEAR})
STATED_DATES = frozenset({StatedWhat.TARGET_DATE, StatedWhat.OBSERVATION_DATE})
# whole-number values (counts and years) are stored in the figure's count
STATED_WHOLE = STATED_COUNTS | STATED_YEARS


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
    website: Annotated[WebURL, Field(max_length=300)] | None = None
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

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: str | None, info: ValidationInfo) -> str | None:
        start = info.data.get("start")
        if start and end and partial_first_day(end) < partial_first_day(start):
            raise ValueError(
                gettext("the period ends (%(end)s) before it starts (%(start)s)")
                % {"end": end, "start": start}
            )
        return end


class Adoption(Model):
    date: Date | None = None
    body: str | None = None


class SourceDocument(Model):
    title: Text
    reference: str | None = None
    url: Annotated[WebURL, Field(max_length=500)] | None = None
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
    inferred: list[IndicatorInferred] = Field(
        [],
        description="Which of effect, unit and direction the document does not state outright: the file's "
        "author inferred them (paired by a table's row order, read from the name); the portal marks them",
    )
    note: str | None = None
    source: Source | None = None

    @model_validator(mode="after")
    def _inferred(self) -> Indicator:
        if len(set(self.inferred)) != len(self.inferred):
            raise ValueError(gettext("inferred lists a value twice"))
        for name in (IndicatorInferred.EFFECT, IndicatorInferred.UNIT):
            if name in self.inferred and not getattr(self, name.value):
                raise ValueError(
                    gettext("inferred names %(field)s, but the indicator has no %(field)s")
                    % {"field": name.value}
                )
        return self


class Location(Model):
    name: str | None = None
    municipality: str | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def _both(self) -> Location:
        if (self.lat is None) != (self.lon is None):
            raise ValueError(gettext("a location needs both lat and lon, or neither"))
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

    @field_validator("secured_amount")
    @classmethod
    def _partly(cls, secured_amount: Decimal | None, info: ValidationInfo) -> Decimal | None:
        # checked on the field itself, so that the problem is placed on its line
        if secured_amount is not None:
            secured, amount = info.data.get("secured"), info.data.get("amount")
            if secured is not None and secured is not Secured.PARTLY:
                raise ValueError(gettext("secured_amount is only for secured: partly"))
            if amount is not None and secured_amount > amount:
                raise ValueError(
                    gettext("secured_amount %(secured)s is more than the amount %(amount)s")
                    % {"secured": secured_amount, "amount": amount}
                )
        return secured_amount


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

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: str | None, info: ValidationInfo) -> str | None:
        start = info.data.get("start")
        if start and end and partial_first_day(end) < partial_first_day(start):
            raise ValueError(
                gettext("the project ends (%(end)s) before it starts (%(start)s)")
                % {"end": end, "start": start}
            )
        return end


class StatedScope(Model):
    node: Code | None = None
    fund: Code | None = None
    level: str | None = None
    status: list[ProjectStatus] = []
    projects: list[Code] = Field(
        [], description="Codes of this file's projects the figure is about (instead of or within node)"
    )
    strategy: Slug | None = Field(
        None,
        description="For territory: another strategy whose territory the figure counts "
        "(loaded before or after this file; checked when `regija check` runs)",
    )


class Stated(Model):
    """A figure the document states, checked against what its parts add up to."""

    label: Text
    what: StatedWhat
    scope: StatedScope = StatedScope()
    value: Annotated[Any, WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]})]
    source: Source | None = None

    @field_validator("value")
    @classmethod
    def _kind(cls, value: Any, info: ValidationInfo) -> Any:
        # checked on the field itself, so that a bad value is placed at stated › … › value
        what = info.data.get("what")
        if what in STATED_COUNTS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(
                    gettext("a stated count (%(what)s) must be a whole number") % {"what": what.value}
                )
        elif what in STATED_YEARS:
            if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
                raise ValueError(
                    gettext("a stated year (%(what)s) must be a year such as 2018") % {"what": what.value}
                )
        elif what in STATED_AMOUNTS:
            return parse_money(value)
        elif what in STATED_DATES and not isinstance(value, dt.date):
            return parse_date(value)
        return value

    @model_validator(mode="after")
    def _scope(self) -> Stated:
        if self.scope.strategy is not None and self.what is not StatedWhat.TERRITORY:
            raise ValueError(gettext("scope.strategy is only for what: territory"))
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
