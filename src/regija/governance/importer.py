"""Importing a governance file's bodies, terms, members, sessions, agenda items and decisions.

A file is checked completely before anything is written: its format (the pydantic models) and its
references inside itself and to the database in one pass, so that every problem of a file is
reported at once. References are checked on the parsed data, also where other fields are not valid;
a field whose own format is wrong is reported once, as a format problem. Every problem names the
file, its line and the path inside it, with the slugs and labels the file uses
(``bodies › nadzorni-odbor › terms › 2023–2027 › members › 4 › role``), and a duplicate names the
line of the other use. What the strategy files of the same run define counts as known even when they
could not be written (``RunOutline``), so that their problems are not repeated as unknown references.
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
import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from regija.core.files import (
    LineFinder,
    Problem,
    code_of,
    in_file_order,
    items_of,
    list_of,
    load_mapping,
    path_text,
    place_text,
    schema_errors,
    text_of,
)
from regija.core.filetypes import parse_date
from regija.core.models import Organisation
from regija.core.rowsync import ImportResult, blank, sync_rows
from regija.core.translate import gettext
from regija.interchange.reader import Defined

from .fileformat import FORMAT_DOC, FORMAT_KEY, FORMAT_VERSION, GovernanceFile
from .models import AgendaItem, Body, Decision, Member, Selection, Session, SessionKind, Term

F = TypeVar("F", bound=GovernanceFile)


def load_text(text: str, filename: str) -> dict:
    """Parse a governance file's YAML; raise InvalidFile when it is not YAML or not a mapping."""
    return load_mapping(
        text,
        filename,
        not_a_mapping=gettext("a governance file must be a YAML mapping starting with %(key)s: 1")
        % {"key": FORMAT_KEY},
    )


def validate(
    data: dict, filename: str, finder: LineFinder, schema: type[F] = GovernanceFile
) -> tuple[F | None, list[Problem], list[tuple]]:
    """The format of a parsed governance file: the validated document (None when it is not valid),
    its format problems, and the field paths that failed (their references are not checked again)."""
    try:
        return schema.model_validate(data), [], []
    except ValidationError as exc:
        errors = schema_errors(exc, format_doc=FORMAT_DOC, explain=_explain)
        problems = [Problem(filename, finder.line(loc), path_text(loc, data), msg) for loc, msg in errors]
        return None, problems, [loc for loc, _msg in errors]


def _explain(loc: tuple, error: dict) -> str | None:
    if error["type"] == "literal_error" and loc == (FORMAT_KEY,):
        return gettext("this format version is not known; write %(key)s: %(version)s") % {
            "key": FORMAT_KEY,
            "version": FORMAT_VERSION,
        }
    return None


# --- the parsed file, read as the format reads it, also where it is not valid ---------------------


def _date_of(value: Any) -> dt.date | None:
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        return None


def session_key(raw: Any) -> tuple | None:
    """A session's key (body, kind, number, date) read from its mapping (a session or a reference to
    one), as the format reads it; None when a part of it cannot be read."""
    if not isinstance(raw, dict):
        return None
    body = text_of(raw.get("body"))
    kind = text_of(raw.get("kind")) if raw.get("kind") is not None else SessionKind.REGULAR.value
    number = raw.get("number")
    date = _date_of(raw.get("date")) if raw.get("date") is not None else None
    if (
        body is None
        or kind not in SessionKind.values
        or (number is not None and (isinstance(number, bool) or not isinstance(number, int)))
        or (raw.get("date") is not None and date is None)
    ):
        return None
    return (body, kind, number, date)


