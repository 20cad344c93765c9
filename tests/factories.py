"""Test data, built one way and in one place.

Factories (factory_boy) make one row each, with defaults that satisfy the model's constraints:
``OrganisationFactory(kind="person")``, ``ProjectFactory(strategy=s, code="P1")``. A test names the
values it depends on (slugs, codes, names, amounts); the defaults are only there to make a valid row.
Rows are saved one by one with ``Model.objects.create``, so signal handlers (the search index, the
audit log) see them as they see any other save; a fund is looked up by its code first, so
``FundFactory(code="CLLD")`` is the source documents' CLLD where it is stored.

Builders make the shapes tests keep needing:

- ``member``: a user, with a role in an organisation;
- ``strategy_with_nodes``: a strategy with its tree of nodes (paths and depths as the importer writes);
- ``project_with_money``: a project with its nodes, budget lines, payments and partners;
- ``body_with_terms``: a governance body with its terms and their members;
- a public call through its workflow, the way users build it – every step through ``regija.calls.services``
  and ``regija.projects.services.payments``, so the rules those enforce hold for the data too:
  ``call_world`` (a draft call with its committee, criteria, conditions, budget, staff and applicants),
  ``publish_call``, ``fill``, ``submit_applications``, ``score_all``, ``evaluate``, ``decide``,
  ``paid_claim``, and ``scored_call`` for all of it up to finalised scores;
- ``recorded_call`` and ``recorded_application``: a call as the record of a past one gives it (a
  report's table, an imported governance file) – rows written as they stand, statuses and all, which the
  workflow's services would not produce (approved without scores, a decided call without dates).

The workflow's clock: ``Clock`` moves the server's ``timezone.now()``; the ``clock`` fixture
(tests/conftest.py) is one, and the workflow builders take it to move through the call's life.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory, Password

from regija.calls import services
from regija.calls.models import (
    ApplicantDeclaration,
    Application,
    ApplicationFund,
    ApplicationPartner,
    Assignment,
    Call,
    CallFund,
    CommitteeSeat,
    Criterion,
    EligibilityCondition,
    ScoreSheet,
)
from regija.core.models import Membership, Organisation
from regija.governance.models import AgendaItem, Body, Decision, Member, Session, Term
from regija.projects.models import BudgetLine, Fund, Partner, Payment, Project, ProjectPhase, StatedFigure
from regija.projects.services import payments
from regija.strategies.models import Alignment, Indicator, Node, Observation, Strategy

PASSWORD = "pw-Regija-2026"

# ------------------------------------------------------------------------------------------ factories


class _Factory(DjangoModelFactory):
    class Meta:
        abstract = True
        # post-generation hooks write related rows; the row itself is not saved a second time
        skip_postgeneration_save = True


class OrganisationFactory(_Factory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"organizacija-{n}")
    name = factory.Sequence(lambda n: f"Organizacija {n}")
    kind = "ngo"


class UserFactory(_Factory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"uporabnik-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = Password(PASSWORD)

    class Params:
        superuser = factory.Trait(is_staff=True, is_superuser=True)


class MembershipFactory(_Factory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "viewer"


class StrategyFactory(_Factory):
    class Meta:
        model = Strategy

    slug = factory.Sequence(lambda n: f"strategija-{n}")
    title = factory.Sequence(lambda n: f"Strategija {n}")
    status = "in_implementation"
    source_title = factory.LazyAttribute(lambda o: o.title)

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        if create and extracted:
            self.owners.add(*extracted)


class NodeFactory(_Factory):
    """A node under ``parent`` (or a root): its path and depth follow from the parent and ``order``."""

    class Meta:
        model = Node

    strategy = factory.LazyAttribute(lambda o: o.parent.strategy if o.parent else StrategyFactory())
    parent = None
    code = factory.Sequence(lambda n: f"TN{n}")
    level = "goal"
    title = factory.LazyAttribute(lambda o: o.code)
    order = 1
    path = factory.LazyAttribute(lambda o: (o.parent.path if o.parent else "") + f"{o.order:04d}")
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 0)


class AlignmentFactory(_Factory):
    class Meta:
        model = Alignment

    source_node = factory.SubFactory(NodeFactory)
    target_node = factory.SubFactory(NodeFactory, strategy=factory.SelfAttribute("..source_node.strategy"))
    declared_in = factory.SelfAttribute("source_node.strategy")
    type = "supports"


class IndicatorFactory(_Factory):
    class Meta:
        model = Indicator

    node = factory.SubFactory(NodeFactory)
    strategy = factory.SelfAttribute("node.strategy")
    # not "K1", "K2"…: the seed strategies use those codes, and a factory indicator on one of their nodes
    # then collided with theirs, depending on how many indicators the tests before had made
    code = factory.Sequence(lambda n: f"TK{n}")
    name = factory.LazyAttribute(lambda o: f"Kazalnik {o.code}")


class ObservationFactory(_Factory):
    class Meta:
        model = Observation

    indicator = factory.SubFactory(IndicatorFactory)
    date = dt.date(2023, 12, 31)
    value = Decimal("1")


class FundFactory(_Factory):
    """A fund by its code: the one stored already (CLLD of the source documents), or a new one."""

    class Meta:
        model = Fund
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T-SKLAD-{n}")
    name = factory.LazyAttribute(lambda o: f"Sklad {o.code}")


class ProjectFactory(_Factory):
    class Meta:
        model = Project

    strategy = factory.SubFactory(StrategyFactory)
    code = factory.Sequence(lambda n: f"TST-P{n}")
    title = factory.LazyAttribute(lambda o: f"Projekt {o.code}")
    status = "in_progress"
    holder = None

    @factory.post_generation
    def nodes(self, create, extracted, **kwargs):
        if create and extracted:
            self.nodes.add(*extracted)


class PartnerFactory(_Factory):
    class Meta:
        model = Partner

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "partner"


class BudgetLineFactory(_Factory):
    class Meta:
        model = BudgetLine

    project = factory.SubFactory(ProjectFactory)
    fund = factory.SubFactory(FundFactory)
    amount = Decimal("1000.00")
    secured = "yes"


class PaymentFactory(_Factory):
    class Meta:
        model = Payment

    project = factory.SubFactory(ProjectFactory)
    fund = factory.SubFactory(FundFactory)
    label = "1. zahtevek"
    amount = Decimal("100.00")
    state = "paid"


class StatedFigureFactory(_Factory):
    class Meta:
        model = StatedFigure

    strategy = factory.SubFactory(StrategyFactory)
    label = factory.Sequence(lambda n: f"Navedba {n}")
    what = "total"


class ProjectPhaseFactory(_Factory):
    class Meta:
        model = ProjectPhase

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"{n}. faza")


class BodyFactory(_Factory):
    class Meta:
        model = Body

    organisation = factory.SubFactory(OrganisationFactory, kind="las")
    slug = factory.Sequence(lambda n: f"organ-{n}")
    kind = "management_board"
    name = factory.Sequence(lambda n: f"Organ {n}")


class TermFactory(_Factory):
    class Meta:
        model = Term

    body = factory.SubFactory(BodyFactory)
    label = factory.Sequence(lambda n: f"mandat {n}")


class MemberFactory(_Factory):
    class Meta:
        model = Member

    term = factory.SubFactory(TermFactory)
    name = factory.Sequence(lambda n: f"Član {n}")


class SessionFactory(_Factory):
    class Meta:
        model = Session

    body = factory.SubFactory(BodyFactory)
    number = factory.Sequence(lambda n: n + 1)
    date = dt.date(2023, 1, 1)


class AgendaItemFactory(_Factory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(SessionFactory)
    order = 1
    title = factory.Sequence(lambda n: f"Točka {n}")


class DecisionFactory(_Factory):
    class Meta:
        model = Decision

    session = factory.SubFactory(SessionFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    text = factory.Sequence(lambda n: f"Sklep {n}")


class CallFactory(_Factory):
    """A call row as it stands (a draft by default); a call that goes through its workflow is built by
    ``call_world`` and the builders after it."""

    class Meta:
        model = Call

    organisation = factory.SubFactory(OrganisationFactory, kind="las")
    strategy = None
    slug = factory.Sequence(lambda n: f"poziv-{n}")
    number = factory.LazyAttribute(lambda o: o.slug)
    title = factory.LazyAttribute(lambda o: f"Javni poziv {o.slug}")
    status = "draft"

    @factory.post_generation
    def nodes(self, create, extracted, **kwargs):
        if create and extracted:
            self.nodes.add(*extracted)


class CallFundFactory(_Factory):
    class Meta:
        model = CallFund

    call = factory.SubFactory(CallFactory)
    fund = factory.SubFactory(FundFactory)
    amount = Decimal("100000.00")


class EligibilityConditionFactory(_Factory):
    class Meta:
        model = EligibilityCondition

    call = factory.SubFactory(CallFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Pogoj {n}.")


class CriterionFactory(_Factory):
    class Meta:
        model = Criterion

    call = factory.SubFactory(CallFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Merilo {n}")
    max_points = Decimal("50")


class CommitteeSeatFactory(_Factory):
    class Meta:
        model = CommitteeSeat

    call = factory.SubFactory(CallFactory)
    name = factory.Sequence(lambda n: f"Ocenjevalec {n}")
    role = "member"


class ApplicationFactory(_Factory):
    """An application row as it stands; one that is submitted, scored and decided through the workflow
    comes from ``submit_applications`` and the builders after it."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    applicant = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Vloga {n}")


