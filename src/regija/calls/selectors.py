"""Reads of calls: the list by state, one call with everything its page shows, the results – and the
staff's ranking of a call's applications (``ranking``).

A call's state follows from its status and the clock (``Call.state_at``). The same rule in SQL is
``state_q`` – the one place that says it – so a list filtered by state never disagrees with the
state a page shows. A draft call is never public: every read here starts from ``public_calls``.

Personal data: an applicant or partner that is a natural person (``Organisation.kind == "person"``)
is never named by these reads; ``party`` gives the name to show (or None for a natural person).
Every read runs a fixed number of SQL queries, however many calls and applications there are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from regija.core import caching
from regija.core.collation import slovenian
from regija.core.identifiers import same_organisation_numbers
from regija.core.models import Organisation, OrganisationKind, Role
from regija.core.money import format_eur
from regija.core.permissions import org_ids_with
from regija.governance.models import Member, MemberRole
from regija.governance.selectors import how_chosen
from regija.projects.models import BudgetLine, Fund, InstrumentKind, Payment, ProjectStatus, Secured
from regija.strategies.models import Node

from .models import (
    ApplicantRegistration,
    Application,
    ApplicationFund,
    ApplicationPartner,
    ApplicationStatus,
    Call,
    CallDocument,
    CallFund,
    CallState,
    CallStatus,
    CommitteeSeat,
    Criterion,
    Declaration,
    EligibilityCondition,
    RegistrationStatus,
    ScoreSheet,
    SeatRole,
    SheetStatus,
)

ZERO = Decimal("0.00")


def _eur(amount: Decimal | None) -> str:
    """An amount in a message, as the reader's language writes it."""
    return format_eur(amount, get_language() or "sl")


# The groups a visitor chooses between, in the order the list shows them, and the states in each.
OPEN, UPCOMING, CLOSED, ARCHIVE = "open", "upcoming", "closed", "archive"
GROUPS: dict[str, tuple[str, ...]] = {
    OPEN: (CallState.OPEN,),
    UPCOMING: (CallState.PUBLISHED,),
    CLOSED: (CallState.CLOSED, CallState.EVALUATED, CallState.DECIDED),
    ARCHIVE: (CallState.ARCHIVED,),
}
# States whose results are public.
RESULT_STATES = (CallState.DECIDED, CallState.ARCHIVED)


def state_q(state: str, now: dt.datetime) -> Q:
    """Calls in this state at ``now``: ``Call.state_at`` written as a filter.

    A published call is waiting until it opens (``now < opens_at``), open up to and including the
    closing second, and closed after it (``now > closes_at``); other statuses are their own state."""
    published = Q(status=CallStatus.PUBLISHED)
    not_before_opening = Q(opens_at__isnull=True) | Q(opens_at__lte=now)
    if state == CallState.PUBLISHED:
        return published & Q(opens_at__gt=now)
    if state == CallState.OPEN:
        return published & not_before_opening & (Q(closes_at__isnull=True) | Q(closes_at__gte=now))
    if state == CallState.CLOSED:
        return published & not_before_opening & Q(closes_at__lt=now)
    if state in CallStatus.values:
        return Q(status=state)
    raise ValueError(f"unknown call state {state!r}")


def group_q(group: str, now: dt.datetime) -> Q:
    """Calls in a visitor's group (open, upcoming, closed, archive) at ``now``."""
    states = GROUPS[group]
    q = state_q(states[0], now)
    for state in states[1:]:
        q |= state_q(state, now)
    return q


def group_of(state: str) -> str:
    return next((g for g, states in GROUPS.items() if state in states), "")


def public_calls() -> QuerySet[Call]:
    """Every call a visitor may see: all but drafts."""
    return Call.objects.exclude(status=CallStatus.DRAFT)


def call_list(
    *, group: str | None = None, organisation: str | None = None, now: dt.datetime | None = None
) -> QuerySet[Call]:
    """Public calls, by group (open first, then upcoming, closed, archive) and newest first within it;
    ``group_order`` is annotated in SQL so a page of the list can be grouped without another query."""
    now = now or timezone.now()
    qs = public_calls().select_related("organisation")
    if group:
        qs = qs.filter(group_q(group, now))
    if organisation:
        qs = qs.filter(organisation__slug=organisation)
    order = Case(
        *[When(group_q(g, now), then=Value(i)) for i, g in enumerate(GROUPS)],
        default=Value(len(GROUPS)),
        output_field=IntegerField(),
    )
    return qs.annotate(group_order=order).order_by(
        "group_order", "-opens_at", "-published_on", "organisation__name", "number", "pk"
    )


