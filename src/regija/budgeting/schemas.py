"""Request and answer schemas of the participatory-budgeting API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from regija.api.pagination import Page
from regija.api.schemas import Input, OrgRef
from regija.api.types import MoneyOut, OptionalMoneyIn

from .models import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX

MAX_NUMBER = 999_999_999  # a proposal's number within its process
MAX_COUNT = 10_000_000  # votes counted by hand for one proposal in one batch (more than any municipality has)


class AreaOut(Schema):
    organisation: OrgRef
    budget: MoneyOut
    node: str | None = Field(description="The strategy node's code, if the area names one")
    url: str


class ProcessItem(Schema):
    slug: str
    title: str
    title_en: str
    organisation: OrgRef
    year: int
    rule: str = Field(description="approval (choose up to max_choices) or knapsack (costs within the budget)")
    max_choices: int | None
    phase: str = Field(
        description="announced, proposals, review, voting, counting, results or implementation"
    )
    proposals_from: dt.datetime
    proposals_to: dt.datetime
    review_to: dt.datetime
    voting_from: dt.datetime
    voting_to: dt.datetime
    results_published_at: dt.datetime | None
    url: str
    web_url: str


class ProcessPage(Page[ProcessItem]):
    pass


class ProcessDetail(ProcessItem):
    description: str
    areas: list[AreaOut]


class ProposalOut(Schema):
    number: int
    area: OrgRef
    title: str
    description: str
    status: str = Field(
        description=(
            "submitted, feasible, not_feasible, on_ballot, selected, not_selected; the author is never given"
        )
    )
    cost: MoneyOut | None
    review_note: str
    votes: int | None = Field(description="Set when the results are published")
    lat: float | None
    lon: float | None
    submitted_at: dt.datetime
    project: str | None = Field(description="The web address of the project that carries it out")
    web_url: str


class ProposalPage(Page[ProposalOut]):
    pass


class BudgetProposalFilters(Schema):
    area: str | None = Field(None, description="A local community's slug")
    status: str | None = None


class BudgetProposalIn(Input):
    area: str = Field(description="The slug of the local community (an area of the process)")
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(max_length=DESCRIPTION_MAX)
    lat: float | None = None
    lon: float | None = None


class ReviewIn(Input):
    feasible: bool
    cost: OptionalMoneyIn = Field(
        None, description="The estimated cost (feasible): at most the area's budget"
    )
    note: str = Field("", max_length=NOTE_MAX, description="The reason, when not feasible")


class BallotIn(Input):
    proposals: list[Annotated[int, Field(ge=1, le=MAX_NUMBER)]] = Field(
        description="Numbers of the chosen proposals of the voter's area"
    )


class BallotOut(Schema):
    area: OrgRef
    channel: str
    proposals: list[int] = Field(description="Numbers of the chosen proposals")
    total: MoneyOut
    receipt: str
    cast_at: dt.datetime
    changeable_until: dt.datetime


class PaperIn(Input):
    area: str = Field(description="The slug of the local community")
    label: str = Field(max_length=100, description="The batch, e.g. a polling place")
    ballots: list[list[Annotated[int, Field(ge=1, le=MAX_NUMBER)]]] = Field(
        default_factory=list, description="Each paper ballot's proposal numbers"
    )
    counts: dict[Annotated[int, Field(ge=1, le=MAX_NUMBER)], Annotated[int, Field(ge=0, le=MAX_COUNT)]] = (
        Field(
            default_factory=dict,
            description="Votes counted by hand per proposal number",
            # pydantic does not write the keys' rule into the schema: a key is a proposal number
            json_schema_extra={"propertyNames": {"pattern": r"^[1-9][0-9]{0,8}$"}},
        )
    )
    note: str = Field("", max_length=300)


class PaperOut(Schema):
    label: str
    ballots: int


class ResultRow(Schema):
    number: int
    title: str
    votes: int
    cost: MoneyOut
    cumulative: MoneyOut | None
    selected: bool


class AreaResultOut(Schema):
    area: OrgRef
    budget: MoneyOut
    ballots: int
    spent: MoneyOut
    rows: list[ResultRow]


class ResultsOut(Schema):
    published_at: dt.datetime | None
    areas: list[AreaResultOut]


class ProjectsOut(Schema):
    created: list[str] = Field(description="Web addresses of the projects created now")


class OnBallotOut(Schema):
    on_ballot: int = Field(description="How many proposals are on the ballot")