class ApplicationFundFactory(_Factory):
    class Meta:
        model = ApplicationFund

    application = factory.SubFactory(ApplicationFactory)
    fund = factory.SubFactory(FundFactory)
    requested = Decimal("1000.00")


class ApplicationPartnerFactory(_Factory):
    class Meta:
        model = ApplicationPartner

    application = factory.SubFactory(ApplicationFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.LazyAttribute(lambda o: o.organisation.name if o.organisation else "Partner")
    role = "partner"


class AssignmentFactory(_Factory):
    class Meta:
        model = Assignment

    application = factory.SubFactory(ApplicationFactory)
    seat = factory.SubFactory(CommitteeSeatFactory, call=factory.SelfAttribute("..application.call"))


class ScoreSheetFactory(_Factory):
    class Meta:
        model = ScoreSheet

    assignment = factory.SubFactory(AssignmentFactory)
    version = 1


# ---------------------------------------------------------------------------------- people, strategies


def _org(org: str | Organisation) -> Organisation:
    """An organisation, or the stored one with this slug."""
    return org if isinstance(org, Organisation) else Organisation.objects.get(slug=org)


def member(
    role: str | None = None,
    org: str | Organisation | None = None,
    *,
    username: str | None = None,
    superuser: bool = False,
):
    """A user who can sign in (password ``PASSWORD``), with ``role`` in ``org`` (a slug or an organisation):
    member("editor", "mov"). Named ``username``, or after the role and organisation ("editor-mov")."""
    slug = org.slug if isinstance(org, Organisation) else org
    name = username or f"{role or 'none'}-{slug or 'x'}"
    if superuser:
        return UserFactory(username=name, superuser=True)
    user = UserFactory(username=name)
    if role and org:
        MembershipFactory(user=user, organisation=_org(org), role=role)
    return user


NodeTree = Sequence[tuple]  # (code, level) or (code, level, children), children a NodeTree


def add_nodes(strategy: Strategy, tree: NodeTree, parent: Node | None = None) -> dict[str, Node]:
    """The nodes of ``tree`` under ``parent`` (or as roots), numbered 1, 2 … among their siblings:
    code → node."""
    out: dict[str, Node] = {}
    for order, (code, level, *rest) in enumerate(tree, start=1):
        node = NodeFactory(strategy=strategy, parent=parent, code=code, level=level, order=order)
        out[code] = node
        if rest:
            out.update(add_nodes(strategy, rest[0], node))
    return out


def strategy_with_nodes(tree: NodeTree = (), **fields) -> tuple[Strategy, dict[str, Node]]:
    """A strategy (``StrategyFactory`` fields, ``owners`` among them) and its tree of nodes:
    tree=[("SLR", "strategy", [("JP", "programme")])] → (strategy, {"SLR": …, "JP": …})."""
    strategy = StrategyFactory(**fields)
    return strategy, add_nodes(strategy, tree)


def project_with_money(
    *,
    budget: Iterable[dict] = (),
    payments: Iterable[dict] = (),
    partners: Iterable[Organisation | dict] = (),
    nodes: Iterable[Node] = (),
    **fields,
) -> Project:
    """A project (``ProjectFactory`` fields) with its nodes, budget lines and payments (dicts of
    ``BudgetLineFactory`` and ``PaymentFactory`` fields) and its partners (organisations, or dicts of
    ``PartnerFactory`` fields). The rows are written as a strategy file states them; an operation's
    claims made through the workflow are ``paid_claim``'s."""
    project = ProjectFactory(nodes=list(nodes), **fields)
    for line in budget:
        BudgetLineFactory(project=project, **line)
    for payment in payments:
        PaymentFactory(project=project, **payment)
    for partner in partners:
        PartnerFactory(
            project=project, **(partner if isinstance(partner, dict) else {"organisation": partner})
        )
    return project


def body_with_terms(*, terms: Iterable[dict] = (), **fields) -> tuple[Body, list[Term]]:
    """A governance body (``BodyFactory`` fields) with its terms, each a dict of ``TermFactory`` fields
    with its ``members`` (dicts of ``MemberFactory`` fields): (body, [terms])."""
    body = BodyFactory(**fields)
    made = []
    for term in terms:
        term = dict(term)
        members = term.pop("members", ())
        made.append(TermFactory(body=body, **term))
        for m in members:
            MemberFactory(term=made[-1], **m)
    return body, made


# ------------------------------------------------------------------------------ a call as it is recorded


def recorded_call(
    organisation: Organisation, *, budget: Iterable[tuple[Fund, Decimal]] = (), **fields
) -> Call:
    """A call as the record of a past one gives it (``CallFactory`` fields, the status among them) with
    its budget by fund: rows written as they stand, not through the workflow."""
    call = CallFactory(organisation=organisation, **fields)
    for fund, amount in budget:
        CallFundFactory(call=call, fund=fund, amount=amount)
    return call


def recorded_application(
    call: Call,
    applicant: Organisation,
    *,
    funds: Iterable[tuple[Fund, Decimal, Decimal | None]] = (),
    partners: Iterable[dict] = (),
    **fields,
) -> Application:
    """An application of a recorded call as it stands (``ApplicationFactory`` fields: status, number, its
    operation as ``project`` …), with its amounts by fund, (fund, requested, approved), and partners."""
    app = ApplicationFactory(call=call, applicant=applicant, **fields)
    for fund, requested, approved in funds:
        ApplicationFundFactory(application=app, fund=fund, requested=requested, approved=approved)
    for partner in partners:
        ApplicationPartnerFactory(application=app, **partner)
    return app


# ------------------------------------------------------------------------------- a call through its workflow

LJ = ZoneInfo("Europe/Ljubljana")
# The call's timeline: it opens on 1 March 2027 at 8:00 and closes on 30 March 2027 at 12:00, Ljubljana
# time. The clocks go forward on 28 March 2027, so the deadline is in summer time (10:00 UTC) while the
# opening is in winter time (7:00 UTC).
PUBLISHED_AT = dt.datetime(2027, 2, 1, 10, 0, tzinfo=LJ)
OPENS = dt.datetime(2027, 3, 1, 8, 0, tzinfo=LJ)
CLOSES = dt.datetime(2027, 3, 30, 12, 0, tzinfo=LJ)
DURING = dt.datetime(2027, 3, 15, 9, 0, tzinfo=LJ)
# every declaration an applicant makes when submitting (services.submit requires them all)
DECLARED = tuple(ApplicantDeclaration.values)
AFTER = dt.datetime(2027, 4, 2, 9, 0, tzinfo=LJ)

# (name, seat role, username) of the committee
COMMITTEE = (
    ("Roman Medved", "chair", "chair"),
    ("Mojca Metličar", "member", "eval2"),
    ("Goran Šoster", "member", "eval3"),
)
CRITERIA = (("Prispevek k ciljem SLR", "40"), ("Partnerstvo", "30"), ("Trajnost", "30"))
CONDITIONS = ("Prijavitelj ima sedež na območju LAS.", "Operacija prispeva k ciljem SLR.")
# points by evaluator for the three criteria: 80, 70 and 95, an average of 81.67 – above the threshold of 50
PASSING = {"chair": (35, 25, 20), "eval2": (30, 20, 20), "eval3": (40, 30, 25)}


class Clock:
    """The server's clock: clock(moment) – every ``timezone.now()`` after it returns that moment, until
    the next move or ``stop()``."""

    def __init__(self):
        self._traveller = None

    def __call__(self, moment: dt.datetime) -> None:
        import time_machine

        self.stop()
        self._traveller = time_machine.travel(moment, tick=False)
        self._traveller.start()

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None


@dataclasses.dataclass
class CallWorld:
    """A call and the people around it: ``users`` by key – staff and viewer of the calling organisation,
    applicant and applicant_viewer of the applicant, other (an editor of the other organisation, the
    applicant's partner), outsider, and each committee member by the username ``COMMITTEE`` gives."""

    call: Call
    fund: Fund
    las: Organisation
    applicant: Organisation
    other: Organisation
    users: dict
    seats: list[CommitteeSeat]
    criteria: list[Criterion]
    apps: list[Application] = dataclasses.field(default_factory=list)


def call_world(
    *,
    organisation: str | Organisation = "las-zasavje",
    strategy: str | Strategy = "las-zasavje-2023",
    fund: str | Fund = "CLLD",
    nodes: Sequence[str] = ("JP",),
    committee: Sequence[tuple[str, str, str]] = COMMITTEE,
    criteria: Sequence[tuple[str, str]] = CRITERIA,
    conditions: Sequence[str] = CONDITIONS,
    budget: str = "200000.00",
    **call_fields,
) -> CallWorld:
    """A draft call with all that publishing needs: dates, strategy and nodes, budget, eligibility
    conditions, criteria (name, max points) and a committee with a chair (name, role, username: each
    with a user account); staff of the calling organisation, and an applicant with a partner.

    By default the 6th call of LAS Zasavje (the source documents' organisation, strategy and CLLD fund).
    """
    las = _org(organisation)
    strategy = strategy if isinstance(strategy, Strategy) else Strategy.objects.get(slug=strategy)
    fund = fund if isinstance(fund, Fund) else Fund.objects.get(code=fund)
    applicant = OrganisationFactory(slug="drustvo-sonce", name="Društvo Sonce", kind="ngo")
    other = OrganisationFactory(slug="zavod-luna", name="Zavod Luna", kind="ngo")
    fields = dict(
        slug="6-javni-poziv",
        number="JP6",
        title="6. javni poziv Partnerstva LAS Zasavje",
        text="Poziv za izbor operacij.",
        opens_at=OPENS,
        closes_at=CLOSES,
        pass_threshold=Decimal("50"),
    )
    fields.update(call_fields)
    call = CallFactory(
        organisation=las,
        strategy=strategy,
        status="draft",
        nodes=list(Node.objects.filter(strategy=strategy, code__in=nodes)),
        **fields,
    )
    CallFundFactory(call=call, fund=fund, amount=Decimal(budget))
    for order, text in enumerate(conditions, start=1):
        EligibilityConditionFactory(call=call, order=order, text=text)
    made_criteria = [
        CriterionFactory(call=call, order=order, name=name, max_points=Decimal(points))
        for order, (name, points) in enumerate(criteria, start=1)
    ]
    users = {
        "staff": member("editor", las, username="staff"),
        "viewer": member("viewer", las, username="las-viewer"),
        "applicant": member("editor", applicant, username="applicant"),
        "applicant_viewer": member("viewer", applicant, username="applicant-viewer"),
        "other": member("editor", other, username="other-applicant"),
    }
    seats = []
    for order, (name, role, username) in enumerate(committee, start=1):
        users[username] = member(username=username)
        seats.append(CommitteeSeatFactory(call=call, name=name, role=role, user=users[username], order=order))
    users["outsider"] = member(username="outsider")
    return CallWorld(
        call=call,
        fund=fund,
        las=las,
        applicant=applicant,
        other=other,
        users=users,
        seats=seats,
        criteria=made_criteria,
    )


def publish_call(w: CallWorld, clock, at: dt.datetime = PUBLISHED_AT) -> CallWorld:
    """Staff publish the call at ``at`` (a month before it opens)."""
    clock(at)
    services.publish(w.call, w.users["staff"])
    w.call.refresh_from_db()
    return w


def fill(app: Application, w: CallWorld, *, amount: str = "50000.00") -> Application:
    """The applicant gives a draft everything a submission needs: title, summary, the amount from the
    call's fund, the other organisation as partner and one phase."""
    data = services.DraftData(
        title="Zeleni Zasavje",
        summary="Ureditev učnih poti.",
        funds=[(w.fund.pk, Decimal(amount))],
        partners=[{"organisation": w.other, "name": w.other.name, "role": "izvedba delavnic"}],
        phases=[
            {
                "title": "1. faza",
                "start": dt.date(2027, 6, 1),
                "end": dt.date(2027, 12, 31),
                "amount": Decimal(amount),
            }
        ],
    )
    return services.save_draft(app, w.users["applicant"], data, version=app.version)


def submit_applications(
    w: CallWorld,
    clock,
    amounts: Sequence[str] = ("50000.00", "80000.00"),
    applicants: Sequence[Organisation | None] | None = None,
) -> CallWorld:
    """While the call is open, the applicant's user starts, fills in and submits one application per
    amount (for ``applicants``, in order, the call's applicant where None: the user becomes an editor of
    each); then the clock is moved after the deadline. The applications are ``w.apps``, numbered 1, 2 …"""
    applicants = list(applicants or [None] * len(amounts))
    user = w.users["applicant"]
    for org in applicants:
        if org is not None and not Membership.objects.filter(user=user, organisation=org).exists():
            MembershipFactory(user=user, organisation=org, role="editor")
    clock(DURING)
    for org, amount in zip(applicants, amounts, strict=True):
        app = services.start_application(w.call, org or w.applicant, user)
        w.apps.append(services.submit(fill(app, w, amount=amount), user, declarations=DECLARED))
    clock(AFTER)
    return w


def score_all(w: CallWorld, app: Application, points_by_user: dict[str, tuple]) -> None:
    """Each named evaluator declares no conflict, scores the criteria (points in their order) and submits."""
    for username, points in points_by_user.items():
        user = w.users[username]
        a = Assignment.objects.get(application=app, seat__user=user)
        services.declare(a, user, conflict=False)
        scores = {
            c.pk: (Decimal(p), f"Utemeljitev {c.name}") for c, p in zip(w.criteria, points, strict=True)
        }
        services.save_scores(a, user, scores, edits=0)
        services.submit_scores(a, user)


def evaluate(w: CallWorld, scores: Sequence[dict] | None = None, *, finalise: bool = True) -> CallWorld:
    """After the deadline: staff find every application eligible and assign the committee, which scores
    each application (``scores``: points by evaluator, one dict per application of ``w.apps``; ``PASSING``
    for each by default); the chair finalises them unless ``finalise`` is false."""
    staff = w.users["staff"]
    conditions = {c.pk: (True, "") for c in w.call.conditions.all()}
    for app in w.apps:
        services.record_eligibility(app, staff, conditions)
    services.assign_committee(w.call, staff)
    for app, points in zip(w.apps, scores or [PASSING] * len(w.apps), strict=True):
        score_all(w, app, points)
    if finalise:
        chair = next(s.user for s in w.seats if s.role == "chair")
        for app in w.apps:
            services.finalise(app, chair)
    return w


def scored_call(
    clock,
    *,
    amounts: Sequence[str] = ("50000.00", "80000.00"),
    applicants: Sequence[Organisation | None] | None = None,
    scores: Sequence[dict] | None = None,
    **world_options,
) -> CallWorld:
    """A published call with its committee, criteria and budget, and applications submitted and scored
    through the workflow, their scores finalised: ``call_world``, ``publish_call``,
    ``submit_applications`` and ``evaluate`` in turn. The clock is left after the deadline."""
    w = publish_call(call_world(**world_options), clock)
    submit_applications(w, clock, amounts, applicants)
    return evaluate(w, scores)


def decide(
    w: CallWorld,
    *,
    approve: dict[int, tuple[Decimal, services.Instrument]],
    reject: dict[int, str] | None = None,
    mark_decided: bool = True,
) -> list[Project]:
    """Staff finish the evaluation, approve applications (index in ``w.apps`` → the amount from the
    call's fund and the instrument), reject others (index → reason) and mark the call decided. The
    approved applications' operations, in the order given."""
    staff = w.users["staff"]
    services.finish_evaluation(w.call, staff)
    projects = [
        services.approve(w.apps[i], staff, approved={w.fund.pk: amount}, instrument=instrument)
        for i, (amount, instrument) in approve.items()
    ]
    for i, reason in (reject or {}).items():
        services.reject(w.apps[i], staff, reason=reason)
    if mark_decided:
        services.mark_decided(w.call, staff)
    return projects


def paid_claim(
    w: CallWorld, project: Project, amount: Decimal, label: str, *, on: dt.date | None = None
) -> Payment:
    """The holder claims ``amount`` from the call's fund; staff check the claim and pay it (on ``on``)."""
    claim = payments.claim_payment(
        project, w.users["applicant"], fund_id=w.fund.pk, amount=amount, label=label
    )
    payments.check_claim(claim, w.users["staff"])
    return payments.pay_claim(claim, w.users["staff"], date=on)


# ------------------------------------------------------------------------------------------ residents


def confirmed_user(**kwargs):
    """A person who signed up and confirmed their e-mail address by the link (allauth's EmailAddress)."""
    from allauth.account.models import EmailAddress

    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def resident(municipality=None, *, area=None, **kwargs):
    """A confirmed person verified as a resident of ``municipality`` (a new one when not given) and,
    optionally, of its local community ``area``."""
    from django.utils import timezone

    from regija.accounts.models import Residency

    municipality = municipality or OrganisationFactory(kind="municipality")
    user = confirmed_user(**kwargs)
    Residency.objects.create(
        user=user, municipality=municipality, area=area, method="post", verified_at=timezone.now()
    )
    return user