def with_budget(calls: list[Call], now: dt.datetime | None = None) -> list[Call]:
    """Attach ``budget`` (CallFund rows with their fund), ``budget_total``, ``public_state`` and ``group``
    to each call of a page; one query for the page."""
    now = now or timezone.now()
    by_call: dict[int, list[CallFund]] = {}
    for cf in (
        CallFund.objects.filter(call__in=[c.pk for c in calls]).select_related("fund").order_by("fund__code")
    ):
        by_call.setdefault(cf.call_id, []).append(cf)
    for c in calls:
        c.budget = by_call.get(c.pk, [])
        c.budget_total = sum((cf.amount for cf in c.budget), ZERO)
        c.public_state = c.state_at(now)
        c.group = group_of(c.public_state)
    return calls


@dataclasses.dataclass
class FundMoney:
    """One fund of a call: its budget, what approved applications already hold from it, and the rest."""

    fund: Fund
    budget: Decimal
    committed: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed


def call_money(call: Call) -> dict[int, FundMoney]:
    """Fund id → the call's money in that fund (``FundMoney``): the budget (``with_budget``) less what
    approved applications of the call were granted from it – the approved amount, or the request where
    none is stated. Two queries, however many applications."""
    with_budget([call])
    committed = dict(
        ApplicationFund.objects.filter(application__call=call, application__status=ApplicationStatus.APPROVED)
        .order_by()
        .values("fund_id")
        .annotate(s=Sum(Coalesce("approved", "requested")))
        .values_list("fund_id", "s")
    )
    return {
        cf.fund_id: FundMoney(cf.fund, cf.amount, committed.get(cf.fund_id) or ZERO) for cf in call.budget
    }


def budget_warnings(requests: list[tuple[int, Decimal]], money: dict[int, FundMoney]) -> list[str]:
    """A warning for each request (fund id, amount) above what the call has left in that fund. Not a
    refusal: the application may still be submitted, and may be granted less."""
    warnings = []
    for fund_id, amount in requests:
        line = money.get(fund_id)
        if line is None or amount is None or amount <= line.remaining:
            continue
        if line.committed:
            text = _(
                "You ask for %(amount)s from %(fund)s, more than the call has left in it: %(remaining)s "
                "(a budget of %(budget)s, of which %(committed)s is already granted). You can still "
                "submit the application, but it may be granted less."
            )
        else:
            text = _(
                "You ask for %(amount)s from %(fund)s, more than the call's whole budget in it: "
                "%(remaining)s. You can still submit the application, but it may be granted less."
            )
        warnings.append(
            text
            % {
                "amount": _eur(amount),
                "fund": line.fund.code,
                "remaining": _eur(max(line.remaining, ZERO)),
                "budget": _eur(line.budget),
                "committed": _eur(line.committed),
            }
        )
    return warnings


def next_change(now: dt.datetime | None = None) -> dt.datetime | None:
    """The next moment any published call opens or closes: until then every call keeps its state,
    so a cached page or ETag may carry it in its key (one query)."""
    now = now or timezone.now()
    row = Call.objects.filter(status=CallStatus.PUBLISHED).aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)),
        closes=Min("closes_at", filter=Q(closes_at__gte=now)),
    )
    moments = [m for m in (row["opens"], row["closes"]) if m is not None]
    return min(moments) if moments else None


def upcoming(at: dt.datetime, n: int) -> list[dt.datetime]:
    """The first ``n`` moments after ``at`` when a published call opens or closes, in order."""
    # one query: the calls still to open or close (a region has a few at a time)
    rows = Call.objects.filter(
        Q(opens_at__gt=at) | Q(closes_at__gte=at), status=CallStatus.PUBLISHED
    ).values_list("opens_at", "closes_at")
    moments = [o for o, c in rows if o is not None and o > at]
    moments += [c for o, c in rows if c is not None and c >= at]
    return sorted(moments)[:n]


def clock_key(now: dt.datetime | None = None) -> str:
    """The next moment any call opens or closes, as text for cache keys and ETags ('-' for none); from
    now, read from a list kept until the data changes (``caching.next_moment``)."""
    moment = next_change(now) if now is not None else caching.next_moment("calls", upcoming)
    return moment.isoformat() if moment else "-"


# ---------------------------------------------------------------------------------------------
# One call


