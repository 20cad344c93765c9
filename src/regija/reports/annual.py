"""The annual activity report of an organisation (a LAS, a municipality, a region) for one year.

``build(organisation, year)`` reads everything the report shows – profile, bodies and their
sessions, calls with their operations and money, indicators, cooperation operations and the
stated figures that differ from the data – into one tree of dataclasses. The HTML page, the HTML
file and the DOCX file are all rendered from that tree (through ``layout.layout``), so they always
agree. Nothing is copied from a source document: every table is computed from the database.

The report comes in two forms (``build(…, published=…)``): the **staff form** names every holder and
partner and marks those who are natural persons; the **published form** – the one an organisation puts
on its website – names no natural person: the tree holds no such name at all, only that there is one.

The number of queries is fixed: it does not grow with the number of bodies, sessions, calls,
applications or projects (only with the organisation's strategies, through the consistency report,
which runs a fixed number of queries per strategy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from regija.calls.models import Application, ApplicationFund, Call, CallState, CallStatus
from regija.core.collation import slovenian
from regija.core.models import Organisation, OrganisationKind
from regija.core.money import CENT
from regija.core.templatetags.regija import STATUS_LABELS
from regija.governance.models import AgendaItem, Body, Decision, Member, Session, Term
from regija.projects import consistency
from regija.projects.models import Allocation, Fund, Partner, Project
from regija.strategies import progress as progress_mod
from regija.strategies.models import Indicator, Node, Observation, Strategy
from regija.strategies.selectors import exact_decimal

from .layout import fmt_date

ZERO = Decimal("0.00")
YEARS = range(1900, 2201)  # the years a report may be asked for (the page answers 404 outside them)


# --------------------------------------------------------------------------------------- the tree


@dataclasses.dataclass
class Profile:
    name: str
    short_name: str
    kind: str  # the organisation kind's label
    address: str
    website: str
    registration_number: str
    territory: list[str]  # municipalities covered by the organisation's strategies
    strategies: list[StrategyRef]


@dataclasses.dataclass
class StrategyRef:
    slug: str
    title: str
    period: str  # "2023", "2021–2027", or ""
    url: str


@dataclasses.dataclass
class MemberRow:
    name: str
    role: str  # chair, deputy, member
    role_label: str
    represents: str
    start: dt.date | None
    end: dt.date | None
    note: str


@dataclasses.dataclass
class TermBlock:
    label: str
    start: dt.date | None
    end: dt.date | None
    members: list[MemberRow]


@dataclasses.dataclass
class SessionRow:
    kind: str  # regular, correspondence
    kind_label: str
    number: int | None
    date: dt.date | None
    end_date: dt.date | None
    held: bool
    place: str
    agenda: list[str]
    decisions: list[tuple[str, str]]  # (number, text)
    note: str


@dataclasses.dataclass
class BodyBlock:
    slug: str
    name: str
    kind: str
    kind_label: str
    description: str
    terms: list[TermBlock]
    sessions: list[SessionRow]


@dataclasses.dataclass
class Note:
    """A figure a source document states and what the data adds up to, where they differ."""

    kind: str  # "contradiction" or "unverifiable" (see projects.consistency)
    subject: str
    stated: str
    computed: str
    source: str
    strategy: str


@dataclasses.dataclass(frozen=True)
class Party:
    """A holder or partner as the report names it: ``name`` is empty for a natural person in the
    published form (``person`` says it is one, and the layout writes "natural person")."""

    name: str
    person: bool = False


def party(org: Organisation | None, published: bool) -> Party:
    if org is None:
        return Party("")
    person = org.kind == OrganisationKind.PERSON
    return Party("" if person and published else org.name, person)


@dataclasses.dataclass
class OperationRow:
    code: str
    title: str
    holder: Party
    approved: Decimal
    instrument: str  # the instrument's kind, number and date as one label
    status: str
    status_label: str
    paid: Decimal
    claimed: Decimal
    url: str
    reference: str = ""  # the application's reference ("5/3"), when numbered

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"


@dataclasses.dataclass
class CallBlock:
    number: str
    title: str
    published_on: dt.date | None
    state: str
    state_label: str
    committee: str
    operations: list[OperationRow]
    notes: list[Note]

    @property
    def approved(self) -> Decimal:
        return sum((o.approved for o in self.operations), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((o.paid for o in self.operations), ZERO)

    @property
    def claimed(self) -> Decimal:
        return sum((o.claimed for o in self.operations), ZERO)

    @property
    def withdrawn(self) -> int:
        return sum(1 for o in self.operations if o.withdrawn)


@dataclasses.dataclass
class FundRow:
    code: str
    name: str
    approved: Decimal
    paid: Decimal
    claimed: Decimal
    operations: int
    withdrawn: int


@dataclasses.dataclass
class AllocationRow:
    """Money a fund sets aside for the organisation in a programme period, as a strategy states it."""

    fund_code: str
    fund_name: str
    period: str  # "2021–2027", or "" when the source gives none
    amount: Decimal
    source: str  # the strategy that states it, and where


@dataclasses.dataclass
class IndicatorRow:
    strategy: str
    code: str
    name: str
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    target_date: dt.date | None
    achieved: Decimal | None
    achieved_date: dt.date | None
    status: str
    status_label: str
    url: str


@dataclasses.dataclass
class CooperationRow:
    code: str
    title: str
    holder: Party
    partners: list[Party]
    approved: Decimal | None  # None: the data has no budget for it
    paid: Decimal
    status: str
    status_label: str
    url: str


@dataclasses.dataclass
class AnnualReport:
    organisation_slug: str
    year: int
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    profile: Profile
    bodies: list[BodyBlock]
    calls: list[CallBlock]
    funds: list[FundRow]
    allocations: list[AllocationRow]  # the organisation's fund allocations for periods that include the year
    indicators: list[IndicatorRow]
    cooperation: list[CooperationRow]
    notes: list[Note]  # every stated figure of the organisation's strategies that differs from the data
    published: bool = False  # the published form: natural persons are not named

    @property
    def operations(self) -> int:
        return sum(len(c.operations) for c in self.calls)

    @property
    def withdrawn(self) -> int:
        return sum(c.withdrawn for c in self.calls)

    @property
    def approved(self) -> Decimal:
        return sum((c.approved for c in self.calls), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((c.paid for c in self.calls), ZERO)

    @property
    def claimed(self) -> Decimal:
        return sum((c.claimed for c in self.calls), ZERO)

    @property
    def has_claims(self) -> bool:
        return any(c.claimed for c in self.calls)

    @property
    def has_persons(self) -> bool:
        """Whether a natural person holds or partners in an operation of the report."""
        holders = [o.holder for c in self.calls for o in c.operations] + [o.holder for o in self.cooperation]
        return any(h.person for h in holders) or any(x.person for o in self.cooperation for x in o.partners)


# --------------------------------------------------------------------------------------- building


class UnknownOrganisation(LookupError):
    pass


def build(organisation: Organisation | str, year: int, *, published: bool = False) -> AnnualReport:
    """The report of the organisation (an instance or its slug) for the calendar year: the staff form, or
    with ``published`` the published form, which holds no natural person's name."""
    if not isinstance(organisation, Organisation):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise UnknownOrganisation(organisation)
    else:
        org = organisation
    year = int(year)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    strategies = _strategies(org, year)
    calls = _calls(org, end)
    notes_by_strategy = _findings(
        {s.pk: s for s in strategies} | {c.strategy_id: c.strategy for c in calls if c.strategy_id}
    )
    call_blocks, funds = _call_blocks(calls, end, notes_by_strategy, published)
    own_slugs = {s.slug for s in strategies}
    return AnnualReport(
        organisation_slug=org.slug,
        year=year,
        start=start,
        end=end,
        generated_at=timezone.now(),
        profile=_profile(org, strategies),
        bodies=_bodies(org, start, end),
        calls=call_blocks,
        funds=funds,
        allocations=_allocations(org, year),
        indicators=_indicators(strategies, end),
        cooperation=_cooperation(strategies, end, published),
        notes=[n for slug, notes in notes_by_strategy.items() if slug in own_slugs for n, _obj in notes],
        published=published,
    )


