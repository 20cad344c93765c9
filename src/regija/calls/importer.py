"""Importing governance files: the historic calls they list, and each file as a whole.

A governance file (docs/governance.md) holds an organisation's bodies, sessions and historic public
calls. regija.governance.importer checks and writes the governance; this module adds the calls, with
the committees that evaluated them and their applications, and imports whole files: every file of
a run is checked completely, then written, in one transaction, so an error anywhere leaves the
database as it was, and every problem names the file, its line and the path inside it.

A historic call is archived. Its applications are derived from the projects under its strategy
node, one per project; projects and their money are only read. Importing a file again makes the
stored calls match it (matched by call number within the organisation) and changes nothing when
the file is unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from regija.core import audit, caching
from regija.core.files import (
    InvalidFile,
    LineFinder,
    Problem,
    code_of,
    in_file_order,
    items_of,
    read_text,
    text_of,
)
from regija.core.rowsync import ImportResult, blank, sync_links, sync_rows
from regija.core.translate import gettext
from regija.events import sources as event_sources
from regija.governance.importer import (
    GovernanceImporter,
    RunOutline,
    Written,
    load_text,
    occurrences,
    validate,
)
from regija.governance.models import MemberRole
from regija.projects.models import Fund, Project, ProjectStatus
from regija.strategies.models import Node, Strategy

from .fileformat import GovernanceFileWithCalls
from .models import (
    Application,
    ApplicationFund,
    ApplicationStatus,
    Call,
    CallFund,
    CallStatus,
    CommitteeSeat,
    SeatRole,
)


class _Rollback(Exception):
    pass


def import_files(
    paths: Iterable[str | Path], *, dry_run: bool = False, run: RunOutline | None = None
) -> list[ImportResult]:
    """Validate and load governance files in one transaction; raise InvalidFile and write nothing on error.

    Every file is checked completely – format and references at once – whatever else fails, so that
    every problem of every file is reported in one run. ``run`` is what the strategy files of the same
    run define (``RunOutline``): a reference to it is not reported as unknown, and a file that needs
    what such a file could not write is checked but not written (the strategy file's problems fail
    the run).
    """
    results: list[ImportResult] = []
    problems: list[Problem] = []
    seen_orgs: dict[str, str] = {}
    try:
        # sessions and calls are written in bulk: their events follow at once, after the whole run
        with transaction.atomic(), event_sources.suspended():
            for path in [str(p) for p in paths]:
                try:
                    importer = _FileImporter.read(path, run)
                except InvalidFile as exc:
                    problems.extend(exc.problems)
                    continue
                file_problems = importer.check()
                org = text_of(importer.governance.data.get("organisation"))
                if org in seen_orgs:
                    file_problems.insert(
                        0,
                        importer.governance.problem(
                            ("organisation",),
                            gettext(
                                "%(file)s in this run is also about %(slug)s; one organisation's "
                                "governance is one file"
                            )
                            % {"file": seen_orgs[org], "slug": repr(org)},
                        ),
                    )
                elif org is not None:
                    seen_orgs[org] = path
                problems.extend(file_problems)
                # once a file has failed, the others are only checked, for a complete report
                if not problems and not importer.governance.deferred:
                    results.append(importer.write())
            if problems:
                raise InvalidFile(problems)
            if dry_run:
                raise _Rollback
            if results:
                transaction.on_commit(event_sources.sync_all)
    except _Rollback:
        pass
    return results


def import_text(text: str, filename: str = "<text>") -> ImportResult:
    """Import one governance file given as text (tests, API)."""
    with transaction.atomic():
        importer = _FileImporter.parse(text, filename)
        problems = importer.check()
        if problems:
            raise InvalidFile(problems)
        return importer.write()


class _FileImporter:
    """One governance file: its governance, then its calls."""

    def __init__(self, governance: GovernanceImporter, format_problems: list[Problem]):
        self.governance = governance
        self.calls = CallsImporter(governance)
        self.format_problems = format_problems

    @classmethod
    def read(cls, path: str, run: RunOutline | None = None) -> _FileImporter:
        """The file at ``path``; raise InvalidFile when it cannot be read as YAML."""
        return cls.parse(read_text(Path(path)), path, run)

    @classmethod
    def parse(cls, text: str, filename: str, run: RunOutline | None = None) -> _FileImporter:
        data = load_text(text, filename)
        finder = LineFinder(text)
        doc, problems, failed = validate(data, filename, finder, GovernanceFileWithCalls)
        return cls(GovernanceImporter(data, doc, filename, text, failed=failed, run=run), problems)

    def check(self) -> list[Problem]:
        """Every problem of the file – format, references of the governance and of the calls – in file
        order."""
        return in_file_order(self.format_problems + self.governance.check() + self.calls.check())

    def write(self) -> ImportResult:
        """Write the checked file (``check()`` found no problem)."""
        try:
            with transaction.atomic():
                self.calls.write(self.governance.write())
        except IntegrityError as exc:
            raise InvalidFile(
                [
                    Problem(
                        self.governance.filename,
                        None,
                        "",
                        gettext("the database refused the data: %(error)s") % {"error": exc},
                    )
                ]
            ) from None
        result = self.governance.result
        if result.changed:
            audit.record_import(self.governance.organisation, result)
            caching.bump()
        return result


def application_status(project_status: str) -> str:
    """The application behind an operation. A withdrawn operation was approved first (002 lists it with its
    decision or contract); the withdrawal belongs to the operation, not to the application."""
    if project_status in (ProjectStatus.IDEA, ProjectStatus.APPLIED):
        return ApplicationStatus.SUBMITTED
    return ApplicationStatus.APPROVED


def _call_slug(call: dict) -> str | None:
    """The slug a call will have (its own, or made from its title or number), read from its mapping."""
    if call.get("slug") is not None:
        return text_of(call.get("slug"))
    title, number = text_of(call.get("title")), code_of(call.get("number"))
    if title is None or number is None:
        return None
    return slugify(title)[:100] or slugify(number)


class CallsImporter:
    """Checks and writes the historic calls of a governance file, next to its GovernanceImporter.

    What it writes is counted in the governance importer's result: one summary and one audit entry
    per file.
    """

    def __init__(self, governance: GovernanceImporter):
        self.governance = governance
        self.result = governance.result

    @property
    def doc(self) -> GovernanceFileWithCalls:
        return self.governance.doc  # type: ignore[return-value]

    def check(self) -> list[Problem]:  # noqa: C901 - one pass over the calls' references
        """Every reference of the calls, inside the file and to the database, checked on the parsed
        data; return the problems. A field that failed the format is not checked again.

        Runs after GovernanceImporter.check(), whose bodies, terms and organisation it uses.
        """
        governance = self.governance
        data = governance.data
        bodies = governance.body_index
        terms = governance.terms_in
        run = governance.run
        problems: list[Problem] = []

        def bad(path: tuple, message: str) -> None:
            if not governance.is_failed(path):
                problems.append(governance.problem(path, message))

        numbers: dict[str, int] = {}
        slugs: dict[str, int] = {}
        self.call_projects: dict[int, list[Project]] = {}
        self.strategy_ids: dict[str, int] = {}
        self.node_ids: dict[int, int] = {}
        calls = items_of(data, "calls")
        funds = {x for _, c in calls for _, f in items_of(c, "funds") if (x := code_of(f.get("fund")))}
        self.fund_ids = dict(Fund.objects.filter(code__in=funds).values_list("code", "id"))
        owner: dict[int, str] = {}  # project id -> where it already is an application
        existing_calls = (
            {c.number: c for c in Call.objects.filter(organisation=governance.organisation)}
            if governance.organisation
            else {}
        )
        for i, call in calls:
            number = code_of(call.get("number"))
            if number is not None and number in numbers:
                bad(
                    ("calls", i, "number"),
                    gettext("duplicate call number %(number)s (also at %(place)s)")
                    % {
                        "number": repr(number),
                        "place": governance.place(("calls", numbers[number], "number")),
                    },
                )
            elif number is not None:
                numbers[number] = i
            call_slug = _call_slug(call)
            field = "slug" if call.get("slug") is not None else "title"
            if call_slug is not None and call_slug in slugs and not governance.is_failed(("calls", i, field)):
                bad(
                    ("calls", i, field),
                    gettext("two calls would have the slug %(slug)s (also at %(place)s); give each a slug")
                    % {"slug": repr(call_slug), "place": governance.place(("calls", slugs[call_slug]))},
                )
            elif call_slug is not None:
                slugs[call_slug] = i
            stored = existing_calls.get(number) if number is not None else None
            if stored is not None and stored.status != CallStatus.ARCHIVED:
                bad(
                    ("calls", i, "number"),
                    gettext(
                        "call %(number)s of %(organisation)s is stored as a live call (%(status)s); a "
                        "governance file only holds archived historic calls"
                    )
                    % {
                        "number": repr(number),
                        "organisation": repr(governance.organisation.slug),
                        "status": stored.get_status_display(),
                    },
                )
            seen_funds: dict[str, int] = {}
            for j, f in items_of(call, "funds"):
                code = code_of(f.get("fund"))
                if code is None or governance.is_failed(("calls", i, "funds", j, "fund")):
                    continue
                if code not in self.fund_ids:
                    if run.fund(code):
                        governance.deferred = True
                    else:
                        bad(
                            ("calls", i, "funds", j, "fund"),
                            gettext("unknown fund %(code)s; it is defined by the strategy files")
                            % {"code": repr(code)},
                        )
                if code in seen_funds:
                    bad(
                        ("calls", i, "funds", j, "fund"),
                        gettext("fund %(code)s is listed twice in this call (also at %(place)s)")
                        % {
                            "code": repr(code),
                            "place": governance.place(("calls", i, "funds", seen_funds[code], "fund")),
                        },
                    )
                else:
                    seen_funds[code] = j
            committee = call.get("committee")
            if isinstance(committee, dict):
                body, label = text_of(committee.get("body")), code_of(committee.get("term"))
                term = terms.get((body, label)) if body and label else None
                if body is None or label is None:
                    pass
                elif body not in bodies:
                    if governance.all_bodies_read:
                        bad(
                            ("calls", i, "committee", "body"),
                            gettext("no body %(body)s in this file") % {"body": repr(body)},
                        )
                elif term is None:
                    if body not in governance.unread_terms:
                        bad(
                            ("calls", i, "committee", "term"),
                            gettext("body %(body)s has no term %(term)s")
                            % {"body": repr(body), "term": repr(label)},
                        )
                elif (
                    sum(text_of(m.get("role")) == MemberRole.CHAIR for _, m in items_of(term, "members")) > 1
                ):
                    bad(
                        ("calls", i, "committee", "term"),
                        gettext("a call's committee has at most one chair; this term lists several"),
                    )
            self._check_node(i, call, bad, owner)
        return problems

    def _check_node(self, i: int, call: dict, bad, owner: dict[int, str]) -> None:
        """The call's strategy and node, and the projects under the node that become its applications."""
        governance = self.governance
        run = governance.run
        strategy = text_of(call.get("strategy"))
        if strategy is None or governance.is_failed(("calls", i, "strategy")):
            return
        code = code_of(call.get("node"))
        if governance.is_failed(("calls", i, "node")):
            code = None
        if strategy not in self.strategy_ids:
            sid = Strategy.objects.filter(slug=strategy).values_list("id", flat=True).first()
            if sid is None:
                if run.strategy(strategy):
                    # defined by a strategy file of this run that could not be written
                    governance.deferred = True
                    if code is not None and not run.node(strategy, code):
                        bad(
                            ("calls", i, "node"),
                            gettext("strategy %(slug)s has no node %(code)s")
                            % {"slug": repr(strategy), "code": repr(code)},
                        )
                    return
                bad(
                    ("calls", i, "strategy"),
                    gettext("strategy %(slug)s is not loaded; import its file first or in the same run")
                    % {"slug": repr(strategy)},
                )
                return
            self.strategy_ids[strategy] = sid
        if code is None:
            return
        node_id = (
            Node.objects.filter(strategy_id=self.strategy_ids[strategy], code=code)
            .values_list("id", flat=True)
            .first()
        )
        if node_id is None:
            if strategy in run.strategies and run.node(strategy, code):
                governance.deferred = True  # a node the run's strategy file adds, but could not write
            else:
                bad(
                    ("calls", i, "node"),
                    gettext("strategy %(slug)s has no node %(code)s")
                    % {"slug": repr(strategy), "code": repr(code)},
                )
            return
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
                    gettext(
                        "project %(project)s under %(node)s has no holder, so its application has no "
                        "applicant"
                    )
                    % {"project": repr(project.code), "node": repr(code)},
                )
            if project.pk in owner:
                bad(
                    ("calls", i, "node"),
                    gettext(
                        "project %(project)s is under the node of the call at %(place)s as well; one "
                        "project is one application"
                    )
                    % {"project": repr(project.code), "place": owner[project.pk]},
                )
            owner[project.pk] = governance.place(("calls", i))
        number = code_of(call.get("number"))
        foreign = (
            Application.objects.filter(project__in=projects)
            .exclude(call__organisation=governance.organisation, call__number=number)
            .select_related("call", "project")
            .first()
        )
        if foreign is not None:
            bad(
                ("calls", i, "node"),
                gettext("project %(project)s is already the operation of an application to %(call)s")
                % {"project": repr(foreign.project.code), "call": repr(foreign.call.title)},
            )

    def write(self, written: Written) -> None:
        """Make the stored historic calls of the organisation match the file, with what hangs on them."""
        bodies, terms, members = written.bodies, written.terms, written.members
        org = self.governance.organisation
        stored = {c.number: c for c in Call.objects.filter(organisation=org)}
        listed = {c.number for c in self.doc.calls}
        # a call the file no longer lists goes only if an import made it: archived, and every
        # application from a project
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
            roles = [
                SeatRole.CHAIR if m.role == MemberRole.CHAIR else SeatRole.MEMBER for m in term_in.members
            ]
            for order, (m, occurrence, role) in enumerate(
                zip(term_in.members, occurrences(x.name for x in term_in.members), roles, strict=True)
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
