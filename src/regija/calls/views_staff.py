"""The programme staff's side: a call's life (publish … archive), eligibility checks, decisions, and the
implementation of operations – payment claims checked and paid, withdrawal, completion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from regija.core.permissions import can
from regija.projects.models import Payment, PaymentState, Project, ProjectStatus
from regija.projects.services import payments

from . import selectors, services
from .forms import (
    ApproveForm,
    ClaimForm,
    EligibilityForm,
    PayForm,
    ReasonForm,
    RegistrationApproveForm,
    RegistrationRejectForm,
)
from .models import Application, ApplicationStatus, Call, CallState, RegistrationStatus

TRANSITIONS = {
    "publish": services.publish,
    "unpublish": services.unpublish,
    "finish_evaluation": services.finish_evaluation,
    "mark_decided": services.mark_decided,
    "archive": services.archive,
}


def _call_for_staff(request, org_slug: str, slug: str) -> Call:
    call = get_object_or_404(
        Call.objects.select_related("organisation", "strategy"), organisation__slug=org_slug, slug=slug
    )
    if not services.may_see_call_staff(request.user, call):
        raise Http404
    return call


@login_required
def call_manage(request, org_slug: str, slug: str):
    call = _call_for_staff(request, org_slug, slug)
    if request.method == "POST":
        action = TRANSITIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("Unknown action."))
        else:
            try:
                action(call, request.user)
            except services.Refused as exc:
                messages.error(request, exc.message)
            else:
                call.refresh_from_db()
                messages.success(
                    request, _("The call is now: %(state)s.") % {"state": call.get_state_display()}
                )
        return redirect("call_manage", org_slug, slug)
    state = call.state
    applications = list(
        call.applications.exclude(status=ApplicationStatus.DRAFT)
        .select_related("applicant", "project__strategy")
        .order_by("number")
    )
    drafts = call.applications.filter(status=ApplicationStatus.DRAFT).count()
    ranking = (
        selectors.ranking(call)
        if state in (CallState.CLOSED, CallState.EVALUATED, CallState.DECIDED, CallState.ARCHIVED)
        else []
    )
    actions = {
        CallState.DRAFT: ["publish"],
        CallState.PUBLISHED: ["unpublish"],
        CallState.CLOSED: ["finish_evaluation"],
        CallState.EVALUATED: ["mark_decided"],
        CallState.DECIDED: ["archive"],
    }.get(state, [])
    return render(
        request,
        "calls/staff/manage.html",
        {
            "call": call,
            "state": state,
            "applications": applications,
            "drafts": drafts,
            "ranking": ranking,
            "actions": actions,
            "can_act": services.may_manage_call(request.user, call),
            "gaps": services.evaluation_gaps(call, ranking) if state == CallState.CLOSED else [],
            "registrations": selectors.staff_registrations(call),
            "nav": "calls",
        },
    )


@never_cache  # a person's data
@login_required
@require_http_methods(["GET", "POST"])
def registration_decide(request, org_slug: str, slug: str, pk: int):
    """One applicant's registration for the call's staff: all they gave, the organisation already on
    Regija under its registration number (if any), and approve / reject with a reason. Members of any
    role see it; editors and admins decide (``services.approve_registration``)."""
    call = _call_for_staff(request, org_slug, slug)
    registration = selectors.staff_registration(call, pk)
    if registration is None:
        raise Http404
    approve_form = RegistrationApproveForm(request.POST if "approve" in request.POST else None)
    reject_form = RegistrationRejectForm(request.POST if "reject" in request.POST else None)
    status = 200
    if request.method == "POST":
        site = request.build_absolute_uri("/").rstrip("/")
        try:
            if "approve" in request.POST and approve_form.is_valid():
                decided = services.approve_registration(
                    registration, request.user, expected_match=approve_form.cleaned_data["match"], site=site
                )
                messages.success(
                    request,
                    _("Approved: %(person)s is now an editor of %(org)s and can sign in.")
                    % {"person": decided.registration.person, "org": decided.registration.organisation},
                )
                _mail_failed(request, decided)
                return redirect("call_manage", org_slug, slug)
            if "reject" in request.POST and reject_form.is_valid():
                decided = services.reject_registration(
                    registration, request.user, reason=reject_form.cleaned_data["reason"], site=site
                )
                messages.success(
                    request,
                    _("The registration of %(org)s is rejected.")
                    % {"org": decided.registration.organisation_name},
                )
                _mail_failed(request, decided)
                return redirect("call_manage", org_slug, slug)
            status = 422
        except services.Refused as exc:
            if exc.field == "reason":
                reject_form.add_error("reason", exc.message)
            else:
                messages.error(request, exc.message)
            status = exc.status
        registration = selectors.staff_registration(call, pk) or registration
    match = (
        selectors.organisation_match(registration)
        if registration.status == RegistrationStatus.CONFIRMED
        else None
    )
    can_act = services.may_manage_call(request.user, call)
    return render(
        request,
        "calls/staff/registration.html",
        {
            "call": call,
            "registration": registration,
            "match": match,
            "may_join": match is None
            or services.registration.may_join(request.user, match.organisation, match.admins),
            "can_act": can_act,
            "approve_form": approve_form,
            "reject_form": reject_form,
            "now": services.now(),
            "nav": "calls",
        },
        status=status,
    )


def _mail_failed(request, decided: services.Decided) -> None:
    if not decided.mailed:
        messages.warning(
            request,
            _("The e-mail to %(email)s could not be sent; let the person know yourself.")
            % {"email": decided.registration.email},
        )


def _staff_application(request, pk: int) -> Application:
    app = get_object_or_404(Application.objects.select_related("call__organisation", "applicant"), pk=pk)
    if app.status == ApplicationStatus.DRAFT or not (
        services.may_manage_call(request.user, app.call) or services.is_chair(request.user, app.call)
    ):
        raise Http404
    return app


@login_required
def eligibility(request, pk: int):
    app = _staff_application(request, pk)
    conditions = list(app.call.conditions.all())
    checks = {c.condition_id: c for c in app.checks.all()}
    form = EligibilityForm(
        request.POST if request.method == "POST" else None, conditions=conditions, checks=checks
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                app = services.record_eligibility(app, request.user, form.results())
            except services.Refused as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("Eligibility recorded: %(status)s.") % {"status": app.get_status_display()}
                )
                return redirect("call_manage", app.call.organisation.slug, app.call.slug)
        else:
            status = 422
    return render(
        request,
        "calls/staff/eligibility.html",
        {"app": app, "call": app.call, "form": form, "nav": "calls"},
        status=status,
    )


@login_required
def decide(request, pk: int):
    app = _staff_application(request, pk)
    lines = list(app.funds.select_related("fund"))
    approve_form = ApproveForm(request.POST if "approve" in request.POST else None, lines=lines)
    reject_form = ReasonForm(request.POST if "reject" in request.POST else None)
    status = 200
    if request.method == "POST":
        try:
            if "approve" in request.POST and approve_form.is_valid():
                d = approve_form.cleaned_data
                project = services.approve(
                    app,
                    request.user,
                    approved=approve_form.amounts(),
                    instrument=services.Instrument(
                        d["instrument_kind"], d["instrument_number"], d["instrument_date"]
                    ),
                )
                messages.success(request, _("Approved; operation %(code)s created.") % {"code": project.code})
                return redirect("call_manage", app.call.organisation.slug, app.call.slug)
            if "reject" in request.POST and reject_form.is_valid():
                services.reject(app, request.user, reason=reject_form.cleaned_data["reason"])
                messages.success(request, _("The application is rejected."))
                return redirect("call_manage", app.call.organisation.slug, app.call.slug)
            status = 422
        except services.Refused as exc:
            messages.error(request, exc.message)
            status = exc.status
    row = next((r for r in selectors.ranking(app.call) if r.application.pk == app.pk), None)
    return render(
        request,
        "calls/staff/decide.html",
        {
            "app": app,
            "call": app.call,
            "row": row,
            "approve_form": approve_form,
            "reject_form": reject_form,
            "lines": lines,
            "nav": "calls",
        },
        status=status,
    )


# ------------------------------------------------------------------------------------- operations


def _project_or_404(request, slug: str, code: str) -> tuple[Project, bool, bool]:
    project = get_object_or_404(
        Project.objects.select_related("strategy", "holder"), strategy__slug=slug, code=code
    )
    holder = payments.is_holder(request.user, project)
    staff = payments.is_programme_staff(request.user, project)
    if not (holder or staff or can(request.user, "view_staff", project)):
        raise Http404
    return project, holder, staff


@login_required
def project_claims(request, slug: str, code: str):
    project, is_holder, is_staff = _project_or_404(request, slug, code)
    funds = [line.fund for line in project.budget_lines.select_related("fund")]
    phases = list(project.phases.all())
    claim_form = ClaimForm(request.POST if "claim" in request.POST else None, funds=funds, phases=phases)
    withdraw_form = ReasonForm(request.POST if "withdraw" in request.POST else None)
    status = 200
    if request.method == "POST":
        try:
            if "claim" in request.POST:
                if claim_form.is_valid():
                    d = claim_form.cleaned_data
                    payments.claim_payment(
                        project,
                        request.user,
                        fund_id=int(d["fund"]),
                        amount=d["amount"],
                        label=d["label"],
                        phase_id=int(d["phase"]) if d["phase"] else None,
                    )
                    messages.success(request, _("The claim is submitted."))
                    return redirect("project_claims", slug, code)
                status = 422
            elif "withdraw" in request.POST:
                if withdraw_form.is_valid():
                    payments.withdraw_project(
                        project, request.user, reason=withdraw_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The operation is withdrawn."))
                    return redirect("project_claims", slug, code)
                status = 422
            elif "complete" in request.POST:
                payments.complete_project(project, request.user)
                messages.success(
                    request, _("The operation is completed; its sustainability period has started.")
                )
                return redirect("project_claims", slug, code)
        except services.Refused as exc:
            messages.error(request, exc.message)
            status = exc.status
    return _claims_page(
        request,
        project,
        is_holder,
        is_staff,
        funds=funds,
        phases=phases,
        claim_form=claim_form,
        withdraw_form=withdraw_form,
        status=status,
    )


def _claims_page(
    request,
    project: Project,
    is_holder: bool,
    is_staff: bool,
    *,
    funds=None,
    phases=None,
    claim_form=None,
    withdraw_form=None,
    failed: tuple[int, str, PayForm | ReasonForm] | None = None,
    status: int = 200,
):
    """The claims page; ``failed`` is a staff action on one claim whose form had errors: (claim id, "pay"
    or "reject", the bound form), shown again with its messages."""
    if funds is None:
        funds = [line.fund for line in project.budget_lines.select_related("fund")]
    if phases is None:
        phases = list(project.phases.all())
    claims = list(
        project.payments.select_related("fund", "phase", "claimed_by", "checked_by", "paid_by").order_by(
            "order"
        )
    )
    failed_form = None
    for p in claims:
        # each open claim's own forms, with ids of their own (the page has one per claim)
        p.pay_form = PayForm(auto_id=f"pay{p.pk}_%s")
        p.reject_form = ReasonForm(auto_id=f"reject{p.pk}_%s")
        if failed and failed[0] == p.pk:
            failed_form = failed[2]
            setattr(p, f"{failed[1]}_form", failed_form)
    final_payment = payments.final_payment_date(claims)
    return render(
        request,
        "calls/staff/claims.html",
        {
            "project": project,
            "payments": claims,
            "open_claims": [p for p in claims if p.state == PaymentState.CLAIMED],
            "phases": phases,
            "is_holder": is_holder,
            "is_staff": is_staff,
            "claim_form": (claim_form or ClaimForm(funds=funds, phases=phases))
            if is_holder and project.status in (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
            else None,
            # programme staff withdraw; the holder is told to ask them (separation of duties)
            "withdraw_form": (withdraw_form or ReasonForm())
            if project.status not in (ProjectStatus.COMPLETED, ProjectStatus.WITHDRAWN)
            else None,
            "failed_form": failed_form,
            "final_payment": final_payment,
            "sustainability_end": payments.sustainability_end(project, final_payment),
            "nav": "projects",
        },
        status=status,
    )


@login_required
@require_POST
def claim_action(request, slug: str, code: str, payment: int):
    project, is_holder, is_staff = _project_or_404(request, slug, code)
    claim = get_object_or_404(Payment, pk=payment, project=project)
    action = request.POST.get("action")
    try:
        if action == "check":
            payments.check_claim(claim, request.user)
            messages.success(request, _("The claim is checked."))
        elif action in ("pay", "reject"):
            form: PayForm | ReasonForm = (
                PayForm(request.POST, auto_id=f"pay{claim.pk}_%s")
                if action == "pay"
                else ReasonForm(request.POST, auto_id=f"reject{claim.pk}_%s")
            )
            if not form.is_valid():
                if not is_staff:
                    messages.error(request, _("Only staff of the programme check and pay claims."))
                    return redirect("project_claims", slug, code)
                return _claims_page(
                    request, project, is_holder, is_staff, failed=(claim.pk, action, form), status=422
                )
            if action == "pay":
                payments.pay_claim(claim, request.user, date=form.cleaned_data["date"])
                messages.success(request, _("The claim is marked paid."))
            else:
                payments.reject_claim(claim, request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("The claim is rejected."))
        else:
            messages.error(request, _("Unknown action."))
    except services.Refused as exc:
        messages.error(request, exc.message)
    return redirect("project_claims", slug, code)