def _year_of(partial: str) -> int | None:
    try:
        return int(partial[:4])
    except (TypeError, ValueError):
        return None


def _strategies(org: Organisation, year: int) -> list:
    """The organisation's strategies whose period includes the year (an open or unknown end counts)."""

    out = []
    for s in Strategy.objects.filter(owners=org).order_by("period_start", slovenian("title"), "pk"):
        first, last = _year_of(s.period_start), _year_of(s.period_end)
        if (first is None or first <= year) and (last is None or last >= year):
            out.append(s)
    return out


def _period(s) -> str:
    a, b = (s.period_start or "")[:4], (s.period_end or "")[:4]
    if a and b and a != b:
        return f"{a}–{b}"
    return a or b


def _profile(org: Organisation, strategies: list) -> Profile:
    territory: list[str] = []
    for s in strategies:
        for m in s.territory or []:
            if m not in territory:
                territory.append(m)
    return Profile(
        name=org.name,
        short_name=org.short_name,
        kind=str(org.get_kind_display()),
        address=org.address,
        website=org.website,
        registration_number=org.registration_number,
        territory=territory,
        strategies=[StrategyRef(s.slug, s.title, _period(s), s.get_absolute_url()) for s in strategies],
    )


def _allocations(org: Organisation, year: int) -> list[AllocationRow]:
    """The organisation's fund allocations whose programme period includes the year (one without a
    period counts): one query, ordered by period and fund."""
    rows = []
    for a in (
        Allocation.objects.filter(owner=org)
        .select_related("fund", "declared_in")
        .order_by("period", "fund__code", "pk")
    ):
        first, _sep, last = a.period.partition("-")
        if a.period and not int(first) <= year <= int(last or first):
            continue
        source = a.declared_in.title + (f", {a.source}" if a.source else "")
        rows.append(AllocationRow(a.fund.code, a.fund.name, a.period.replace("-", "–"), a.amount, source))
    return rows


