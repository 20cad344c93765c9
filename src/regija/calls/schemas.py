"""The API's answers about public calls and their results."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from regija.api.pagination import Page
from regija.api.schemas import OrgRef, Party
from regija.api.types import MoneyOut, NumberOut
from regija.projects.schemas import NodeLink

from .models import CallState


class FundAmount(Schema):
    fund: str = Field(description="Fund code")
    amount: MoneyOut


class CallItem(Schema):
    organisation: OrgRef
    slug: str
    number: str
    title: str
    title_en: str
    status: str = Field(description="What staff set: published, evaluated, decided or archived")
    state: CallState = Field(
        description="The state now: published (not open yet), open, closed, evaluated, decided or archived"
    )
    group: Literal["open", "upcoming", "closed", "archive"]
    published_on: dt.date | None
    opens_at: dt.datetime | None = Field(description="ISO 8601 with the offset of Europe/Ljubljana")
    closes_at: dt.datetime | None = Field(description="The last moment an application is accepted")
    budget: list[FundAmount]
    budget_total: MoneyOut
    url: str
    web_url: str


class CallPage(Page[CallItem]):
    pass


class CallFilters(Schema):
    state: Literal["open", "upcoming", "closed", "archive"] | None = Field(
        None,
        description="open; upcoming (published, not open yet); closed (closed, evaluated, decided); archive",
    )
    organisation: str | None = Field(
        None, max_length=100, description="Slug of the organisation that issued the call"
    )


class Document(Schema):
    id: int
    title: str
    content_type: str
    size: int
    url: str = Field(description="Download address")


class Condition(Schema):
    order: int
    text: str


class CriterionOut(Schema):
    order: int
    name: str
    max_points: NumberOut
    guide: str


class CommitteeMemberOut(Schema):
    name: str
    role: str = Field(description="chair, deputy or member")


class Committee(Schema):
    body: str | None
    term: str | None
    chosen: str = Field(
        description="How it was chosen, in words (drawn by lot, appointed by decision no. … of …)"
    )
    selection: str = Field(description="election, lot, decision, or empty when not known")
    members: list[CommitteeMemberOut]


class CallDetail(CallItem):
    text: str
    pass_threshold: NumberOut
    max_points: NumberOut
    sustainability_years: int
    contact: str
    source: str
    strategy: str | None = Field(description="Slug of the strategy the call implements")
    nodes: list[NodeLink]
    documents: list[Document]
    conditions: list[Condition]
    criteria: list[CriterionOut]
    committee: Committee
    results_url: str | None = Field(description="The results, once the call is decided or archived")


class PartnerOut(Party):
    role: str


class Instrument(Schema):
    kind: str
    number: str
    date: dt.date | None


class Operation(Schema):
    status: str = Field(description="Status of the operation (project), or empty")
    withdrawn: bool
    withdrawn_on: dt.date | None
    withdrawal_reason: str
    project_url: str | None


class ResultItem(Schema):
    number: int | None
    reference: str
    title: str
    status: str = Field(description="approved, rejected (not selected) or ineligible")
    applicant: Party
    partners: list[PartnerOut]
    approved: list[FundAmount] = Field(description="Approved amount per fund (approved operations only)")
    approved_total: MoneyOut | None
    paid: MoneyOut = Field(description="Paid so far to the operation")
    average_score: NumberOut | None = Field(
        description="Average of the evaluators' current final score sheets, recused evaluators left out"
    )
    score_sheets: int
    rank: int | None = Field(description="Place by average score among all scored applications")
    reason: str = Field(description="Why not selected or not eligible")
    instrument: Instrument
    operation: Operation


class Totals(Schema):
    approved: list[FundAmount]
    approved_total: MoneyOut
    paid: MoneyOut
    withdrawn: MoneyOut = Field(
        description="Approved for operations later withdrawn (included in approved_total)"
    )


class CallResults(Schema):
    call: CallItem
    approved: list[ResultItem]
    not_selected: list[ResultItem] = Field(
        description="Not selected or not eligible, best average score first"
    )
    totals: Totals