@dataclasses.dataclass
class RunOutline:
    """What the strategy files of the same run define, read from their data whether or not they could
    be written: a governance file's reference to one of these is not reported as unknown (the strategy
    file's own problems are), and the governance file is then checked but not written.

    ``complete`` is false when a strategy file of the run could not be read at all: it may define
    anything, so a reference to something not stored is not reported.
    """

    organisations: set[str] = dataclasses.field(default_factory=set)
    funds: set[str] = dataclasses.field(default_factory=set)
    strategies: dict[str, set[str]] = dataclasses.field(default_factory=dict)  # slug -> node codes
    complete: bool = True

    @classmethod
    def of(cls, outlines: Iterable[Defined | None]) -> RunOutline:
        """From the outlines of the run's strategy files (None for a file that could not be read)."""
        run = cls()
        for outline in outlines:
            if outline is None:
                run.complete = False
                continue
            run.organisations |= outline.organisations
            run.funds |= outline.funds
            if outline.slug:
                run.strategies.setdefault(outline.slug, set()).update(outline.nodes)
        return run

    def organisation(self, slug: str) -> bool:
        return slug in self.organisations or not self.complete

    def fund(self, code: str) -> bool:
        return code in self.funds or not self.complete

    def strategy(self, slug: str) -> bool:
        return slug in self.strategies or not self.complete

    def node(self, strategy: str, code: str) -> bool:
        if strategy in self.strategies:
            return code in self.strategies[strategy]
        return not self.complete


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

    ``data`` is the parsed file and ``doc`` the validated document, None when the format is not valid
    (then ``failed`` lists the paths that failed; the references are still checked, but nothing can be
    written). ``check()`` first, then ``write()`` inside the caller's transaction. After ``check()``,
    ``organisation`` is the stored organisation (None if it is not stored), ``body_index`` maps each
    body slug to its place under ``bodies``, ``terms_in`` each (body slug, term label) to the term's
    mapping, and ``deferred`` says that a reference was found only among what the strategy files of
    the run define (``run``) and not stored: the file cannot be written.
    """

    def __init__(
        self,
        data: dict,
        doc: GovernanceFile | None,
        filename: str,
        text: str,
        *,
        failed: Collection[tuple] = (),
        run: RunOutline | None = None,
    ):
        self.data = data
        self.doc = doc
        self.filename = filename
        self.text = text
        self.finder = LineFinder(text)
        self.run = run or RunOutline()
        self.failed_at = {tuple(f)[:n] for f in failed for n in range(1, len(f) + 1)}
        self.deferred = False
        organisation = text_of(data.get("organisation"))
        self.result = ImportResult(filename, doc.organisation if doc else organisation or "")

    def problem(self, path: tuple, message: str) -> Problem:
        """A problem at ``path`` of this file, with its line."""
        return Problem(self.filename, self.finder.line(path), path_text(path, self.data), message)

    def place(self, path: tuple) -> str:
        """Where ``path`` is, to name it in another problem's message (``line 12``)."""
        return place_text(self.finder.line(path), path, self.data)

    def is_failed(self, path: tuple) -> bool:
        """Whether ``path``, or a field under it, failed the format (it is reported already)."""
        return path in self.failed_at

    # --- references ------------------------------------------------------------------------------

    def check(self) -> list[Problem]:  # noqa: C901 - one pass over the file's references, part by part
        """Every reference inside the file and to the database, checked on the parsed data; return the
        problems, in file order. A field that failed the format is not checked again."""
        data = self.data
        problems: list[Problem] = []

        def bad(path: tuple, message: str) -> None:
            if not self.is_failed(path):
                problems.append(self.problem(path, message))

        slug = text_of(data.get("organisation"))
        self.organisation = Organisation.objects.filter(slug=slug).first() if slug else None
        if slug and self.organisation is None:
            if self.run.organisation(slug):
                self.deferred = True
            else:
                bad(
                    ("organisation",),
                    gettext("unknown organisation %(slug)s; import the strategy file that defines it first")
                    % {"slug": repr(slug)},
                )
        raw_bodies = items_of(data, "bodies")
        wanted_orgs = {
            x
            for _, b in raw_bodies
            for _, t in items_of(b, "terms")
            for _, m in items_of(t, "members")
            if (x := text_of(m.get("organisation")))
        }
        self.org_ids = dict(Organisation.objects.filter(slug__in=wanted_orgs).values_list("slug", "id"))

        bodies: dict[str, int] = {}
        terms: dict[tuple[str, str], dict] = {}
        # a body or term whose slug or label cannot be read could be the one a reference means
        self.all_bodies_read = len(raw_bodies) == len(list_of(data.get("bodies")))
        self.unread_terms: set[str] = set()
        for i, body in raw_bodies:
            body_slug = text_of(body.get("slug"))
            if body_slug is None:
                self.all_bodies_read = False
                continue
            if body_slug in bodies:
                bad(
                    ("bodies", i, "slug"),
                    gettext("duplicate body slug %(slug)s (also at %(place)s)")
                    % {"slug": repr(body_slug), "place": self.place(("bodies", bodies[body_slug], "slug"))},
                )
                continue
            bodies[body_slug] = i
            labels: dict[str, int] = {}
            raw_terms = items_of(body, "terms")
            if len(raw_terms) != len(list_of(body.get("terms"))):
                self.unread_terms.add(body_slug)
            for j, term in raw_terms:
                label = code_of(term.get("label"))
                if label is None:
                    self.unread_terms.add(body_slug)
                elif label in labels:
                    bad(
                        ("bodies", i, "terms", j, "label"),
                        gettext("duplicate term label %(label)s in body %(body)s (also at %(place)s)")
                        % {
                            "label": repr(label),
                            "body": repr(body_slug),
                            "place": self.place(("bodies", i, "terms", labels[label], "label")),
                        },
                    )
                else:
                    labels[label] = j
                    terms[(body_slug, label)] = term
                for k, m in items_of(term, "members"):
                    org = text_of(m.get("organisation"))
                    if org is None or org in self.org_ids:
                        continue
                    if self.run.organisation(org):
                        self.deferred = True
                        continue
                    bad(
                        ("bodies", i, "terms", j, "members", k, "organisation"),
                        gettext(
                            "unknown organisation %(slug)s; give only organisation_name for an "
                            "organisation that is not in the data"
                        )
                        % {"slug": repr(org)},
                    )
        self.body_index = bodies
        self.terms_in = terms

        sessions: dict[tuple, int] = {}
        raw_sessions = items_of(data, "sessions")
        all_sessions_read = len(raw_sessions) == len(list_of(data.get("sessions")))
        for i, session in raw_sessions:
            body_slug = text_of(session.get("body"))
            if body_slug is not None and body_slug not in bodies and self.all_bodies_read:
                bad(
                    ("sessions", i, "body"),
                    gettext("no body %(body)s in this file") % {"body": repr(body_slug)},
                )
            key = session_key(session)
            if key is None:
                all_sessions_read = False
            elif key in sessions:
                bad(
                    ("sessions", i),
                    gettext("the same session (body, kind, number and date) as at %(place)s")
                    % {"place": self.place(("sessions", sessions[key]))},
                )
            else:
                sessions[key] = i
            numbers: dict[str | None, int] = {}
            for j, decision in items_of(session, "decisions"):
                path = ("sessions", i, "decisions", j, "number")
                if self.is_failed(path):
                    continue
                number = code_of(decision.get("number"))
                if number in numbers:
                    place = self.place(("sessions", i, "decisions", numbers[number]))
                    bad(
                        path,
                        gettext("two decisions of this session with number %(number)s (also at %(place)s)")
                        % {"number": repr(number), "place": place}
                        if number
                        else gettext("two decisions of this session without a number (also at %(place)s)")
                        % {"place": place},
                    )
                else:
                    numbers[number] = j

        for i, body in raw_bodies:
            for j, term in items_of(body, "terms"):
                ref = term.get("appointed_by")
                if not isinstance(ref, dict) or not isinstance(ref.get("session"), dict):
                    continue
                path = ("bodies", i, "terms", j, "appointed_by", "session")
                key = session_key(ref["session"])
                if key is None or self.is_failed(path):
                    continue
                if key not in sessions:
                    if all_sessions_read:
                        bad(
                            path,
                            gettext("no such session under sessions: %(session)s")
                            % {"session": self._describe(key)},
                        )
                    continue
                decision = code_of(ref.get("decision"))
                listed = {
                    code_of(d.get("number"))
                    for _, d in items_of(data["sessions"][sessions[key]], "decisions")
                }
                if decision is not None and decision not in listed:
                    bad(
                        ("bodies", i, "terms", j, "appointed_by", "decision"),
                        gettext("session %(session)s lists no decision %(decision)s")
                        % {"session": self._describe(key), "decision": repr(decision)},
                    )
        return in_file_order(problems)

    @staticmethod
    def _describe(key: tuple) -> str:
        """A session named by its key (body, kind, number, date), as a message quotes it."""
        body, kind, number, date = key
        values = {"body": body, "kind": kind, "number": number}
        if date is None:
            if number:
                return gettext("%(body)s %(kind)s no. %(number)s without a date") % values
            return gettext("%(body)s %(kind)s without a date") % values
        values["date"] = date.isoformat()
        if number:
            return gettext("%(body)s %(kind)s no. %(number)s of %(date)s") % values
        return gettext("%(body)s %(kind)s of %(date)s") % values

    # --- writing ---------------------------------------------------------------------------------

    def write(self) -> Written:
        """Make the stored bodies, sessions, terms and members of the organisation match the file.

        Only after ``check()`` found no problem, with a valid document and nothing ``deferred``."""
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