def _bodies(org: Organisation, start: dt.date, end: dt.date) -> list[BodyBlock]:
    """Bodies with a dated composition or a session in the year: six queries however many there are."""

    # A term without any date cannot be placed in a year; an open end means it still runs.
    terms_qs = (
        Term.objects.filter(Q(start__isnull=False) | Q(end__isnull=False))
        .filter(Q(start__isnull=True) | Q(start__lte=end), Q(end__isnull=True) | Q(end__gte=start))
        .order_by("order", "start", "pk")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.filter(
                    Q(start__isnull=True) | Q(start__lte=end), Q(end__isnull=True) | Q(end__gte=start)
                )
                .select_related("organisation")
                .order_by("order", "pk"),
            )
        )
    )
    in_year = Q(date__gte=start, date__lte=end) | Q(end_date__gte=start, end_date__lte=end)
    sessions_qs = (
        Session.objects.filter(in_year)
        .order_by("date", "kind", "number", "pk")
        .prefetch_related(
            Prefetch("agenda", queryset=AgendaItem.objects.order_by("order", "pk")),
            Prefetch("decisions", queryset=Decision.objects.order_by("pk")),
        )
    )
    bodies = (
        Body.objects.filter(organisation=org)
        .order_by("order", "name")
        .prefetch_related(
            Prefetch("terms", queryset=terms_qs, to_attr="year_terms"),
            Prefetch("sessions", queryset=sessions_qs, to_attr="year_sessions"),
        )
    )
    out = []
    for b in bodies:
        if not b.year_terms and not b.year_sessions:
            continue
        terms = [
            TermBlock(
                t.label,
                t.start,
                t.end,
                [
                    MemberRow(m.name, m.role, str(m.get_role_display()), m.represents, m.start, m.end, m.note)
                    for m in t.members.all()
                ],
            )
            for t in b.year_terms
        ]
        sessions = [
            SessionRow(
                s.kind,
                str(s.get_kind_display()),
                s.number,
                s.date,
                s.end_date,
                s.held,
                s.place,
                [a.title for a in s.agenda.all()],
                [(d.number, d.text) for d in s.decisions.all()],
                s.note,
            )
            for s in b.year_sessions
        ]
        # regular sessions first, then correspondence ones, each by date (as the activity reports list them)
        sessions.sort(key=lambda r: (r.kind != "regular", r.date or dt.date.min, r.number or 0))
        out.append(
            BodyBlock(b.slug, b.name, b.kind, str(b.get_kind_display()), b.description, terms, sessions)
        )
    return out