def call_detail(org_slug: str, slug: str, now: dt.datetime | None = None) -> Call | None:
    """One public call with its budget, documents, conditions, criteria, nodes and committee; None if
    there is none or it is a draft. A fixed number of queries."""
    call = (
        public_calls()
        .select_related(
            "organisation",
            "strategy",
            "committee_term__body__organisation",
            "committee_term__appointed_by__session__body",
            "committee_term__elected_at__body",
        )
        .prefetch_related(
            Prefetch("funds", queryset=CallFund.objects.select_related("fund").order_by("fund__code")),
            Prefetch("documents", queryset=CallDocument.objects.order_by("order", "pk")),
            Prefetch("conditions", queryset=EligibilityCondition.objects.order_by("order", "pk")),
            Prefetch("criteria", queryset=Criterion.objects.order_by("order", "pk")),
            Prefetch(
                "nodes",
                queryset=Node.objects.select_related("strategy").order_by(
                    slovenian("strategy__title"), "strategy_id", "path"
                ),
            ),
            Prefetch("seats", queryset=CommitteeSeat.objects.order_by("order", "pk")),
        )
        .filter(organisation__slug=org_slug, slug=slug)
        .first()
    )
    if call is None:
        return None
    call.public_state = call.state_at(now or timezone.now())
    call.group = group_of(call.public_state)
    call.budget = list(call.funds.all())
    call.budget_total = sum((cf.amount for cf in call.budget), ZERO)
    call.criteria_list = list(call.criteria.all())
    call.points_total = sum((c.max_points for c in call.criteria_list), Decimal("0"))
    call.committee = committee(call)
    call.committee_choice = how_chosen(call.committee_term) if call.committee_term is not None else ""
    call.has_results = call.public_state in RESULT_STATES
    return call


@dataclasses.dataclass(frozen=True)
class CommitteeMember:
    name: str
    role: str  # "chair", "deputy" or "member"
    role_label: str


def committee(call: Call) -> list[CommitteeMember]:
    """The evaluation committee: the call's seats, or else the members of its committee term."""

    seats = list(call.seats.all())
    if seats:
        return [CommitteeMember(s.name, s.role, str(SeatRole(s.role).label)) for s in seats]
    if call.committee_term_id is None:
        return []
    members = Member.objects.filter(term_id=call.committee_term_id).order_by("order", "name")
    return [CommitteeMember(m.name, m.role, str(MemberRole(m.role).label)) for m in members]


# ---------------------------------------------------------------------------------------------
# Personal data


def is_person(org: Organisation | None) -> bool:
    return org is not None and org.kind == OrganisationKind.PERSON


def party(org: Organisation | None) -> dict[str, Any]:
    """What a public page or API answer may say about an applicant or partner: a natural person is
    never named, linked or located – only that it is a natural person. A partner the applicant typed
    as free text (no linked organisation) is not named either – it may well be a person ("Petra Kos"),
    and nobody has checked it is not – so only that there is a partner; staff and the applicant see the
    typed name on their own pages."""
    if is_person(org):
        return {"person": True, "name": None, "slug": None, "url": None}
    if org is None:
        return {"person": False, "name": None, "slug": None, "url": None}
    return {
        "person": False,
        "name": org.name,
        "slug": org.slug,
        "url": org.get_absolute_url(),
        "country": org.country,
    }


# ---------------------------------------------------------------------------------------------
# Results


@dataclasses.dataclass
class ResultRow:
    application: Application
    applicant: dict[str, Any]
    partners: list[dict[str, Any]]
    approved: dict[int, Decimal]  # fund id → approved amount
    approved_total: Decimal | None
    paid: Decimal
    average: Decimal | None
    sheets: int
    instrument_kind: str
    instrument_kind_label: str
    instrument_number: str
    instrument_date: dt.date | None
    operation_status: str
    operation_status_label: str
    withdrawn: bool
    withdrawn_on: dt.date | None
    withdrawal_reason: str
    rank: int | None = None


@dataclasses.dataclass
class Results:
    call: Call
    funds: list[Fund]  # the columns of the table
    approved: list[ResultRow]
    not_selected: list[ResultRow]
    totals: dict[int, Decimal]
    approved_total: Decimal
    paid_total: Decimal
    withdrawn_total: Decimal


