"""The schemas of the portal's API: strategies and nodes with their money, organisations with all they do."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from regija.api.pagination import Page
from regija.api.schemas import Input, OrgRef
from regija.api.types import MoneyOut
from regija.core.models import OrganisationKind
from regija.core.validators import url_problem
from regija.projects.schemas import FundMoney, MoneySummary
from regija.strategies.models import StrategyStatus
from regija.strategies.schemas import ProgressOut


class LevelCount(Schema):
    level: str
    label: str = Field(description="The level's name in the request's language (Accept-Language: sl or en)")
    count: int


class IndicatorCounts(Schema):
    total: int
    on_track_or_better: int = Field(description="Achieved or on track")
    by_status: dict[str, int]


class Period(Schema):
    start: str = Field(description="Partial ISO date (2022, 2022-03 or 2022-03-15) or empty")
    end: str


class StrategyItem(Schema):
    slug: str
    title: str
    title_en: str
    status: StrategyStatus
    period: Period
    owners: list[OrgRef]
    levels: list[LevelCount] = Field(description="Nodes per level, in tree order")
    node_count: int
    project_count: int = Field(description="Projects listed in the strategy")
    money: MoneySummary = Field(
        description="Projects listed in the strategy or linked to its nodes, each once"
    )
    indicators: IndicatorCounts
    url: str
    web_url: str


class StrategyPage(Page[StrategyItem]):
    pass


class NodeItem(Schema):
    code: str
    parent: str | None = Field(description="Code of the parent node")
    level: str
    title: str
    title_en: str
    depth: int
    planned_amount: MoneyOut | None
    planned_projects: int | None
    money: MoneySummary = Field(description="Projects linked to this node or any node below it, each once")


class NodeRef(Schema):
    strategy: str
    code: str
    title: str


class AlignmentItem(Schema):
    source: NodeRef
    target: NodeRef
    type: str
    declared_in: str = Field(description="Slug of the strategy whose file declares the link")
    note: str


PUBLISHED_URL = (
    "An http:// or https:// address, or empty; an address stored in another scheme (before the rule "
    "of regija.core.validators) is never given"
)


class SourceDocument(Schema):
    title: str
    reference: str
    url: str = Field(description=PUBLISHED_URL)
    published: str


class StrategyDetail(StrategyItem):
    description: str
    territory: list[str]
    adopted_on: dt.date | None
    adopted_by: str
    source: SourceDocument
    nodes: list[NodeItem] = Field(description="All nodes as a flat list in tree order")
    alignments: list[AlignmentItem] = Field(description="Links from or to this strategy's nodes")
    funds: list[FundMoney] = Field(description="Money of the strategy's projects per fund")


# What the API's web address fields take, as a pattern of the document (the rule is
# core.validators.url_problem): an http(s) address with a host name – or nothing – with space around it
# allowed (it is stripped). The pattern is a little stricter than the rule (no IP addresses or localhost,
# ASCII only), so every address it allows is taken.
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?"
_SPACE = (  # what str.strip() takes away
    "[\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*"
)
WEB_ADDRESS_PATTERN = (
    f"^{_SPACE}(?:https?://{_LABEL}(?:\\.{_LABEL}){{0,3}}\\.[A-Za-z]{{2,63}}"
    f"(?::[0-9]{{1,5}})?(?:[/?#][!-~]*)?)?{_SPACE}$"
)


class StrategyPatch(Input):
    status: StrategyStatus = Field(None)
    title: str = Field(None, min_length=1, max_length=500)
    description: str = Field(None, max_length=50_000)
    source_url: str = Field(
        None,
        max_length=500,
        description="Address of the source document: http:// or https://, or empty to remove it",
        json_schema_extra={"pattern": WEB_ADDRESS_PATTERN},
    )

    @field_validator("source_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise PydanticCustomError("unsafe_url", problem)
        return value.strip()


class IndicatorBrief(Schema):
    code: str
    name: str
    unit: str
    progress: ProgressOut
    url: str


class NodeDetail(Schema):
    strategy: str
    code: str
    parent: str | None
    ancestors: list[str] = Field(description="Codes from the root down to the parent")
    children: list[str]
    level: str
    level_label: str
    title: str
    title_en: str
    description: str
    planned_amount: MoneyOut | None
    planned_projects: int | None
    source: str
    responsible: list[OrgRef]
    indicators: list[IndicatorBrief]
    money: MoneySummary = Field(description="Projects linked to this node or any node below it, each once")
    url: str
    web_url: str


class OrganisationItem(Schema):
    slug: str
    name: str
    short_name: str
    kind: OrganisationKind
    country: str
    parent: OrgRef | None
    strategies: int = Field(description="Strategies it owns")
    held_projects: int
    partnered_projects: int = Field(description="Projects it is a partner in but does not hold")
    url: str
    web_url: str


class OrganisationPage(Page[OrganisationItem]):
    pass


class OrganisationFilters(Schema):
    kind: OrganisationKind | None = Field(
        None,
        description="Only organisations of this kind (natural persons are never listed: 'person' gives none)",
    )
    q: str | None = Field(None, max_length=100, description="Part of the name or short name")


class StrategyRef(Schema):
    slug: str
    title: str
    status: str


class OrganisationMoney(Schema):
    held: MoneySummary = Field(description="Budgets of the projects it holds")
    partner_share_total: MoneyOut = Field(
        description="Its stated shares in projects it partners in but does not hold"
    )


class OrganisationDetail(OrganisationItem):
    registration_number: str
    website: str = Field(description=PUBLISHED_URL)
    address: str
    lat: float | None
    lon: float | None
    owned_strategies: list[StrategyRef]
    money: OrganisationMoney