def _calls(org: Organisation, end: dt.date) -> list:
    """Calls of the organisation published by the end of the year (drafts never)."""

    return list(
        Call.objects.filter(organisation=org)
        .exclude(status=CallStatus.DRAFT)
        .filter(Q(published_on__isnull=True) | Q(published_on__lte=end))
        .select_related("strategy", "committee_term", "committee_term__body")
        .prefetch_related("nodes")
        .order_by("published_on", "number", "pk")
    )


def _findings(strategies: dict) -> dict[str, list]:
    """Strategy slug → [(Note, (object_type, object_code))] from the consistency report of each strategy."""

    out: dict[str, list] = {}
    for s in sorted(strategies.values(), key=lambda s: s.slug):
        out[s.slug] = [
            (
                Note(f.kind, f.subject, f.stated, f.computed, f.source, f.strategy),
                (f.object_type, f.object_code),
            )
            for f in consistency.report(s)
        ]
    return out


def _eur(cents) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT)


def _money(project_ids: list[int], end: dt.date) -> tuple[dict, dict]:
    """Per project and fund: (approved, paid, claimed) in cents; one query.

    Approved is the secured part of the budget lines (all of a line that is secured, the stated part of
    one partly secured). Paid and claimed count payment claims dated by the end of the year, and
    undated ones (the source does not say when they were paid).
    """
    if not project_ids:
        return {}, {}
    marks = ", ".join(["%s"] * len(project_ids))
    sql = f"""
    SELECT x.project_id, x.fund_id, SUM(x.approved), SUM(x.paid), SUM(x.claimed), SUM(x.lines) FROM (
        SELECT b.project_id, b.fund_id,
               CASE WHEN b.secured = 'yes' THEN b.amount
                    WHEN b.secured = 'partly' THEN COALESCE(b.secured_amount, 0) ELSE 0 END AS approved,
               0 AS paid, 0 AS claimed, 1 AS lines
        FROM projects_budgetline b WHERE b.project_id IN ({marks})
        UNION ALL
        SELECT p.project_id, p.fund_id, 0,
               CASE WHEN p.state = 'paid' THEN p.amount ELSE 0 END,
               CASE WHEN p.state = 'claimed' THEN p.amount ELSE 0 END, 0
        FROM projects_payment p
        WHERE p.project_id IN ({marks}) AND (p.date IS NULL OR p.date <= %s)
    ) x GROUP BY x.project_id, x.fund_id"""  # noqa: S608 - %s placeholders only; the project ids and the date are parameters
    per_fund: dict[int, dict[int, list[int]]] = defaultdict(dict)
    with connection.cursor() as cur:
        cur.execute(sql, list(project_ids) * 2 + [end])
        for pid, fund_id, approved, paid, claimed, lines in cur.fetchall():
            per_fund[pid][fund_id] = [int(approved or 0), int(paid or 0), int(claimed or 0), int(lines or 0)]
    totals = {pid: [sum(v[i] for v in funds.values()) for i in range(4)] for pid, funds in per_fund.items()}
    return per_fund, totals


def _instrument(kind_label: str, number: str, date: dt.date | None) -> str:

    parts = [p for p in (kind_label, number, fmt_date(date) if date else "") if p]
    return " ".join(parts)


