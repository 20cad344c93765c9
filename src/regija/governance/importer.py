"""Importing a governance file's bodies, terms, members, sessions, agenda items and decisions.

A file is validated completely (pydantic, then references against itself and the database) before
anything is written; every problem names the file, its line and the path inside it, with the slugs
and labels the file uses (``bodies › nadzorni-odbor › terms › 2023–2027 › members › 4 › role``).
Importing a file again makes the stored data match it: rows are matched by their natural keys (body
slug, term label, member name within its term, session body+kind+number+date, decision number within
its session), changed in place, created or removed.
Nothing outside the file's organisation is touched.

A governance file also lists the organisation's historic calls, which this app does not know:
regija.calls.importer reads and imports whole files, running GovernanceImporter and then its own
part for the calls in one transaction.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from typing import TypeVar

from pydantic import ValidationError

from regija.core.files import (
    InvalidFile,
    LineFinder,
    Problem,
    load_mapping,
    path_text,
    place_text,
    validation_problems,
)
from regija.core.models import Organisation
from regija.core.rowsync import ImportResult, blank, sync_rows
from regija.core.translate import gettext

from .fileformat import FORMAT_DOC, FORMAT_KEY, FORMAT_VERSION, GovernanceFile, SessionRef, TermIn
from .models import AgendaItem, Body, Decision, Member, Selection, Session, Term

F = TypeVar("F", bound=GovernanceFile)


def parse_text(text: str, filename: str, schema: type[F] = GovernanceFile) -> F:
    """Parse and validate a governance file's text; raise InvalidFile naming file, line and field.

    ``schema`` is GovernanceFile or a format that extends it (the calls app adds its part).
    """
    data = load_mapping(
        text,
        filename,
        not_a_mapping=gettext("a governance file must be a YAML mapping starting with %(key)s: 1")
        % {"key": FORMAT_KEY},
    )
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(
            exc, filename, text, format_doc=FORMAT_DOC, explain=_explain, data=data
        )
        raise InvalidFile(problems) from None


def _explain(loc: tuple, error: dict) -> str | None:
    if error["type"] == "literal_error" and loc == (FORMAT_KEY,):
        return gettext("this format version is not known; write %(key)s: %(version)s") % {
            "key": FORMAT_KEY,
            "version": FORMAT_VERSION,
        }
    return None


def occurrences(names: Iterable[str]) -> list[tuple[str, int]]:
    """(name, n): the n-th time this name appears, so two people of one name stay apart."""
    seen: Counter = Counter()
    out = []
    for name in names:
        out.append((name, seen[name]))
        seen[name] += 1
    return out


@dataclasses.dataclass
class Written:
    """The rows a governance import wrote or kept, by their keys, for what refers to them (a committee).

    Keys: a body's slug; a term's (body id, label); a member's (term id, name, n), the n-th member of
    that name in the term.
    """

    bodies: dict[str, Body]
    terms: dict[tuple[int, str], Term]
    members: dict[tuple[int, str, int], Member]


class GovernanceImporter:
    """Checks and writes the governance of one file's organisation; counts what it writes in ``result``.

    ``check()`` first, then ``write()`` inside the caller's transaction. After ``check()``,
    ``organisation`` is the stored organisation (None if it is unknown), ``body_index`` maps each
    body slug to its place under ``bodies`` and ``terms_in`` each (body slug, term label) to the term.
    """

    def __init__(self, doc: GovernanceFile, filename: str, text: str):
        self.doc = doc
        self.filename = filename
        self.text = text
        self.finder = LineFinder(text)
        self.result = ImportResult(filename, doc.organisation)
        self._data: dict | None = None

    @property
    def data(self) -> dict:
        """The parsed file, read again only when a problem is to be placed (paths name items by slug)."""
        if self._data is None:
            self._data = load_mapping(self.text, self.filename, not_a_mapping="")
        return self._data

    def problem(self, path: tuple, message: str) -> Problem:
        """A problem at ``path`` of this file, with its line."""
        return Problem(self.filename, self.finder.line(path), path_text(path, self.data), message)

    def place(self, path: tuple) -> str:
        """Where ``path`` is, to name it in another problem's message (``line 12``)."""
        return place_text(self.finder.line(path), path, self.data)

    # --- references ------------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        """Every reference inside the file and to the database; return the problems, in file order."""
        doc = self.doc
        problems: list[Problem] = []

        def bad(path: tuple, message: str) -> None:
            problems.append(self.problem(path, message))

        self.organisation = Organisation.objects.filter(slug=doc.organisation).first()
        if self.organisation is None:
            bad(
                ("organisation",),
                gettext("unknown organisation %(slug)s; import the strategy file that defines it first")
                % {"slug": repr(doc.organisation)},
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
                    gettext("duplicate body slug %(slug)s (also at %(place)s)")
                    % {"slug": repr(body.slug), "place": self.place(("bodies", bodies[body.slug], "slug"))},
                )
                continue
            bodies[body.slug] = i
            labels: dict[str, int] = {}
            for j, term in enumerate(body.terms):
                if term.label in labels:
                    bad(
                        ("bodies", i, "terms", j, "label"),
                        gettext("duplicate term label %(label)s in body %(body)s (also at %(place)s)")
                        % {
                            "label": repr(term.label),
                            "body": repr(body.slug),
                            "place": self.place(("bodies", i, "terms", labels[term.label], "label")),
                        },
                    )
                labels[term.label] = j
                terms[(body.slug, term.label)] = term
                for k, m in enumerate(term.members):
                    if m.organisation and m.organisation not in self.org_ids:
                        bad(
                            ("bodies", i, "terms", j, "members", k, "organisation"),
                            gettext(
                                "unknown organisation %(slug)s; give only organisation_name for an "
                                "organisation that is not in the data"
                            )
                            % {"slug": repr(m.organisation)},
                        )
        self.body_index = bodies
        self.terms_in = terms

        sessions: dict[tuple, int] = {}
        for i, session in enumerate(doc.sessions):
            if session.body not in bodies:
                bad(
                    ("sessions", i, "body"),
                    gettext("no body %(body)s in this file") % {"body": repr(session.body)},
                )
            if session.key() in sessions:
                bad(
                    ("sessions", i),
                    gettext("the same session (body, kind, number and date) as at %(place)s")
                    % {"place": self.place(("sessions", sessions[session.key()]))},
                )
            sessions.setdefault(session.key(), i)
            numbers: set = set()
            for j, decision in enumerate(session.decisions):
                if decision.number in numbers:
                    bad(
                        ("sessions", i, "decisions", j, "number"),
                        gettext("two decisions of this session with number %(number)s")
                        % {"number": repr(decision.number)}
                        if decision.number
                        else gettext("two decisions of this session without a number"),
                    )
                numbers.add(decision.number)

        for i, body in enumerate(doc.bodies):
            for j, term in enumerate(body.terms):
                ref = term.appointed_by
                if ref is None or ref.session is None:
                    continue
                path = ("bodies", i, "terms", j, "appointed_by", "session")
                if ref.session.key() not in sessions:
                    bad(
                        path,
                        gettext("no such session under sessions: %(session)s")
                        % {"session": self._describe(ref.session)},
                    )
                    continue
                session = doc.sessions[sessions[ref.session.key()]]
                if ref.decision is not None and ref.decision not in {d.number for d in session.decisions}:
                    bad(
                        ("bodies", i, "terms", j, "appointed_by", "decision"),
                        gettext("session %(session)s lists no decision %(decision)s")
                        % {"session": self._describe(ref.session), "decision": repr(ref.decision)},
                    )
        return problems

    @staticmethod
    def _describe(ref: SessionRef) -> str:
        values = {"body": ref.body, "kind": ref.kind.value, "number": ref.number}
        if ref.date is None:
            if ref.number:
                return gettext("%(body)s %(kind)s no. %(number)s without a date") % values
            return gettext("%(body)s %(kind)s without a date") % values
        values["date"] = ref.date.isoformat()
        if ref.number:
            return gettext("%(body)s %(kind)s no. %(number)s of %(date)s") % values
        return gettext("%(body)s %(kind)s of %(date)s") % values

    # --- writing ---------------------------------------------------------------------------------

    def write(self) -> Written:
        """Make the stored bodies, sessions, terms and members of the organisation match the file."""
        bodies = self._bodies()
        sessions, decisions = self._sessions(bodies)
        terms, members = self._terms(bodies, sessions, decisions)
        return Written(bodies, terms, members)

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
                    elif ref.selection == Selection.DECISION and len(listed) == 1:
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
                    zip(t.members, occurrences(x.name for x in t.members), strict=True)
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
