"""Loading a governance file: an organisation's bodies, terms, members, sessions and historic public calls.

The file format is described in docs/governance.md. A file is validated completely (pydantic, then
references against itself and the database) before anything is written; every problem names the
file, its line and the path inside it (``bodies[2].terms[0].members[3].role``). All files of a run
are written in one transaction, so an error anywhere leaves the database as it was.

Importing a file again makes the stored data match it: rows are matched by their natural keys
(body slug, term label, session body+kind+number+date, call number …), changed in place,
created or removed. Nothing outside the file's organisation is touched, and projects and their
money are only read: a call's applications are derived from the projects under its strategy node.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from regija.calls.models import (
    Application,
    ApplicationFund,
    ApplicationStatus,
    Call,
    CallFund,
    CallStatus,
    CommitteeSeat,
    SeatRole,
)
from regija.core import audit, caching
from regija.core.files import (
    InvalidFile,
    LineFinder,
    Problem,
    load_mapping,
    path_text,
    read_text,
    validation_problems,
)
from regija.core.filetypes import Code, Date, Money, PartialDateField, Slug
from regija.core.models import Organisation
from regija.core.rowsync import ImportResult, blank, sync_links, sync_rows
from regija.projects.models import Fund, Project, ProjectStatus
from regija.strategies.models import Node, Strategy

from .models import AgendaItem, Body, Decision, Member, Session, Term

FORMAT_KEY = "regija-governance"
FORMAT_VERSION = 1

_GOVERNANCE_RE = re.compile(r"^regija-governance\s*:", re.MULTILINE)


def is_governance_file(path: str | Path) -> bool:
    """A governance file has the top-level key ``regija-governance:`` (a strategy file has ``regija:``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # the strategy importer reports unreadable files
    return bool(_GOVERNANCE_RE.search(text))


# --- the format ----------------------------------------------------------------------------------


def _to_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?", value.strip()
    ):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real date and time ({exc})") from None
    else:
        raise ValueError(
            f"a date and time must be written YYYY-MM-DDTHH:MM (e.g. 2019-09-16T12:00), not {value!r}"
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


DateTime = Annotated[dt.datetime, BeforeValidator(_to_datetime)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Label = Annotated[Code, Field(max_length=100)]
Text300 = Annotated[str, Field(min_length=1, max_length=300)]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class BodyKind(str, Enum):
    president = "president"
    assembly = "assembly"
    management_board = "management_board"
    supervisory_board = "supervisory_board"
    evaluation_committee = "evaluation_committee"
    forum = "forum"
    digital_coalition = "digital_coalition"
    other = "other"


class Selection(str, Enum):
    election = "election"
    lot = "lot"
    decision = "decision"


class Role(str, Enum):
    chair = "chair"
    deputy = "deputy"
    member = "member"


class SessionKind(str, Enum):
    regular = "regular"
    correspondence = "correspondence"


class SessionRef(_Model):
    body: Slug
    kind: SessionKind = SessionKind.regular
    number: Annotated[int, Field(gt=0)] | None = None
    date: Date | None = None

    def key(self) -> tuple:
        return (self.body, self.kind.value, self.number, self.date)


class AppointedBy(_Model):
    selection: Selection
    session: SessionRef | None = None
    decision: Annotated[Code, Field(max_length=40)] | None = None

    @model_validator(mode="after")
    def _decision_needs_session(self):
        if self.decision is not None and self.session is None:
            raise ValueError(
                "a decision number needs the session it was taken at (session: {body, kind, number, date})"
            )
        return self


class MemberIn(_Model):
    name: Name
    role: Role = Role.member
    organisation: Slug | None = None
    organisation_name: Text300 | None = None
    start: Date | None = None
    end: Date | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _dates(self):
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")
        return self


class TermIn(_Model):
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
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")
        return self


class BodyIn(_Model):
    slug: Slug
    kind: BodyKind
    name: Text300
    name_en: Text300 | None = None
    description: Text | None = None
    source: Text300 | None = None
    terms: list[TermIn] = []


class AgendaItemIn(_Model):
    title: Text


class DecisionIn(_Model):
    number: Annotated[Code, Field(max_length=40)] | None = None
    text: Text | None = None


class SessionIn(_Model):
    body: Slug
    kind: SessionKind = SessionKind.regular
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
            if self.kind != SessionKind.correspondence:
                raise ValueError("only a correspondence session has an end_date (it runs over several days)")
            if self.date is None:
                raise ValueError("end_date needs date, the first day of the correspondence session")
            if self.end_date < self.date:
                raise ValueError(
                    f"end_date {self.end_date.isoformat()} is before date {self.date.isoformat()}"
                )
        if self.date is None and self.held:
            raise ValueError("a session that was held needs its date; leave it out only with held: false")
        return self

    def key(self) -> tuple:
        return (self.body, self.kind.value, self.number, self.date)


class CommitteeRef(_Model):
    body: Slug
    term: Label


class CallFundIn(_Model):
    fund: Code
    amount: Money

    @model_validator(mode="after")
    def _not_negative(self):
        if self.amount < 0:
            raise ValueError("a call's budget cannot be negative")
        return self


class CallIn(_Model):
    number: Annotated[Code, Field(max_length=60)]
    slug: Slug | None = None
    strategy: Slug | None = None
    node: Code | None = None
    title: Annotated[str, Field(min_length=1, max_length=400)]
    title_en: Annotated[str, Field(min_length=1, max_length=400)] | None = None
    published: Date | None = None
    opens: DateTime | None = None
    closes: DateTime | None = None
    funds: list[CallFundIn] = []
    committee: CommitteeRef | None = None
    note: Text | None = None
    source: Text300 | None = None

    @model_validator(mode="after")
    def _checks(self):
        if self.node is not None and self.strategy is None:
            raise ValueError("node needs strategy: the slug of the strategy the node belongs to")
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self

    @property
    def call_slug(self) -> str:
        return self.slug or slugify(self.title)[:100] or slugify(self.number)


class SourceIn(_Model):
    title: Text300
    published: PartialDateField | None = None
    url: Text300 | None = None


class GovernanceFile(_Model):
    format: Literal[1] = Field(alias=FORMAT_KEY)
    organisation: Slug
    source: SourceIn | None = None
    founded: Date | None = None
    bodies: list[BodyIn] = []
    sessions: list[SessionIn] = []
    calls: list[CallIn] = []


# --- reading -------------------------------------------------------------------------------------


def parse_text(text: str, filename: str) -> GovernanceFile:
    """Parse and validate a governance file's text; raise InvalidFile naming file, line and field."""
    data = load_mapping(
        text,
        filename,
        not_a_mapping=f"a governance file must be a YAML mapping starting with {FORMAT_KEY}: 1",
    )
    try:
        return GovernanceFile.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, filename, text, format_doc="docs/governance.md", explain=_explain)
        raise InvalidFile(problems) from None


def _explain(loc: tuple, error: dict) -> str | None:
    if error["type"] == "literal_error" and loc == (FORMAT_KEY,):
        return f"this format version is not known; write {FORMAT_KEY}: {FORMAT_VERSION}"
    return None


# --- writing -------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def import_files(paths: Iterable[str | Path], *, dry_run: bool = False) -> list[ImportResult]:
    """Validate and load governance files in one transaction; raise InvalidFile and write nothing on error."""
    results: list[ImportResult] = []
    problems: list[Problem] = []
    seen_orgs: dict[str, str] = {}
    try:
        with transaction.atomic():
            for path in [str(p) for p in paths]:
                try:
                    text = read_text(Path(path))
                    doc = parse_text(text, path)
                    if doc.organisation in seen_orgs:
                        raise InvalidFile(
                            [
                                Problem(
                                    path,
                                    LineFinder(text).line(("organisation",)),
                                    "organisation",
                                    f"{seen_orgs[doc.organisation]} in this run is also about {doc.organisation!r}; "
                                    "one organisation's governance is one file",
                                )
                            ]
                        )
                    seen_orgs[doc.organisation] = path
                    writer = _Writer(doc, path, text)
                    if problems:  # an earlier file failed: only check this one, for a complete report
                        writer.check()
                    else:
                        results.append(writer.run())
                except InvalidFile as exc:
                    problems.extend(exc.problems)
            if problems:
                raise InvalidFile(problems)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return results


def import_text(text: str, filename: str = "<text>") -> ImportResult:
    """Import one governance file given as text (tests, API)."""
    with transaction.atomic():
        return _Writer(parse_text(text, filename), filename, text).run()


def _occurrences(names: Iterable[str]) -> list[tuple[str, int]]:
    """(name, n): the n-th time this name appears, so two people of one name stay apart."""
    seen: Counter = Counter()
    out = []
    for name in names:
        out.append((name, seen[name]))
        seen[name] += 1
    return out


def application_status(project_status: str) -> str:
    """The application behind an operation. A withdrawn operation was approved first (002 lists it with its
    decision or contract); the withdrawal belongs to the operation, not to the application."""
    if project_status in (ProjectStatus.IDEA, ProjectStatus.APPLIED):
        return ApplicationStatus.SUBMITTED
    return ApplicationStatus.APPROVED


class _Writer:
    def __init__(self, doc: GovernanceFile, filename: str, text: str):
        self.doc = doc
        self.filename = filename
        self.finder = LineFinder(text)
        self.result = ImportResult(filename, doc.organisation)

    # --- references ------------------------------------------------------------------------------

    def check(self) -> None:
        """Every reference inside the file and to the database; raise InvalidFile with all problems."""
        doc = self.doc
        problems: list[Problem] = []

        def bad(path: tuple, message: str) -> None:
            problems.append(Problem(self.filename, self.finder.line(path), path_text(path), message))

        self.organisation = Organisation.objects.filter(slug=doc.organisation).first()
        if self.organisation is None:
            bad(
                ("organisation",),
                f"unknown organisation {doc.organisation!r}; import the strategy file that defines it first",
            )
        wanted_orgs = {
            m.organisation for b in doc.bodies for t in b.terms for m in t.members if m.organisation
        }
        self.org_ids = dict(Organisation.objects.filter(slug__in=wanted_orgs).values_list("slug", "id"))

        bodies: dict[str, int] = {}
        terms: dict[tuple[str, str], TermIn] = {}
        for i, body in enumerate(doc.bodies):
            if body.slug in bodies:
                bad(
                    ("bodies", i, "slug"),
                    f"duplicate body slug {body.slug!r} (first used at bodies[{bodies[body.slug]}])",
                )
                continue
            bodies[body.slug] = i
            labels: dict[str, int] = {}
            for j, term in enumerate(body.terms):
                if term.label in labels:
                    bad(
                        ("bodies", i, "terms", j, "label"),
                        f"duplicate term label {term.label!r} in body {body.slug!r}",
                    )
                labels[term.label] = j
                terms[(body.slug, term.label)] = term
                for k, m in enumerate(term.members):
                    if m.organisation and m.organisation not in self.org_ids:
                        bad(
                            ("bodies", i, "terms", j, "members", k, "organisation"),
                            f"unknown organisation {m.organisation!r}; give only organisation_name "
                            "for an organisation that is not in the data",
                        )

        sessions: dict[tuple, int] = {}
        for i, session in enumerate(doc.sessions):
            if session.body not in bodies:
                bad(("sessions", i, "body"), f"no body {session.body!r} in this file")
            if session.key() in sessions:
                bad(
                    ("sessions", i),
                    f"the same session as sessions[{sessions[session.key()]}] (body, kind, number and date)",
                )
            sessions.setdefault(session.key(), i)
            numbers: set = set()
            for j, decision in enumerate(session.decisions):
                if decision.number in numbers:
                    what = f"number {decision.number!r}" if decision.number else "no number"
                    bad(
                        ("sessions", i, "decisions", j, "number"),
                        f"two decisions of this session with {what}",
                    )
                numbers.add(decision.number)

        for i, body in enumerate(doc.bodies):
            for j, term in enumerate(body.terms):
                ref = term.appointed_by
                if ref is None or ref.session is None:
                    continue
                path = ("bodies", i, "terms", j, "appointed_by", "session")
                if ref.session.key() not in sessions:
                    bad(path, f"no such session under sessions: {self._describe(ref.session)}")
                    continue
                session = doc.sessions[sessions[ref.session.key()]]
                if ref.decision is not None and ref.decision not in {d.number for d in session.decisions}:
                    bad(
                        ("bodies", i, "terms", j, "appointed_by", "decision"),
                        f"session {self._describe(ref.session)} lists no decision {ref.decision!r}",
                    )

        self._check_calls(bad, bodies, terms)
        if problems:
            raise InvalidFile(problems)

    @staticmethod
    def _describe(ref: SessionRef) -> str:
        number = f" no. {ref.number}" if ref.number else ""
        date = ref.date.isoformat() if ref.date else "no date"
        return f"{ref.body} {ref.kind.value}{number} of {date}"

    def _check_calls(self, bad: Callable, bodies: dict, terms: dict) -> None:
        doc = self.doc
        numbers: dict[str, int] = {}
        slugs: dict[str, int] = {}
        self.call_projects: dict[int, list[Project]] = {}
        self.strategy_ids: dict[str, int] = {}
        self.node_ids: dict[int, int] = {}
        funds = {f.fund for c in doc.calls for f in c.funds}
        self.fund_ids = dict(Fund.objects.filter(code__in=funds).values_list("code", "id"))
        owner: dict[int, str] = {}  # project id -> where it already is an application
        existing_calls = (
            {c.number: c for c in Call.objects.filter(organisation=self.organisation)}
            if self.organisation
            else {}
        )
        for i, call in enumerate(doc.calls):
            if call.number in numbers:
                bad(
                    ("calls", i, "number"),
                    f"duplicate call number {call.number!r} (first used at calls[{numbers[call.number]}])",
                )
            numbers.setdefault(call.number, i)
            if call.call_slug in slugs:
                bad(
                    ("calls", i, "slug" if call.slug else "title"),
                    f"two calls would have the slug {call.call_slug!r}; give each a slug",
                )
            slugs.setdefault(call.call_slug, i)
            stored = existing_calls.get(call.number)
            if stored is not None and stored.status != CallStatus.ARCHIVED:
                bad(
                    ("calls", i, "number"),
                    f"call {call.number!r} of {doc.organisation!r} is stored as a live call ({stored.status}); "
                    "a governance file only holds archived historic calls",
                )
            for j, f in enumerate(call.funds):
                if f.fund not in self.fund_ids:
                    bad(
                        ("calls", i, "funds", j, "fund"),
                        f"unknown fund {f.fund!r}; it is defined by the strategy files",
                    )
            if len({f.fund for f in call.funds}) != len(call.funds):
                bad(("calls", i, "funds"), "each fund at most once per call")
            if call.committee is not None:
                term = terms.get((call.committee.body, call.committee.term))
                if call.committee.body not in bodies:
                    bad(("calls", i, "committee", "body"), f"no body {call.committee.body!r} in this file")
                elif term is None:
                    bad(
                        ("calls", i, "committee", "term"),
                        f"body {call.committee.body!r} has no term {call.committee.term!r}",
                    )
                elif sum(m.role == Role.chair for m in term.members) > 1:
                    bad(
                        ("calls", i, "committee", "term"),
                        "a call's committee has at most one chair; this term lists several",
                    )
            if call.strategy is None:
                continue
            if call.strategy not in self.strategy_ids:
                sid = Strategy.objects.filter(slug=call.strategy).values_list("id", flat=True).first()
                if sid is None:
                    bad(
                        ("calls", i, "strategy"),
                        f"strategy {call.strategy!r} is not loaded; import its file first or in the same run",
                    )
                    continue
                self.strategy_ids[call.strategy] = sid
            if call.node is None:
                continue
            node_id = (
                Node.objects.filter(strategy_id=self.strategy_ids[call.strategy], code=call.node)
                .values_list("id", flat=True)
                .first()
            )
            if node_id is None:
                bad(("calls", i, "node"), f"strategy {call.strategy!r} has no node {call.node!r}")
                continue
            self.node_ids[i] = node_id
            projects = list(
                Project.objects.filter(nodes__id=node_id)
                .prefetch_related("budget_lines")
                .order_by("order", "id")
                .distinct()
            )
            self.call_projects[i] = projects
            for project in projects:
                if project.holder_id is None:
                    bad(
                        ("calls", i, "node"),
                        f"project {project.code!r} under {call.node!r} has no holder, so its application has no applicant",
                    )
                if project.pk in owner:
                    bad(
                        ("calls", i, "node"),
                        f"project {project.code!r} is under the node of {owner[project.pk]} as well; one project is one application",
                    )
                owner[project.pk] = f"calls[{i}]"
            foreign = (
                Application.objects.filter(project__in=projects)
                .exclude(call__organisation=self.organisation, call__number=call.number)
                .select_related("call", "project")
                .first()
            )
            if foreign is not None:
                bad(
                    ("calls", i, "node"),
                    f"project {foreign.project.code!r} is already the operation of an application to {foreign.call.title!r}",
                )

    # --- writing ---------------------------------------------------------------------------------

    def run(self) -> ImportResult:
        self.check()
        try:
            with transaction.atomic():
                bodies = self._bodies()
                sessions, decisions = self._sessions(bodies)
                terms, members = self._terms(bodies, sessions, decisions)
                self._calls(bodies, terms, members)
        except IntegrityError as exc:
            raise InvalidFile(
                [Problem(self.filename, None, "", f"the database refused the data: {exc}")]
            ) from None
        if self.result.changed:
            audit.record_import(self.organisation, self.result)
            caching.bump()
        return self.result

    def _bodies(self) -> dict[str, Body]:
        existing = {b.slug: b for b in Body.objects.filter(organisation=self.organisation)}
        desired = [
            (
                b.slug,
                dict(
                    organisation_id=self.organisation.pk,
                    slug=b.slug,
                    kind=b.kind.value,
                    name=b.name,
                    name_en=blank(b.name_en),
                    description=blank(b.description),
                    source=blank(b.source),
                    order=order,
                ),
            )
            for order, b in enumerate(self.doc.bodies)
        ]
        return sync_rows(self.result, Body, "bodies", existing, desired)

    def _sessions(self, bodies: dict[str, Body]) -> tuple[dict, dict]:
        existing = {
            (s.body.slug, s.kind, s.number, s.date): s
            for s in Session.objects.filter(body__organisation=self.organisation).select_related("body")
        }
        desired = [
            (
                s.key(),
                dict(
                    body_id=bodies[s.body].pk,
                    kind=s.kind.value,
                    number=s.number,
                    date=s.date,
                    end_date=s.end_date,
                    held=s.held,
                    place=blank(s.place),
                    note=blank(s.note),
                    source=blank(s.source),
                ),
            )
            for s in self.doc.sessions
        ]
        sessions = sync_rows(self.result, Session, "sessions", existing, desired)
        ids = [s.pk for s in sessions.values()]

        sync_rows(
            self.result,
            AgendaItem,
            "agenda items",
            {(a.session_id, a.order): a for a in AgendaItem.objects.filter(session_id__in=ids)},
            [
                (
                    (sessions[s.key()].pk, order),
                    dict(session_id=sessions[s.key()].pk, order=order, title=item.title),
                )
                for s in self.doc.sessions
                for order, item in enumerate(s.agenda)
            ],
        )
        decisions = sync_rows(
            self.result,
            Decision,
            "decisions",
            {(d.session_id, d.number): d for d in Decision.objects.filter(session_id__in=ids)},
            [
                (
                    (sessions[s.key()].pk, blank(d.number)),
                    dict(session_id=sessions[s.key()].pk, number=blank(d.number), text=blank(d.text)),
                )
                for s in self.doc.sessions
                for d in s.decisions
            ],
        )
        return sessions, decisions

    def _terms(self, bodies: dict, sessions: dict, decisions: dict) -> tuple[dict, dict]:
        by_key = {(s.body, s.kind.value, s.number, s.date): s for s in self.doc.sessions}
        desired = []
        for b in self.doc.bodies:
            for order, t in enumerate(b.terms):
                ref = t.appointed_by
                session = decision = None
                if ref is not None and ref.session is not None:
                    session = sessions[ref.session.key()]
                    listed = by_key[ref.session.key()].decisions
                    if ref.decision is not None:
                        decision = decisions[(session.pk, ref.decision)]
                    elif ref.selection == Selection.decision and len(listed) == 1:
                        # the session's only decision, when the source gives it no number
                        decision = decisions[(session.pk, blank(listed[0].number))]
                desired.append(
                    (
                        (bodies[b.slug].pk, t.label),
                        dict(
                            body_id=bodies[b.slug].pk,
                            label=t.label,
                            start=t.start,
                            end=t.end,
                            selection=ref.selection.value if ref else "",
                            appointed_by_id=decision.pk if decision else None,
                            elected_at_id=session.pk if session else None,
                            note=blank(t.note),
                            source=blank(t.source),
                            order=order,
                        ),
                    )
                )
        existing = {
            (t.body_id, t.label): t for t in Term.objects.filter(body__organisation=self.organisation)
        }
        terms = sync_rows(self.result, Term, "terms", existing, desired)

        desired_members = []
        for b in self.doc.bodies:
            for t in b.terms:
                term_id = terms[(bodies[b.slug].pk, t.label)].pk
                for order, (m, occurrence) in enumerate(
                    zip(t.members, _occurrences(x.name for x in t.members))
                ):
                    desired_members.append(
                        (
                            (term_id, *occurrence),
                            dict(
                                term_id=term_id,
                                name=m.name,
                                role=m.role.value,
                                organisation_id=self.org_ids[m.organisation] if m.organisation else None,
                                organisation_name=blank(m.organisation_name),
                                start=m.start,
                                end=m.end,
                                note=blank(m.note),
                                order=order,
                            ),
                        )
                    )
        stored = Member.objects.filter(term__body__organisation=self.organisation).order_by(
            "term_id", "order", "pk"
        )
        existing_members: dict = {}
        seen: Counter = Counter()
        for m in stored:
            existing_members[(m.term_id, m.name, seen[(m.term_id, m.name)])] = m
            seen[(m.term_id, m.name)] += 1
        members = sync_rows(self.result, Member, "members", existing_members, desired_members)
        return terms, members

    def _calls(self, bodies: dict, terms: dict, members: dict) -> None:
        org = self.organisation
        stored = {c.number: c for c in Call.objects.filter(organisation=org)}
        listed = {c.number for c in self.doc.calls}
        # a call the file no longer lists goes only if an import made it: archived, every application from a project
        existing = {
            n: c
            for n, c in stored.items()
            if n in listed
            or (c.status == CallStatus.ARCHIVED and not c.applications.filter(project__isnull=True).exists())
        }
        desired = []
        for c in self.doc.calls:
            term = terms[(bodies[c.committee.body].pk, c.committee.term)] if c.committee else None
            desired.append(
                (
                    c.number,
                    dict(
                        organisation_id=org.pk,
                        strategy_id=self.strategy_ids.get(c.strategy) if c.strategy else None,
                        slug=c.call_slug,
                        number=c.number,
                        title=c.title,
                        title_en=blank(c.title_en),
                        published_on=c.published,
                        opens_at=c.opens,
                        closes_at=c.closes,
                        status=CallStatus.ARCHIVED,
                        committee_term_id=term.pk if term else None,
                        note=blank(c.note),
                        source=blank(c.source),
                    ),
                )
            )
        stale = [c.pk for n, c in existing.items() if n not in listed]
        if stale:  # their applications were derived from projects: they go with the call
            Application.objects.filter(call_id__in=stale).delete()
        calls = sync_rows(self.result, Call, "calls", existing, desired)
        call_ids = [c.pk for c in calls.values()]

        sync_links(
            self.result,
            Call.nodes.through.objects.filter(call_id__in=call_ids),
            "call nodes",
            "call_id",
            "node_id",
            {
                (calls[c.number].pk, self.node_ids[i])
                for i, c in enumerate(self.doc.calls)
                if i in self.node_ids
            },
        )

        sync_rows(
            self.result,
            CallFund,
            "call budgets",
            {(f.call_id, f.fund_id): f for f in CallFund.objects.filter(call_id__in=call_ids)},
            [
                (
                    (calls[c.number].pk, self.fund_ids[f.fund]),
                    dict(call_id=calls[c.number].pk, fund_id=self.fund_ids[f.fund], amount=f.amount),
                )
                for c in self.doc.calls
                for f in c.funds
            ],
        )

        # committee seats: the members of the committee term, chair and members as the term has them
        desired_seats = []
        for c in self.doc.calls:
            if c.committee is None:
                continue
            body_id = bodies[c.committee.body].pk
            term_id = terms[(body_id, c.committee.term)].pk
            term_in = next(
                t
                for b in self.doc.bodies
                if b.slug == c.committee.body
                for t in b.terms
                if t.label == c.committee.term
            )
            call_id = calls[c.number].pk
            roles = [SeatRole.CHAIR if m.role == Role.chair else SeatRole.MEMBER for m in term_in.members]
            for order, (m, occurrence, role) in enumerate(
                zip(term_in.members, _occurrences(x.name for x in term_in.members), roles)
            ):
                desired_seats.append(
                    (
                        (call_id, m.name, role, occurrence[1]),
                        dict(
                            call_id=call_id,
                            name=m.name,
                            role=role,
                            member_id=members[(term_id, *occurrence)].pk,
                            order=order,
                        ),
                    )
                )
        existing_seats: dict = {}
        seen: Counter = Counter()
        for s in CommitteeSeat.objects.filter(call_id__in=call_ids).order_by("call_id", "order", "pk"):
            k = (s.call_id, s.name, s.role)
            existing_seats[(*k, seen[k])] = s
            seen[k] += 1
        sync_rows(self.result, CommitteeSeat, "committee seats", existing_seats, desired_seats)

        # applications: one per project under the call's node
        desired_apps = []
        for i, c in enumerate(self.doc.calls):
            call_id = calls[c.number].pk
            for number, p in enumerate(self.call_projects.get(i, []), start=1):
                desired_apps.append(
                    (
                        (call_id, p.pk),
                        dict(
                            call_id=call_id,
                            applicant_id=p.holder_id,
                            number=number,
                            title=p.title[:400],
                            status=application_status(p.status),
                            instrument_kind=p.instrument_kind,
                            instrument_number=p.instrument_number,
                            instrument_date=p.instrument_date,
                            project_id=p.pk,
                            source=p.source,
                        ),
                    )
                )
        now = timezone.now()
        apps = sync_rows(
            self.result,
            Application,
            "applications",
            {(a.call_id, a.project_id): a for a in Application.objects.filter(call_id__in=call_ids)},
            desired_apps,
            on_create=lambda: dict(created_at=now, updated_at=now),
            clear_first=("number",),
        )

        budgets: dict[tuple[int, int], Any] = {}
        approved_by_app: dict[int, bool] = {}
        for i, c in enumerate(self.doc.calls):
            projects = self.call_projects.get(i, [])
            call_id = calls[c.number].pk
            for p in projects:
                app = apps[(call_id, p.pk)]
                approved_by_app[app.pk] = application_status(p.status) != ApplicationStatus.SUBMITTED
                for line in p.budget_lines.all():
                    budgets[(app.pk, line.fund_id)] = budgets.get((app.pk, line.fund_id), 0) + line.amount
        sync_rows(
            self.result,
            ApplicationFund,
            "application amounts",
            {
                (f.application_id, f.fund_id): f
                for f in ApplicationFund.objects.filter(application__call_id__in=call_ids)
            },
            [
                (
                    key,
                    dict(
                        application_id=key[0],
                        fund_id=key[1],
                        requested=amount,
                        approved=amount if approved_by_app[key[0]] else None,
                    ),
                )
                for key, amount in budgets.items()
                if amount > 0
            ],
        )
