"""The API's schemas of governance: bodies with their terms and members, sessions and decisions."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from regija.api.pagination import Page
from regija.api.schemas import OrgRef

from .models import BodyKind, MemberRole, SessionKind


class MemberOut(Schema):
    name: str
    role: MemberRole
    represents: str = Field(
        description="The organisation the member represents, as stated; empty when not known"
    )
    represents_slug: str | None
    start: dt.date | None = Field(
        description="Joined during the term on this day; null when for the whole term"
    )
    end: dt.date | None = Field(description="Left during the term on this day; null when for the whole term")
    note: str


class DecisionRef(Schema):
    number: str
    date: dt.date | None
    session: str


class TermOut(Schema):
    label: str
    start: dt.date | None
    end: dt.date | None
    current: bool
    selection: str = Field(description="election, lot, decision, or empty when not known")
    chosen: str = Field(description="How the term was chosen, in words")
    appointed_by: DecisionRef | None
    note: str
    members: list[MemberOut]


class BodyOut(Schema):
    slug: str
    kind: BodyKind
    name: str
    name_en: str
    description: str
    terms: list[TermOut] = Field(description="Current terms first, then newest first")


class BodiesOut(Schema):
    organisation: OrgRef
    bodies: list[BodyOut]
    web_url: str


class AgendaItemOut(Schema):
    order: int
    title: str


class DecisionOut(Schema):
    number: str
    text: str
    agenda_item: int | None = Field(description="The agenda item (its order) the decision was taken under")


class SessionOut(Schema):
    id: int
    body: str = Field(description="Slug of the body")
    body_name: str
    kind: SessionKind
    number: int | None
    date: dt.date | None = Field(
        description="Day of the session, or the first day of a correspondence session"
    )
    end_date: dt.date | None = Field(description="Last day of a correspondence session")
    held: bool
    place: str
    note: str
    agenda: list[AgendaItemOut]
    decisions: list[DecisionOut]


class SessionPage(Page[SessionOut]):
    pass


class SessionFilters(Schema):
    year: int | None = Field(
        None,
        ge=1900,
        le=2200,
        description="Sessions in this year (a correspondence session in every year it runs)",
    )
    body: str | None = Field(None, max_length=100, description="Slug of one body")
