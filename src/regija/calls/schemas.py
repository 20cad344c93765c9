"""The API's answers about public calls and their results."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from regija.api.pagination import Page
from regija.api.schemas import Input, OrgRef, Party
from regija.api.types import MoneyIn, MoneyOut, NumberOut, OptionalIsoDate, OptionalMoneyIn
from regija.projects.models import Payment
from regija.projects.schemas import NodeLink

from .forms import PartnerFormSet, PhaseFormSet
from .models import (
    ApplicantDeclaration,
    Application,
    ApplicationPartner,
    ApplicationPhase,
    ApplicationStatus,
    AttachmentKind,
    CallState,
)


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


# ------------------------------------------------------------------------------------------------------
# The applicant's side: applications, their attachments and the operation's payment claims (api_applicant)

# The longest texts, as the model stores them (the pages' forms have the same limits)
_TITLE = Application._meta.get_field("title").max_length
_PARTNER = ApplicationPartner._meta.get_field("name").max_length
_ROLE = ApplicationPartner._meta.get_field("role").max_length
_PHASE = ApplicationPhase._meta.get_field("title").max_length
_LABEL = Payment._meta.get_field("label").max_length
# The summary and a reason are free text; the API takes at most this much of each
LONG_TEXT = 20000


class ApplicationStart(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    applicant: str = Field(
        min_length=1,
        max_length=100,
        description="Slug of the organisation applying: one where you are an editor or admin",
    )
    title: str = Field("", max_length=_TITLE, description="The project's title (may be filled in later)")


class FundRequest(Input):
    fund: str = Field(min_length=1, max_length=64, description="Fund code, one of the call's funds")
    requested: MoneyIn


class PartnerIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=_PARTNER, description="The partner's name, as typed")
    role: str = Field("", max_length=_ROLE, description="Its role in the project")


class PhaseIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=_PHASE)
    start: OptionalIsoDate = None
    end: OptionalIsoDate = Field(None, description="Not before start")
    amount: OptionalMoneyIn = None


class DraftIn(Input):
    """The whole content of a draft: what the application form edits. Each save replaces it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    version: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The version you read (GET); a save made since then makes this one a 409",
    )
    title: str = Field(min_length=1, max_length=_TITLE)
    summary: str = Field("", max_length=LONG_TEXT)
    funds: list[FundRequest] = Field(
        default_factory=list, max_length=50, description="Amount requested per fund; each fund once"
    )
    partners: list[PartnerIn] = Field(default_factory=list, max_length=PartnerFormSet.max_num)
    phases: list[PhaseIn] = Field(default_factory=list, max_length=PhaseFormSet.max_num)


class SubmitIn(Input):
    version: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The version you checked; if the application changed since, the submission is a 409",
    )
    declarations: list[ApplicantDeclaration] = Field(
        max_length=len(ApplicantDeclaration.values),
        description="Every declaration must be made: " + ", ".join(ApplicantDeclaration.values),
    )


class WithdrawIn(Input):
    reason: str = Field("", max_length=LONG_TEXT, description="Optional; the call's staff see it")


class ClaimIn(Input):
    model_config = ConfigDict(str_strip_whitespace=True)

    fund: str = Field(
        min_length=1, max_length=64, description="Fund code, one of the operation's budget lines"
    )
    amount: MoneyIn
    label: str = Field("", max_length=_LABEL, description="E.g. '1st phase'; empty gives 'claim N'")
    phase: int | None = Field(None, ge=1, le=2**63 - 1, description="Id of one of the operation's phases")


class CallRef(Schema):
    organisation: OrgRef
    slug: str
    number: str
    title: str
    url: str


class FundRequestOut(Schema):
    fund: str = Field(description="Fund code")
    requested: MoneyOut
    approved: MoneyOut | None = Field(description="What the decision granted, once approved")


class PartnerDraft(Schema):
    name: str
    role: str


class PhaseOut(Schema):
    title: str
    start: dt.date | None
    end: dt.date | None
    amount: MoneyOut | None


class AttachmentOut(Schema):
    id: int
    kind: AttachmentKind
    name: str = Field(description="The file's name as it was uploaded")
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str = Field(description="Download address (with your token)")


class OperationRef(Schema):
    strategy: str
    code: str
    status: str
    url: str = Field(description="The project in the API")
    claims_url: str = Field(description="Its payment claims")


class ApplicationItem(Schema):
    id: int
    call: CallRef
    applicant: OrgRef
    title: str
    status: ApplicationStatus = Field(
        description="draft, submitted, ineligible, rejected (not selected), approved, withdrawn"
    )
    reference: str = Field(description="The number given at submission, e.g. JP6/1; empty for a draft")
    version: int = Field(description="Send it back with a save or a submission")
    requested_total: MoneyOut
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    url: str


class ApplicationPage(Page[ApplicationItem]):
    pass


class ApplicationFilters(Schema):
    status: ApplicationStatus | None = None


class ApplicationDetail(ApplicationItem):
    summary: str
    seen_as: list[Literal["applicant", "staff", "evaluator"]] = Field(
        description="Why you may read it: a member of the applicant, staff of the call, its evaluator"
    )
    editable: bool = Field(description="You may save, attach and submit now (a draft, the call open)")
    withdrawable: bool = Field(description="You may withdraw it now")
    funds: list[FundRequestOut]
    partners: list[PartnerDraft]
    phases: list[PhaseOut]
    attachments: list[AttachmentOut]
    declarations: list[str] = Field(description="The declarations made at submission")
    missing: list[str] = Field(description="What a submission still needs (editable drafts only)")
    warnings: list[str] = Field(description="Requests above what the call has left in a fund")
    closes_at: dt.datetime | None = Field(description="The call's deadline")
    decision_reason: str = Field(description="Why not selected or not eligible, or why withdrawn")
    instrument: Instrument
    operation: OperationRef | None = Field(description="The operation an approval created")


class ClaimOut(Schema):
    id: int
    fund: str
    label: str
    amount: MoneyOut
    state: str = Field(description="claimed (waiting), paid or rejected")
    checked: bool = Field(description="Programme staff checked the claim (it can then be paid)")
    date: dt.date | None = Field(description="The day it was claimed, or paid")
    phase: int | None
    note: str
