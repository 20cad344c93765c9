"""The world the permission matrix walks: three organisations, the people around them, and one object
of each kind in each state an action needs, built once through the workflow's services.

- A (``matrika-a``, a LAS): the programme. Owns the public strategy S (node, indicator with an
  observation) and the draft strategy D, and issues every call: C_DRAFT (draft, complete), C_PUB
  (published, opens later), C_OPEN (open: B's draft application APP_DRAFT with an attachment, a
  document), C_CLOSED (closed: B's submitted applications APP1 … APP5 in the evaluation's stages – APP1
  with an attachment and both sheets submitted, APP2 declared, APP3 undeclared, APP5 unchecked – and a
  committee member added after the assignment), C_FIN (closed, nothing to evaluate), C_EVAL
  (evaluated: B's APP_E with finalised scores), C_EVALD0 (evaluated, nothing to decide), C_DEC (decided:
  B's APP_OK approved, its operation P_OK without claims).
- B (``matrika-b``): the applicant and holder. Holds the operation P of S (a budget line of 15 000 €,
  one open claim, one checked claim) and P_DONE (finally paid, nothing open).
- A also has a governance body (its management board), so its editors may add terms and sessions.
- C (``matrika-c``): unrelated.
- N (``matrika-oseba``): a natural person holding the project P_N of S.
- REG and REG_NEW: applicants' self-registrations for C_OPEN – REG confirmed and waiting for the
  approval of A's staff, REG_NEW with its e-mail address not confirmed yet.

People (``ROLES``): anonymous, signed_in (no membership), viewer / editor / admin of A, other_editor
(editor of C), holder (editor of B), evaluator (member of every call's committee), chair (its chair),
superuser. Each signed-in one has an API token (``tokens``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from regija.calls import services
from regija.calls.models import Assignment, Call, CallDocument
from regija.core import tokens as core_tokens
from regija.projects.services import payments
from tests.factories import (
    DECLARED,
    BodyFactory,
    BudgetLineFactory,
    CallFactory,
    CallFundFactory,
    Clock,
    CommitteeSeatFactory,
    CriterionFactory,
    EligibilityConditionFactory,
    FundFactory,
    IndicatorFactory,
    NodeFactory,
    ObservationFactory,
    OrganisationFactory,
    ProjectFactory,
    ProjectPhaseFactory,
    StrategyFactory,
    member,
)

from . import participation_world

ROLES = (
    "anonymous",
    "signed_in",
    "viewer",
    "editor",
    "admin",
    "other_editor",
    "holder",
    "evaluator",
    "chair",
    "superuser",
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclasses.dataclass
class World:
    objects: dict
    users: dict
    tokens: dict
    sessions: dict = dataclasses.field(default_factory=dict)  # role → session key (conftest)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def _call(w: dict, key: str, *, opens: dt.datetime, closes: dt.datetime) -> None:
    call = CallFactory(
        organisation=w["A"],
        strategy=w["S"],
        slug=f"matrika-{key.lower().replace('_', '-')}",
        number=key,
        title=f"Matrika poziv {key}",
        text="Poziv.",
        opens_at=opens,
        closes_at=closes,
        pass_threshold=Decimal("10"),
    )
    CallFundFactory(call=call, fund=w["F"], amount=Decimal("100000.00"))
    EligibilityConditionFactory(call=call, order=1, text="Sedež na območju.")
    CriterionFactory(call=call, order=1, name="Prispevek", max_points=Decimal("100"))
    CommitteeSeatFactory(call=call, name="Predsednik", role="chair", user=w["users"]["chair"], order=1)
    CommitteeSeatFactory(call=call, name="Ocenjevalka", role="member", user=w["users"]["evaluator"], order=2)
    w[key] = call


def _fill(app, user, fund, title="Matrika vloga"):
    data = services.DraftData(
        title=title,
        summary="Povzetek.",
        funds=[(fund.pk, Decimal("10000.00"))],
        partners=[],
        phases=[{"title": "1. faza", "start": None, "end": None, "amount": Decimal("10000.00")}],
    )
    return services.save_draft(app, user, data, version=app.version)


def _score(app, user, points="60"):
    a = Assignment.objects.get(application=app, seat__user=user)
    if a.declaration != "no_conflict":
        services.declare(a, user, conflict=False)
    crit = app.call.criteria.get()
    services.save_scores(a, user, {crit.pk: (Decimal(points), "Utemeljitev.")}, edits=0)
    services.submit_scores(a, user)


def _registration(w: dict, email: str, name: str):
    data = services.RegistrationData(
        first_name="Matrika",
        last_name="Prijaviteljica",
        email=email,
        password="Matrika-geslo-2025",
        organisation_name=name,
        organisation_kind="ngo",
        registration_number="6543219",
        tax_number="50223054",
        address="Cesta 1, Trbovlje",
    )
    return services.register_applicant(w["C_OPEN"], data).registration


def _datasets(w: dict, publisher, editor) -> None:
    """A's open data: a published dataset, a draft and a private one (the DCAT-AP catalogue shows the
    first), each with one version of a small CSV."""
    import tempfile
    from pathlib import Path

    from regija.lake import services as lake

    for key, slug, title, publish, private in (
        ("DS", "matrika-podatki", "Matrika podatki", True, False),
        ("DS_DRAFT", "matrika-osnutek-podatkov", "Matrika osnutek podatkov", False, False),
        ("DS_PRIVATE", "matrika-zasebni", "Matrika zasebni niz", True, True),
    ):
        data = {"slug": slug, "title": title, "description": "Matrika.", "private": private}
        dataset = lake.dataset_create(editor, publisher=publisher, data=data, via="web")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "podatki.csv"
            path.write_text("leto,vrednost\n2023,1\n2024,2\n", encoding="utf-8")
            lake.upload(editor, dataset, path, name="podatki.csv", via="web")
        dataset.refresh_from_db()
        w[key] = lake.dataset_publish(editor, dataset, via="web") if publish else dataset


def _events(w: dict, A) -> None:
    """The calendar: a public event of A that takes registrations, a non-public one, and the deadline
    of A's open call (made from the call, read-only for staff)."""
    from regija.events import sources
    from regija.events.models import Event

    sources.sync_object(Call, w["C_OPEN"].pk)  # the world is built in one transaction: no on-commit sync
    start = timezone.now() + dt.timedelta(days=30)
    common = {
        "organisation": A,
        "category": "meeting",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
    }
    w["EV"] = Event.objects.create(title="Matrika dogodek", registration=True, **common)
    w["EV_PRIV"] = Event.objects.create(title="Matrika interni dogodek", public=False, **common)
    w["EV_AUTO"] = Event.objects.get(source_key="deadline", source_id=w["C_OPEN"].pk, category="call")