def average_scores(application_ids: list[int]) -> dict[int, tuple[Decimal, int]]:
    """Application id → (average total points, number of sheets): the average of each evaluator's
    current finalised sheet (its highest finalised version), recused evaluators left out. One query."""
    if not application_ids:
        return {}
    latest_final = (
        ScoreSheet.objects.filter(assignment=OuterRef("assignment"), status=SheetStatus.FINAL)
        .order_by()
        .values("assignment")
        .annotate(v=Max("version"))
        .values("v")[:1]
    )
    rows = (
        ScoreSheet.objects.filter(assignment__application__in=application_ids, status=SheetStatus.FINAL)
        .exclude(assignment__declaration=Declaration.RECUSED)
        .filter(version=Subquery(latest_final))
        .values_list("assignment__application", "total")
    )
    sums: dict[int, list[Decimal]] = {}
    for app_id, total in rows:
        sums.setdefault(app_id, []).append(total)
    return {
        app_id: (
            (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            len(totals),
        )
        for app_id, totals in sums.items()
    }


@dataclasses.dataclass
class Ranked:
    """One application in the staff's ranking: its average, how many sheets it rests on, and why it is out."""

    application: Application
    average: Decimal | None
    scored_by: int
    passes: bool
    reasons: list[str]
    rank: int | None = None


def ranking(call: Call) -> list[Ranked]:
    """Applications by average score (of each member's latest finalised sheet), best first; the reasons for
    those out. The staff's pages and the decisions read it; the averages are those of the public results
    (``average_scores``). Two queries."""
    apps = list(
        call.applications.exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .select_related("applicant")
        .order_by("submitted_at", "pk")
    )
    averages = average_scores([a.pk for a in apps])
    rows: list[Ranked] = []
    for app in apps:
        average, scored_by = averages.get(app.pk, (None, 0))
        reasons: list[str] = []
        if app.status == ApplicationStatus.INELIGIBLE:
            reasons.append(app.decision_reason or _("not eligible"))
        elif average is None:
            reasons.append(_("not scored yet"))
        elif average < call.pass_threshold:
            reasons.append(
                _("average %(avg)s points is below the threshold of %(threshold)s")
                % {"avg": average, "threshold": call.pass_threshold}
            )
        rows.append(Ranked(app, average, scored_by, passes=not reasons, reasons=reasons))
    rows.sort(key=lambda r: (not r.passes, -(r.average or Decimal("-1"))))
    for i, r in enumerate((r for r in rows if r.passes), start=1):
        r.rank = i
    return rows


def call_results(org_slug: str, slug: str, now: dt.datetime | None = None) -> Results | None:
    """The results of a decided or archived call, as the LAS report tables give them: approved
    operations with approved amounts per fund, instrument, status and what is paid, withdrawn ones
    with their reason and totals; and the applications not selected or not eligible, ranked by their
    average score. None when the call is not public or has no results yet. A fixed number of queries."""

    call = (
        public_calls().select_related("organisation").filter(organisation__slug=org_slug, slug=slug).first()
    )
    if call is None or call.state_at(now or timezone.now()) not in RESULT_STATES:
        return None
    applications = list(
        Application.objects.filter(
            call=call,
            status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.INELIGIBLE],
        )
        .select_related("applicant", "project__strategy", "call")
        .prefetch_related(
            Prefetch("funds", queryset=ApplicationFund.objects.order_by("fund_id")),
            Prefetch(
                "partners",
                queryset=ApplicationPartner.objects.select_related("organisation").order_by("order", "pk"),
            ),
        )
        .order_by("number", "project__order", "pk")
    )
    project_ids = [a.project_id for a in applications if a.project_id]
    paid: dict[int | None, Decimal | None] = dict(
        Payment.objects.filter(project_id__in=project_ids, state="paid")
        .order_by()
        .values("project_id")
        .annotate(s=Sum("amount"))
        .values_list("project_id", "s")
    )
    # An operation whose application states no approved amounts: its secured budget by fund stands in.
    secured: dict[int, dict[int, Decimal]] = {}
    lines = BudgetLine.objects.filter(project_id__in=project_ids).values_list(
        "project_id", "fund_id", "amount", "secured", "secured_amount"
    )
    for project_id, fund_id, amount, is_secured, secured_amount in lines:
        by_secured: dict[str, Decimal] = {Secured.YES: amount, Secured.PARTLY: secured_amount or ZERO}
        part = by_secured.get(is_secured, ZERO)
        by_fund = secured.setdefault(project_id, {})
        by_fund[fund_id] = by_fund.get(fund_id, ZERO) + part
    scores = average_scores([a.pk for a in applications])

    fund_ids: set[int] = set(CallFund.objects.filter(call=call).values_list("fund_id", flat=True))
    rows_approved: list[ResultRow] = []
    rows_other: list[ResultRow] = []
    for a in applications:
        approved: dict[int, Decimal] = {}
        if a.status == ApplicationStatus.APPROVED:
            stated = {f.fund_id: f.approved for f in a.funds.all() if f.approved is not None}
            if stated:
                approved = dict(stated)
            elif a.project_id:
                approved = dict(secured.get(a.project_id, {}))
            fund_ids.update(approved)
        project = a.project
        kind = a.instrument_kind or (project.instrument_kind if project else "")
        average, n_sheets = scores.get(a.pk, (None, 0))
        withdrawn = bool(project and project.status == ProjectStatus.WITHDRAWN)
        row = ResultRow(
            application=a,
            applicant=party(a.applicant),
            partners=[party(p.organisation) | {"role": p.role} for p in a.partners.all()],
            approved=approved,
            approved_total=sum(approved.values(), ZERO) if approved else None,
            paid=paid.get(a.project_id, ZERO) or ZERO,
            average=average,
            sheets=n_sheets,
            instrument_kind=kind,
            instrument_kind_label=str(InstrumentKind(kind).label) if kind in InstrumentKind.values else kind,
            instrument_number=a.instrument_number or (project.instrument_number if project else ""),
            instrument_date=a.instrument_date or (project.instrument_date if project else None),
            operation_status=project.status if project else "",
            operation_status_label=project.get_status_display() if project else "",
            withdrawn=withdrawn,
            withdrawn_on=project.withdrawn_on if project else None,
            withdrawal_reason=project.withdrawal_reason if project else "",
        )
        (rows_approved if a.status == ApplicationStatus.APPROVED else rows_other).append(row)
    # Not selected: best score first, unscored last; the rank counts all applications with a score.
    rows_other.sort(
        key=lambda r: (r.average is None, -(r.average or 0), r.application.number or 0, r.application.pk)
    )
    ranked = sorted(
        (r for r in rows_approved + rows_other if r.average is not None), key=lambda r: -(r.average or 0)
    )
    for i, r in enumerate(ranked, start=1):
        r.rank = i
    funds = sorted(Fund.objects.filter(pk__in=fund_ids), key=lambda f: f.code)
    totals = {f.pk: sum((r.approved.get(f.pk) or ZERO for r in rows_approved), ZERO) for f in funds}
    return Results(
        call=call,
        funds=funds,
        approved=rows_approved,
        not_selected=rows_other,
        totals=totals,
        approved_total=sum(totals.values(), ZERO),
        paid_total=sum((r.paid for r in rows_approved), ZERO),
        withdrawn_total=sum((r.approved_total or ZERO for r in rows_approved if r.withdrawn), ZERO),
    )