def _call_blocks(
    calls: list, end: dt.date, notes_by_strategy: dict, published: bool
) -> tuple[list[CallBlock], list[FundRow]]:

    if not calls:
        return [], []
    applications = list(
        Application.objects.filter(call__in=calls, project__isnull=False)
        .select_related("project", "project__holder", "project__strategy", "applicant")
        .order_by("call_id", "number", "pk")
    )
    calls_by_id = {c.pk: c for c in calls}
    project_ids = [a.project_id for a in applications]
    per_fund, totals = _money(project_ids, end)
    # Operations whose project has no budget lines: what the application's decision approved.
    no_budget = [a.pk for a in applications if not totals.get(a.project_id, [0, 0, 0, 0])[3]]
    app_funds: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if no_budget:
        for app_id, fund_id, approved in ApplicationFund.objects.filter(
            application_id__in=no_budget, approved__isnull=False
        ).values_list("application_id", "fund_id", "approved"):
            app_funds[app_id][fund_id] = approved
    when = min(timezone.now(), timezone.make_aware(dt.datetime.combine(end, dt.time.max)))

    by_call: dict[int, list[OperationRow]] = defaultdict(list)
    fund_sums: dict[int, dict] = {}
    for a in applications:
        p = a.project
        money = per_fund.get(p.pk, {})
        fund_approved = {f: _eur(v[0]) for f, v in money.items() if v[3]}
        if not fund_approved and app_funds.get(a.pk):
            fund_approved = dict(app_funds[a.pk])
        approved = sum(fund_approved.values(), ZERO)
        paid = _eur(totals.get(p.pk, [0, 0, 0, 0])[1])
        claimed = _eur(totals.get(p.pk, [0, 0, 0, 0])[2])
        kind, number, date = p.instrument_kind, p.instrument_number, p.instrument_date
        kind_label = p.get_instrument_kind_display() if kind else ""
        if not kind and a.instrument_kind:
            kind_label, number, date = a.get_instrument_kind_display(), a.instrument_number, a.instrument_date
        by_call[a.call_id].append(
            OperationRow(
                code=p.code,
                title=p.title,
                holder=party(p.holder if p.holder_id else a.applicant, published),
                approved=approved,
                instrument=_instrument(str(kind_label), number, date),
                status=p.status,
                status_label=str(p.get_status_display()),
                paid=paid,
                claimed=claimed,
                url=p.get_absolute_url(),
                reference=f"{calls_by_id[a.call_id].number}/{a.number}" if a.number else "",
            )
        )
        for fund_id in set(fund_approved) | {f for f, v in money.items() if v[1] or v[2]}:
            s = fund_sums.setdefault(
                fund_id, {"approved": ZERO, "paid": ZERO, "claimed": ZERO, "ops": set(), "wd": set()}
            )
            s["approved"] += fund_approved.get(fund_id, ZERO)
            s["paid"] += _eur(money.get(fund_id, [0, 0, 0, 0])[1])
            s["claimed"] += _eur(money.get(fund_id, [0, 0, 0, 0])[2])
            s["ops"].add(p.pk)
            if p.status == "withdrawn":
                s["wd"].add(p.pk)

    project_codes = {(a.project.strategy.slug, a.project.code): a.call_id for a in applications}
    blocks = []
    for c in calls:
        node_codes = {n.code for n in c.nodes.all()}
        notes = []
        slug = c.strategy.slug if c.strategy_id else None
        for s_slug, items in notes_by_strategy.items():
            for note, (otype, ocode) in items:
                if otype == "node" and s_slug == slug and ocode in node_codes:
                    notes.append(note)
                elif otype == "project" and project_codes.get((s_slug, ocode)) == c.pk:
                    notes.append(note)
        committee = ""
        if c.committee_term_id:
            committee = f"{c.committee_term.body.name} ({c.committee_term.label})"
        blocks.append(
            CallBlock(
                number=c.number,
                title=c.title,
                published_on=c.published_on,
                state=c.state_at(when),
                state_label=_state_label(c.state_at(when)),
                committee=committee,
                operations=by_call.get(c.pk, []),
                notes=notes,
            )
        )
    funds = Fund.objects.in_bulk(list(fund_sums))
    fund_rows = [
        FundRow(
            funds[fid].code,
            funds[fid].name,
            s["approved"],
            s["paid"],
            s["claimed"],
            len(s["ops"]),
            len(s["wd"]),
        )
        for fid, s in sorted(fund_sums.items(), key=lambda kv: funds[kv[0]].code)
    ]
    return blocks, fund_rows