def build() -> World:
    now = timezone.now()
    day = dt.timedelta(days=1)
    clock = Clock()
    w: dict = {}
    A = w["A"] = OrganisationFactory(slug="matrika-a", name="Matrika LAS A", kind="las")
    B = w["B"] = OrganisationFactory(slug="matrika-b", name="Matrika Društvo B", kind="ngo")
    C = w["C"] = OrganisationFactory(slug="matrika-c", name="Matrika Zavod C", kind="ngo")
    N = w["N"] = OrganisationFactory(slug="matrika-oseba", name="Matrika Oseba Novak", kind="person")
    users = w["users"] = {
        "anonymous": None,
        "signed_in": member(username="m-signed-in"),
        "viewer": member("viewer", A, username="m-viewer"),
        "editor": member("editor", A, username="m-editor"),
        "admin": member("admin", A, username="m-admin"),
        "other_editor": member("editor", C, username="m-other-editor"),
        "holder": member("editor", B, username="m-holder"),
        "evaluator": member(username="m-evaluator"),
        "chair": member(username="m-chair"),
        "superuser": member(username="m-superuser", superuser=True),
    }
    staff, holder = users["editor"], users["holder"]
    F = w["F"] = FundFactory(code="MATRIKA", name="Sklad Matrika")
    # A's management board: a term or a session is added to a body the user may edit
    w["BODY"] = BodyFactory(organisation=A, slug="matrika-organ", name="Matrika upravni odbor")

    S = w["S"] = StrategyFactory(slug="matrika-s", title="Matrika strategija", owners=[A])
    w["S_NODE"] = NodeFactory(strategy=S, code="M1", title="Matrika cilj")
    w["K"] = IndicatorFactory(node=w["S_NODE"], strategy=S, code="MK1", name="Matrika kazalnik")
    w["OBS"] = ObservationFactory(indicator=w["K"], date=dt.date(2024, 12, 31), value=Decimal("5"))
    D = w["D"] = StrategyFactory(slug="matrika-d", title="Matrika osnutek", status="draft", owners=[A])
    w["D_NODE"] = NodeFactory(strategy=D, code="MD1", title="Matrika osnutek cilj")

    P = w["P"] = ProjectFactory(
        strategy=S, code="M-1", title="Matrika operacija", holder=B, status="in_progress"
    )
    w["LINE"] = BudgetLineFactory(project=P, fund=F, amount=Decimal("15000.00"), secured="yes")
    ProjectPhaseFactory(project=P, title="Matrika faza")
    w["CLAIM"] = payments.claim_payment(
        P, holder, fund_id=F.pk, amount=Decimal("1000.00"), label="1. zahtevek"
    )
    w["CLAIM_CHECKED"] = payments.check_claim(
        payments.claim_payment(P, holder, fund_id=F.pk, amount=Decimal("2000.00"), label="2. zahtevek"), staff
    )
    w["P_N"] = ProjectFactory(strategy=S, code="M-2", title="Matrika osebni projekt", holder=N)
    # An operation ready to be completed: paid, nothing open.
    P_DONE = w["P_DONE"] = ProjectFactory(
        strategy=S, code="M-3", title="Matrika izplačana operacija", holder=B, status="in_progress"
    )
    BudgetLineFactory(project=P_DONE, fund=F, amount=Decimal("5000.00"), secured="yes")
    c = payments.claim_payment(P_DONE, holder, fund_id=F.pk, amount=Decimal("5000.00"), label="Končni")
    payments.pay_claim(payments.check_claim(c, staff), staff, date=dt.date(2025, 1, 10))

    future = (now + 10 * day, now + 40 * day)
    open_ = (now - 5 * day, now + 30 * day)
    past = (now - 20 * day, now - 1 * day)
    for key, (o, c_) in {
        "C_DRAFT": future,
        "C_PUB": future,
        "C_OPEN": open_,
        "C_CLOSED": past,
        "C_FIN": past,
        "C_EVAL": past,
        "C_EVALD0": past,
        "C_DEC": past,
    }.items():
        _call(w, key, opens=o, closes=c_)
    try:
        clock(now - 25 * day)
        for key in ("C_CLOSED", "C_FIN", "C_EVAL", "C_EVALD0", "C_DEC"):
            w[key] = services.publish(w[key], staff)
        clock(now - 10 * day)
        apps = []
        for i in range(1, 6):
            app = services.start_application(w["C_CLOSED"], B, holder, f"Matrika vloga {i}")
            app = _fill(app, holder, F, f"Matrika vloga {i}")
            if i == 1:
                w["ATT1"] = services.attachment_add(
                    app,
                    holder,
                    kind="budget",
                    upload=SimpleUploadedFile("predracun.pdf", PDF, "application/pdf"),
                )
            apps.append(services.submit(app, holder, declarations=DECLARED))
        app_e = _fill(
            services.start_application(w["C_EVAL"], B, holder, "Matrika vloga E"),
            holder,
            F,
            "Matrika vloga E",
        )
        w["APP_E"] = services.submit(app_e, holder, declarations=DECLARED)
        app_ok = _fill(
            services.start_application(w["C_DEC"], B, holder, "Matrika odobrena vloga"),
            holder,
            F,
            "Matrika odobrena vloga",
        )
        w["APP_OK"] = services.submit(app_ok, holder, declarations=DECLARED)
    finally:
        clock.stop()
    w["C_PUB"] = services.publish(w["C_PUB"], staff)
    w["C_OPEN"] = services.publish(w["C_OPEN"], staff)
    draft = services.start_application(w["C_OPEN"], B, holder, "Matrika osnutek vloge")
    w["APP_DRAFT"] = _fill(draft, holder, F, "Matrika osnutek vloge")
    w["ATT_DRAFT"] = services.attachment_add(
        w["APP_DRAFT"], holder, kind="plan", upload=SimpleUploadedFile("nacrt.pdf", PDF, "application/pdf")
    )

    yes = {cond.pk: (True, "") for cond in w["C_CLOSED"].conditions.all()}
    for app in apps[:3]:
        services.record_eligibility(app, staff, yes)
    services.assign_committee(w["C_CLOSED"], staff)
    w.update({f"APP{i}": app for i, app in enumerate(apps, start=1)})
    _score(apps[0], users["evaluator"])
    _score(apps[0], users["chair"])
    a2 = Assignment.objects.get(application=apps[1], seat__user=users["evaluator"])
    services.declare(a2, users["evaluator"], conflict=False)
    # a member joins the committee after the assignment: assigning again gives them the applications
    CommitteeSeatFactory(
        call=w["C_CLOSED"], name="Naknadni član", role="member", user=member(username="m-late"), order=3
    )
    w["ASSIGN1"] = Assignment.objects.get(application=apps[0], seat__user=users["evaluator"])
    w["ASSIGN2"] = a2
    w["ASSIGN3"] = Assignment.objects.get(application=apps[2], seat__user=users["evaluator"])
    w["SHEET1"] = w["ASSIGN1"].sheets.get()
    w["CHAIR_SHEET1"] = Assignment.objects.get(application=apps[0], seat__user=users["chair"]).sheets.get()

    services.record_eligibility(
        w["APP_E"], staff, {cond.pk: (True, "") for cond in w["C_EVAL"].conditions.all()}
    )
    services.assign_committee(w["C_EVAL"], staff)
    _score(w["APP_E"], users["evaluator"])
    _score(w["APP_E"], users["chair"])
    services.finalise(w["APP_E"], users["chair"])
    services.finish_evaluation(w["C_EVAL"], staff)
    services.finish_evaluation(w["C_EVALD0"], staff)
    # C_DEC: B's application APP_OK approved, so its operation (P_OK) takes claims through the API
    services.record_eligibility(
        w["APP_OK"], staff, {cond.pk: (True, "") for cond in w["C_DEC"].conditions.all()}
    )
    services.assign_committee(w["C_DEC"], staff)
    _score(w["APP_OK"], users["evaluator"])
    _score(w["APP_OK"], users["chair"])
    services.finalise(w["APP_OK"], users["chair"])
    services.finish_evaluation(w["C_DEC"], staff)
    w["P_OK"] = services.approve(
        w["APP_OK"],
        staff,
        approved={F.pk: Decimal("8000.00")},
        instrument=services.Instrument("decision", "M-1/2025", now.date() - 2 * day),
    )
    w["APP_OK"].refresh_from_db()
    services.mark_decided(w["C_DEC"], staff)
    for key in ("C_DRAFT", "C_PUB", "C_OPEN", "C_CLOSED", "C_FIN", "C_EVAL", "C_EVALD0", "C_DEC"):
        w[key].refresh_from_db()

    for key in ("C_OPEN", "C_DRAFT"):
        w[key.replace("C_", "DOC_")] = CallDocument.objects.create(
            call=w[key],
            title="Besedilo poziva",
            file=SimpleUploadedFile("poziv.pdf", PDF),
            content_type="application/pdf",
        )
    # applicants' self-registrations for the open call: one confirmed, waiting for approval; one whose
    # e-mail address is not confirmed yet
    w["REG"] = _registration(w, "matrika-prijava@primer.si", "Matrika Društvo Prijavitelj")
    services.confirm_email(w["C_OPEN"], services.registration.confirmation_token(w["REG"]))
    w["REG"].refresh_from_db()
    w["REG_NEW"] = _registration(w, "matrika-nova@primer.si", "Matrika Društvo Novo")
    _datasets(w, A, staff)
    _events(w, A)
    from . import world_budgeting

    world_budgeting.build(w, users)
    participation_world.add(w)
    from . import world_context

    world_context.build(w, users)
    world_context.build_devices(w)
    from . import world_places

    world_places.build(w)
    from . import world_fixes

    world_fixes.add(w)
    # one token per person: a person may stand in two tables' roles (A's editor is issue reports' staff)
    made: dict[int, str] = {}
    toks = {}
    for role, u in users.items():
        if u is not None:
            if u.pk not in made:
                made[u.pk] = core_tokens.create(u, "matrika")[1]
            toks[role] = made[u.pk]
    objects = {k: v for k, v in w.items() if k != "users"}
    # the holder follows B (notifications): a subscription another person may not end
    from regija.notify import services as notify_services

    objects["SUB"] = notify_services.follow(users["holder"], objects["B"])
    return World(objects=objects, users=users, tokens=toks)
