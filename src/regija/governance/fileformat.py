"""The governance file format (``regija-governance: 1``): bodies, terms, members and sessions.

docs/governance.md describes the format; these pydantic models are its exact form. The values a
field may take (a body's kind, how a term was chosen, a member's role, a session's kind) are the
models' choices. A governance file also holds an organisation's historic calls: that part of the
format belongs to the calls app (regija.calls.fileformat), which extends GovernanceFile with it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from regija.core.filetypes import Code, Date, PartialDateField, Record, Slug, WebURL
from regija.core.translate import gettext

from .models import BodyKind, MemberRole, Selection, SessionKind

FORMAT_KEY = "regija-governance"
FORMAT_VERSION = 1
FORMAT_DOC = "docs/governance.md"

_GOVERNANCE_RE = re.compile(r"^regija-governance\s*:", re.MULTILINE)


def is_governance_file(path: str | Path) -> bool:
    """A governance file has the top-level key ``regija-governance:`` (a strategy file has ``regija:``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # the strategy importer reports unreadable files
    return bool(_GOVERNANCE_RE.search(text))


# a person's name
Name = Annotated[str, Field(min_length=1, max_length=200)]
# a term's label, unique within its body ("2019–2023", "3. javni poziv")
Label = Annotated[Code, Field(max_length=100)]
# a name or a source reference, as long as the database keeps it
Text300 = Annotated[str, Field(min_length=1, max_length=300)]
# free text that is not empty
Text = Annotated[str, Field(min_length=1)]
# a decision's number within its session
DecisionNumber = Annotated[Code, Field(max_length=40)]


class SessionRef(Record):
    """A session of this file, named by body, kind, number and date (the session's key)."""

    body: Slug
    kind: SessionKind = SessionKind.REGULAR
    number: Annotated[int, Field(gt=0)] | None = None
    date: Date | None = None

    def key(self) -> tuple:
        return (self.body, self.kind.value, self.number, self.date)


class AppointedBy(Record):
    selection: Selection
    session: SessionRef | None = None
    decision: DecisionNumber | None = None

    @model_validator(mode="after")
    def _decision_needs_session(self):
        if self.decision is not None and self.session is None:
            raise ValueError(
                gettext(
                    "a decision number needs the session it was taken at "
                    "(session: {body, kind, number, date})"
                )
            )
        return self


class MemberIn(Record):
    name: Name
    role: MemberRole = MemberRole.MEMBER
    organisation: Slug | None = None
    organisation_name: Text300 | None = None
    start: Date | None = None
    end: Date | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _dates(self):
        if self.start and self.end and self.end < self.start:
            raise ValueError(
                gettext("end %(end)s is before start %(start)s")
                % {"end": self.end.isoformat(), "start": self.start.isoformat()}
            )
        return self


class TermIn(Record):
    label: Label
    start: Date | None = None
    end: Date | None = None
    appointed_by: AppointedBy | None = None
    note: Text | None = None
    source: Text300 | None = None
    members: list[MemberIn] = []

    @model_validator(mode="after")
    def _dates(self):
        if self.start and self.end and self.end < self.start:
            raise ValueError(
                gettext("end %(end)s is before start %(start)s")
                % {"end": self.end.isoformat(), "start": self.start.isoformat()}
            )
        return self


class BodyIn(Record):
    slug: Slug
    kind: BodyKind
    name: Text300
    name_en: Text300 | None = None
    description: Text | None = None
    source: Text300 | None = None
    terms: list[TermIn] = []


class AgendaItemIn(Record):
    title: Text


class DecisionIn(Record):
    number: DecisionNumber | None = None
    text: Text | None = None


class SessionIn(Record):
    body: Slug
    kind: SessionKind = SessionKind.REGULAR
    number: Annotated[int, Field(gt=0)] | None = None
    date: Date | None = None
    end_date: Date | None = None
    held: bool = True
    place: Text300 | None = None
    agenda: list[AgendaItemIn] = []
    decisions: list[DecisionIn] = []
    note: Text | None = None
    source: Text300 | None = None

    @model_validator(mode="after")
    def _dates(self):
        if self.end_date is not None:
            if self.kind != SessionKind.CORRESPONDENCE:
                raise ValueError(
                    gettext("only a correspondence session has an end_date (it runs over several days)")
                )
            if self.date is None:
                raise ValueError(gettext("end_date needs date, the first day of the correspondence session"))
            if self.end_date < self.date:
                raise ValueError(
                    gettext("end_date %(end)s is before date %(date)s")
                    % {"end": self.end_date.isoformat(), "date": self.date.isoformat()}
                )
        if self.date is None and self.held:
            raise ValueError(
                gettext("a session that was held needs its date; leave it out only with held: false")
            )
        return self

    def key(self) -> tuple:
        return (self.body, self.kind.value, self.number, self.date)


class SourceIn(Record):
    title: Text300
    published: PartialDateField | None = None
    url: Annotated[WebURL, Field(max_length=300)] | None = None


class GovernanceFile(Record):
    """One organisation's governance: its bodies with their terms and members, and their sessions."""

    format: Literal[1] = Field(alias=FORMAT_KEY)
    organisation: Slug
    source: SourceIn | None = None
    founded: Date | None = None
    bodies: list[BodyIn] = []
    sessions: list[SessionIn] = []