def document(org_slug: str, slug: str, pk: int) -> CallDocument | None:
    """A document of a public call (never of a draft); None otherwise."""
    return (
        CallDocument.objects.filter(pk=pk, call__organisation__slug=org_slug, call__slug=slug)
        .exclude(call__status=CallStatus.DRAFT)
        .first()
    )


def organisation_summary(org_id: int, limit: int = 10) -> list[Call]:
    """The latest public calls of an organisation, for its page (one query). Without their state: that
    page is cached by the data version alone, and a state moves with the clock."""
    return list(
        public_calls()
        .select_related("organisation")
        .filter(organisation_id=org_id)
        .order_by("-opens_at", "-published_on", "-pk")[:limit]
    )


# ------------------------------------------------------------------------------ self-registrations

# The staff list shows at most this many registrations waiting for a decision (oldest first; the rest are
# counted) and this many of the latest decisions.
WAITING_SHOWN = 50
DECIDED_SHOWN = 20


@dataclasses.dataclass(frozen=True)
class OrganisationMatch:
    """An organisation already on Regija under a registration's registration number, and how many
    administrators it has there: while it has any, only they may add a person to it."""

    organisation: Organisation
    admins: int


def organisation_matches(numbers: Iterable[str]) -> dict[str, OrganisationMatch]:
    """For each registration number, the organisation stored under it (the main unit with 7 digits or
    with ``000`` after them; the first made when there are several), in one query."""
    wanted = {n: same_organisation_numbers(n) for n in set(numbers) if n}
    forms = {form for group in wanted.values() for form in group}
    if not forms:
        return {}
    found = list(
        Organisation.objects.filter(registration_number__in=forms)
        .annotate(admin_count=Count("memberships", filter=Q(memberships__role=Role.ADMIN)))
        .order_by("pk")
    )
    out: dict[str, OrganisationMatch] = {}
    for number, group in wanted.items():
        org = next((o for o in found if o.registration_number in group), None)
        if org is not None:
            out[number] = OrganisationMatch(org, int(getattr(org, "admin_count", 0)))
    return out


