"""Request and answer schemas of the participation API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from regija.api.pagination import Page
from regija.api.schemas import Input, OrgRef


class CommentOut(Schema):
    id: int
    target: str = Field(description="What it is on: unit:<id>, proposal:<id>, agenda_item:<id>")
    parent: int | None
    depth: int
    hidden: bool
    hidden_reason: str = Field(
        description="Why a moderator hid it; the text of a hidden comment is never given"
    )
    author: str | None = Field(description="The author's public name; null when hidden")
    text: str | None = Field(description="Plain text with line breaks; null when hidden")
    mentions: list[str]
    created_at: dt.datetime
    answer: str = Field(description="The organisation's official answer, or empty")
    answered_at: dt.datetime | None


CommentPage = Page[CommentOut]


MAX_ID = 2**63 - 1  # the largest primary key (a 64-bit signed integer)
TARGET_PATTERN = r"^(unit|proposal|agenda_item):[1-9][0-9]{0,17}$"


class CommentFilters(Schema):
    target: str = Field(pattern=TARGET_PATTERN, description="unit:<id>, proposal:<id> or agenda_item:<id>")


class CommentIn(Input):
    target: str = Field(pattern=TARGET_PATTERN, description="unit:<id>, proposal:<id> or agenda_item:<id>")
    text: str = Field(description="Plain text, at most 3000 characters; @username mentions a person")
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="The comment this one answers")


class ReasonIn(Input):
    reason: str = Field(description="At most 500 characters")


class AnswerIn(Input):
    text: str = Field(description="The official answer; empty removes it")


class ReportOut(Schema):
    id: int
    comment: int


class UnitOut(Schema):
    id: int
    label: str
    text: str
    node: str | None = Field(description="The strategy node's code, for a strategy's consultation")
    depth: int
    comments: int = Field(description="Comments on the unit that are not hidden")


class ConsultationItem(Schema):
    slug: str
    title: str
    title_en: str
    organisation: OrgRef
    opens_at: dt.datetime
    closes_at: dt.datetime
    open: bool
    subject: str = Field(description="strategy or act")
    strategy: str | None
    act_name: str
    residents_only: bool
    report_published_at: dt.datetime | None
    web_url: str


ConsultationPage = Page[ConsultationItem]


class ConsultationDetail(ConsultationItem):
    description: str
    description_en: str
    units: list[UnitOut]


class ConsultationIn(Input):
    organisation: str = Field(description="The organisation's slug")
    title: str
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    opens_at: dt.datetime = Field(description="With its time zone")
    closes_at: dt.datetime
    strategy: str | None = Field(None, description="Slug of a strategy in status draft; or give act_text")
    act_name: str = ""
    act_text: str | None = Field(None, description="The act's text; paragraphs separated by an empty line")
    residents_only: bool = False


class ReportUnit(Schema):
    label: str
    text: str
    comments: list[CommentOut]


class ConsultationReport(Schema):
    slug: str
    title: str
    report_published_at: dt.datetime
    comments: int
    answered: int
    hidden: int
    people: int
    units: list[ReportUnit]


class ProposalEventOut(Schema):
    state_from: str
    state_to: str
    text: str
    at: dt.datetime


class ProposalItem(Schema):
    id: int
    title: str
    organisation: OrgRef
    state: str
    author: str
    supports: int
    threshold: int
    respond_by: dt.datetime | None
    overdue: bool
    node: str | None = Field(description="<strategy slug>:<node code>")
    lat: float | None
    lon: float | None
    created_at: dt.datetime
    web_url: str


ProposalPage = Page[ProposalItem]


class ProposalFilters(Schema):
    state: str = ""
    organisation: str = ""
    node: str = Field("", description="<strategy slug>:<node code>")
    sort: str = Field("new", description="new or supports")


class ProposalDetail(ProposalItem):
    text: str
    answer: str
    answered_at: dt.datetime | None
    project: str | None = Field(description="<strategy slug>/<code> of the implementing project")
    history: list[ProposalEventOut]


class ProposalIn(Input):
    organisation: str = Field(description="Slug of the municipality it is addressed to")
    title: str
    text: str
    node: str | None = Field(None, description="<strategy slug>:<node code>")
    lat: float | None = None
    lon: float | None = None


class StateIn(Input):
    state: str = Field(description="under_review, accepted, rejected, implemented")
    text: str = Field(description="The public answer (for rejected: the reason)")
    project: str | None = Field(None, description="<strategy slug>/<code>: for implemented")


class SupportOut(Schema):
    supports: int
    supported: bool
