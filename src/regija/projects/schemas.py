"""The API's schemas of projects, their money, the map and funds, and of the writes staff make."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field

from regija.api.pagination import Page
from regija.api.schemas import Input, Party
from regija.api.types import (
    MoneyIn,
    MoneyOut,
    NumberOut,
    OptionalIsoDate,
    OptionalMoneyIn,
    PartialDate,
)

from . import selectors
from .models import PaymentState, ProjectStatus, Secured


class MoneySummary(Schema):
    """Money of a set of projects, each project counted once; a withdrawn project's planned money is
    not in total, secured or unsecured but in withdrawn_total."""

    projects: int = Field(description="Projects, the withdrawn included")
    total: MoneyOut = Field(description="Budget lines of the projects not withdrawn")
    secured: MoneyOut = Field(
        description="Secured lines in full plus the stated part of partly secured lines"
    )
    secured_unknown: MoneyOut = Field(
        description="Partly secured lines whose secured part the source does not give "
        "(somewhere between 0 and this)"
    )
    unsecured: MoneyOut
    paid: MoneyOut
    claimed: MoneyOut
    withdrawn: int = Field(description="Of the projects, how many are withdrawn")
    withdrawn_total: MoneyOut = Field(description="Budget lines of the withdrawn projects")


def money_summary(rollup) -> dict:
    return {
        "projects": rollup.projects,
        "total": rollup.total,
        "secured": rollup.secured,
        "secured_unknown": rollup.secured_unknown,
        "unsecured": rollup.unsecured,
        "paid": rollup.paid,
        "claimed": rollup.claimed,
        "withdrawn": rollup.withdrawn,
        "withdrawn_total": rollup.withdrawn_total,
    }


class FundMoney(Schema):
    code: str
    name: str
    name_en: str
    projects: int = Field(description="Projects with a budget line from this fund")
    total: MoneyOut = Field(description="Budget lines from this fund, of projects not withdrawn")
    approved: MoneyOut = Field(description="Secured (approved) part of those lines")
    withdrawn_total: MoneyOut = Field(
        description="Budget lines from this fund of withdrawn projects (not in total or approved)"
    )
    secured_unknown: MoneyOut = Field(description="Partly secured lines whose secured part is not known")
    paid: MoneyOut
    claimed: MoneyOut
    allocated: MoneyOut | None = Field(
        description="What the fund allocates to the owners; null when not known"
    )
    allocated_paid: MoneyOut = Field(
        description="Of paid, what counts against those allocations: payments of projects of the "
        "allocation's owner (the owner of the project's strategy, or the organisation of its call)"
    )
    unallocated_paid: MoneyOut = Field(
        description="Of paid, what counts against no allocation: projects whose owners hold none of this fund"
    )
    absorption: NumberOut | None = Field(
        description="allocated_paid as a share of allocated (0–1, four decimals); null without an allocation"
    )


class FundPage(Page[FundMoney]):
    pass


class FundFilters(Schema):
    strategy: str | None = Field(
        None, max_length=100, description="Only the projects and allocations of this strategy"
    )


class ProjectMoney(Schema):
    total: MoneyOut
    secured: MoneyOut
    secured_unknown: MoneyOut
    paid: MoneyOut
    claimed: MoneyOut


class Location(Schema):
    name: str
    municipality: str
    lat: float | None
    lon: float | None


class ProjectItem(Schema):
    strategy: str = Field(description="Slug of the strategy that lists the project")
    code: str
    title: str
    title_en: str
    status: ProjectStatus
    holder: Party | None = Field(
        description="The organisation that holds the project; a natural person is not named"
    )
    start: str = Field(description="Partial ISO date or empty")
    end: str
    location: Location
    money: ProjectMoney
    url: str
    web_url: str


class ProjectPage(Page[ProjectItem]):
    pass


class Point(Schema):
    type: str = Field("Point", pattern="^Point$")
    coordinates: list[float] = Field(description="[longitude, latitude]", min_length=2, max_length=2)


class FeatureProperties(Schema):
    strategy: str
    code: str
    title: str
    location_name: str
    municipality: str
    approximate: bool = Field(
        description="True when placed at the municipality's seat for want of an exact location"
    )
    url: str
    web_url: str


class Feature(Schema):
    type: str = Field("Feature", pattern="^Feature$")
    geometry: Point
    properties: FeatureProperties


class FeatureCollection(Schema):
    type: str = Field("FeatureCollection", pattern="^FeatureCollection$")
    features: list[Feature]
    truncated: bool = Field(description=f"True when more than {selectors.MAP_LIMIT} projects matched")


class ProjectPartnerOut(Schema):
    organisation: Party
    role: str
    budget_share: MoneyOut | None


class BudgetLineOut(Schema):
    id: int
    fund: str = Field(description="Fund code")
    amount: MoneyOut
    secured: Secured
    secured_amount: MoneyOut | None = Field(
        description="The secured part of a partly secured line, when known"
    )
    note: str


class PaymentOut(Schema):
    id: int
    fund: str = Field(description="Fund code")
    label: str
    amount: MoneyOut
    date: dt.date | None
    state: PaymentState
    note: str


class NodeLink(Schema):
    strategy: str
    code: str
    title: str


class ProjectInstrument(Schema):
    kind: str
    number: str
    date: dt.date | None
    issuer: str


class ProjectDetail(ProjectItem):
    description: str
    note: str
    source: str
    instrument: ProjectInstrument
    partners: list[ProjectPartnerOut]
    budget_lines: list[BudgetLineOut]
    payments: list[PaymentOut]
    nodes: list[NodeLink] = Field(description="Strategy nodes the project serves, in any strategy")


# lat and lon come together: both numbers, or both null (docs/api.md)
_LAT_LON_TOGETHER = {
    "dependentRequired": {"lat": ["lon"], "lon": ["lat"]},
    "allOf": [
        {
            "if": {"required": [a], "properties": {a: {"type": "null"}}},
            "then": {"properties": {b: {"type": "null"}}},
            "else": {"properties": {b: {"type": "number"}}},
        }
        for a, b in (("lat", "lon"), ("lon", "lat"))
    ],
}


class ProjectPatch(Input):
    model_config = ConfigDict(str_strip_whitespace=True, json_schema_extra=_LAT_LON_TOGETHER)

    status: ProjectStatus = Field(None)
    title: str = Field(None, min_length=1, max_length=2000)
    description: str = Field(None, max_length=50_000)
    start: PartialDate = Field(None, description="2023, 2023-06 or 2023-06-15; empty when unknown")
    end: PartialDate = Field(None, description="2023, 2023-06 or 2023-06-15; empty when unknown")
    municipality: str = Field(None, max_length=100)
    location_name: str = Field(None, max_length=300)
    lat: float | None = Field(
        None, ge=-90, le=90, description="Latitude (WGS 84); null clears it, together with lon"
    )
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude (WGS 84)")

    def lat_lon_apart(self) -> str | None:
        """The one of lat and lon missing or null while the other is sent, or None when they come
        together (both numbers, both null, or neither sent)."""
        sent = self.model_fields_set & {"lat", "lon"}
        if not sent:
            return None
        if sent == {"lat"} or (sent == {"lat", "lon"} and self.lon is None and self.lat is not None):
            return "lon"
        if sent == {"lon"} or (self.lat is None and self.lon is not None):
            return "lat"
        return None


class PaymentIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    fund: str = Field(min_length=1, max_length=64, description="Fund code, e.g. CLLD")
    label: str = Field(min_length=1, max_length=200, description="Phase or claim, e.g. '2. zahtevek'")
    amount: MoneyIn
    date: OptionalIsoDate = None
    state: PaymentState
    note: str = Field("", max_length=5000)


class BudgetLinePatch(Input):
    amount: MoneyIn = Field(None)
    secured: Secured = Field(None)
    secured_amount: OptionalMoneyIn = Field(
        None, description="Only for secured: partly; null when the source does not say how much"
    )
    note: str = Field(None, max_length=5000)