def organisation_match(registration: ApplicantRegistration) -> OrganisationMatch | None:
    """The organisation a registration would be added to on approval, or None (a new one is made)."""
    return organisation_matches([registration.registration_number]).get(registration.registration_number)


@dataclasses.dataclass(frozen=True)
class Waiting:
    """A registration waiting for the staff's decision, and the organisation already on Regija under its
    registration number (None: approving makes a new one)."""

    registration: ApplicantRegistration
    match: OrganisationMatch | None


@dataclasses.dataclass(frozen=True)
class StaffRegistrations:
    """What the call's management page shows of its self-registrations."""

    waiting: list[Waiting]  # e-mail confirmed, waiting for a decision, oldest first
    more_waiting: int  # waiting beyond those shown
    unconfirmed: int  # e-mail not confirmed yet, the link still works
    expired: int  # e-mail never confirmed and the link no longer works
    decided: list[ApplicantRegistration]  # the latest decisions, newest first

    @property
    def any(self) -> bool:
        return bool(self.waiting or self.unconfirmed or self.expired or self.decided)


def staff_registrations(call: Call, now: dt.datetime | None = None) -> StaffRegistrations:
    """The call's registrations for its staff: four queries, however many there are."""
    now = now or timezone.now()
    link_ok_since = now - dt.timedelta(days=settings.REGIJA_REGISTRATION_LINK_DAYS)
    mine = ApplicantRegistration.objects.filter(call=call)
    counts = mine.aggregate(
        waiting=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
        unconfirmed=Count(
            "pk", filter=Q(status=RegistrationStatus.UNCONFIRMED, link_sent_at__gte=link_ok_since)
        ),
        expired=Count("pk", filter=Q(status=RegistrationStatus.UNCONFIRMED, link_sent_at__lt=link_ok_since)),
    )
    waiting = list(
        mine.filter(status=RegistrationStatus.CONFIRMED).order_by("confirmed_at", "pk")[:WAITING_SHOWN]
    )
    decided = list(
        mine.filter(status__in=[RegistrationStatus.APPROVED, RegistrationStatus.REJECTED])
        .select_related("organisation", "decided_by")
        .order_by("-decided_at", "-pk")[:DECIDED_SHOWN]
    )
    matches = organisation_matches(r.registration_number for r in waiting)
    return StaffRegistrations(
        waiting=[Waiting(r, matches.get(r.registration_number)) for r in waiting],
        more_waiting=max(0, counts["waiting"] - len(waiting)),
        unconfirmed=counts["unconfirmed"],
        expired=counts["expired"],
        decided=decided,
    )


def staff_registration(call: Call, pk: int) -> ApplicantRegistration | None:
    """One registration of the call, with who decided it and the organisation it gave."""
    return (
        ApplicantRegistration.objects.select_related("organisation", "decided_by", "user")
        .filter(call=call, pk=pk)
        .first()
    )


# ------------------------------------------------------------------------------------ the applicant's side


def applications_of(user: Any, status: str | None = None) -> QuerySet[Application]:
    """The applications of the organisations the user is a member of (any role; a superuser: all) – *My
    applications* on the page and ``GET /api/v1/applications`` – last saved first, with their call,
    applicant and requested amounts (a fixed number of queries for a page of them)."""
    ids = org_ids_with(user, Role.VIEWER)
    qs = Application.objects.select_related("call__organisation", "applicant", "project__strategy")
    if ids is not None:
        qs = qs.filter(applicant_id__in=ids)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("funds").order_by("-updated_at", "-pk")


def application_detail(pk: int) -> Application | None:
    """One application with everything its page and the API show (a fixed number of queries); whether
    the asker may see it is ``services.application_access``."""
    return (
        Application.objects.select_related("call__organisation", "applicant", "project__strategy")
        .prefetch_related(
            Prefetch("funds", queryset=ApplicationFund.objects.select_related("fund")),
            "partners",
            "phases",
            "attachments",
        )
        .filter(pk=pk)
        .first()
    )