def _state_label(state: str) -> str:

    try:
        return str(CallState(state).label)
    except ValueError:
        return state


def _indicators(strategies: list, end: dt.date) -> list[IndicatorRow]:
    """Each indicator of the strategies: target against the latest observation up to the year's end;
    one query."""

    if not strategies:
        return []
    latest = Observation.objects.filter(indicator=OuterRef("pk"), date__lte=end).order_by("-date")
    qs = (
        Indicator.objects.filter(strategy__in=strategies)
        .select_related("strategy")
        .annotate(
            latest_date=Subquery(latest.values("date")[:1]), latest_value=Subquery(latest.values("value")[:1])
        )
        .order_by("strategy__period_start", slovenian("strategy__title"), "strategy_id", "order", "pk")
    )
    out = []
    for ind in qs:
        value = exact_decimal(ind.latest_value)
        observations = [(ind.latest_date, value)] if ind.latest_date is not None else []
        prog = progress_mod.compute(
            direction=ind.direction,
            baseline_value=ind.baseline_value,
            baseline_date=ind.baseline_date,
            target_value=ind.target_value,
            target_date=ind.target_date,
            observations=observations,
            as_of=end,
        )
        out.append(
            IndicatorRow(
                strategy=ind.strategy.slug,
                code=ind.code,
                name=ind.name,
                unit=ind.unit,
                baseline=ind.baseline_value,
                target=ind.target_value,
                target_date=ind.target_date,
                achieved=value if ind.latest_date is not None else None,
                achieved_date=ind.latest_date,
                status=_status(ind, prog),
                status_label="",
                url=ind.get_absolute_url(),
            )
        )
    for row in out:
        row.status_label = str(STATUS_LABELS.get(row.status, row.status))
    return out


def _status(indicator, prog) -> str:
    """The progress status; an indicator with a target and a value that meets it is achieved even
    without a baseline (an activity report states targets and achieved values, rarely baselines)."""
    if (
        prog.status == progress_mod.Status.INCOMPLETE
        and indicator.target_value is not None
        and prog.latest_value is not None
    ):
        met = progress_mod.target_met(indicator.direction, prog.latest_value, indicator.target_value)
        if met:
            return progress_mod.Status.ACHIEVED
        if indicator.target_date and prog.latest_date and prog.latest_date >= indicator.target_date:
            return progress_mod.Status.OFF_TRACK
    return prog.status


def _cooperation(strategies: list, end: dt.date, published: bool) -> list[CooperationRow]:
    """Projects under nodes of level ``cooperation`` (or below them) in the strategies; three queries."""

    if not strategies:
        return []
    roots = list(
        Node.objects.filter(strategy__in=strategies, level="cooperation").values_list("strategy_id", "path")
    )
    if not roots:
        return []
    under = Q()
    for strategy_id, path in roots:
        under |= Q(nodes__strategy_id=strategy_id, nodes__path__startswith=path)
    projects = list(
        Project.objects.filter(under)
        .distinct()
        .select_related("holder", "strategy")
        .order_by(slovenian("strategy__title"), "strategy_id", "order", "pk")
    )
    if not projects:
        return []
    ids = [p.pk for p in projects]
    _per_fund, totals = _money(ids, end)
    partners: dict[int, list[Party]] = defaultdict(list)
    for partner in (
        Partner.objects.filter(project_id__in=ids)
        .select_related("organisation")
        .order_by("project_id", "order")
    ):
        partners[partner.project_id].append(party(partner.organisation, published))
    out = []
    for p in projects:
        money = totals.get(p.pk, [0, 0, 0, 0])
        out.append(
            CooperationRow(
                code=p.code,
                title=p.title,
                holder=party(p.holder if p.holder_id else None, published),
                partners=partners.get(p.pk, []),
                approved=_eur(money[0]) if money[3] else None,
                paid=_eur(money[1]),
                status=p.status,
                status_label=str(p.get_status_display()),
                url=p.get_absolute_url(),
            )
        )
    return out
