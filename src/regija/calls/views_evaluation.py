"""The committee's side: a member's assignments (only after the call closes), declaration, scores,
corrections; the chair's return of a member's scores for correction; the chair's overview with
finalisation and the ranking."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import selectors, services
from .forms import DeclarationForm, FinaliseForm, ReasonForm, ScoreForm
from .models import (
    Assignment,
    Call,
    CallState,
    Declaration,
    ScoreSheet,
    SeatRole,
    SheetReturn,
    SheetStatus,
)


@login_required
def evaluation_home(request):
    assignments = list(
        Assignment.objects.filter(seat__user=request.user)
        .select_related("application__applicant", "application__call__organisation", "seat")
        .order_by("application__call_id", "application__number")
    )
    sheets = {}
    for sheet in ScoreSheet.objects.filter(assignment__in=assignments).order_by("assignment_id", "version"):
        sheets[sheet.assignment_id] = sheet
    returned = set(
        SheetReturn.objects.filter(sheet__assignment__in=assignments, correction__isnull=True).values_list(
            "sheet__assignment_id", flat=True
        )
    )
    calls: dict[int, dict] = {}
    for a in assignments:
        call = a.application.call
        entry = calls.setdefault(
            call.pk, {"call": call, "rows": [], "waiting": 0, "chair": a.seat.role == SeatRole.CHAIR}
        )
        if call.is_closed_for_submissions:
            entry["rows"].append({"assignment": a, "sheet": sheets.get(a.pk), "returned": a.pk in returned})
        else:
            entry["waiting"] += 1
    chaired = Call.objects.filter(seats__user=request.user, seats__role=SeatRole.CHAIR).select_related(
        "organisation"
    )
    for call in chaired:
        calls.setdefault(call.pk, {"call": call, "rows": [], "waiting": 0, "chair": True})
    return render(request, "calls/evaluation/home.html", {"calls": list(calls.values()), "nav": "evaluation"})


def _assignment_or_404(request, pk: int) -> Assignment:
    a = get_object_or_404(
        Assignment.objects.select_related(
            "application__call__organisation", "application__applicant", "seat"
        ),
        pk=pk,
    )
    call = a.application.call
    is_own = a.seat.user_id == request.user.pk
    if not (is_own or services.is_chair(request.user, call)) or not call.is_closed_for_submissions:
        raise Http404  # before closing an assignment does not exist for anyone
    return a


@login_required
def assignment(request, pk: int):
    a = _assignment_or_404(request, pk)
    app = a.application
    call = app.call
    criteria = list(call.criteria.all())
    sheets = list(a.sheets.prefetch_related("scores").order_by("version"))
    current = sheets[-1] if sheets else None
    initial = {s.criterion_id: (s.points, s.justification) for s in current.scores.all()} if current else {}
    own = a.seat.user_id == request.user.pk
    can_edit = own and call.state == CallState.CLOSED and a.declaration == Declaration.NO_CONFLICT
    correction = current is not None and current.status != SheetStatus.DRAFT
    returns = list(
        SheetReturn.objects.filter(sheet__assignment=a).select_related("sheet", "correction", "returned_by")
    )
    returned = next((r for r in returns if r.correction_id is None), None)
    # the chair (on another member's page) returns submitted or finalised scores for correction
    can_return = (
        not own
        and correction
        and returned is None
        and call.state == CallState.CLOSED
        and services.is_chair(request.user, call)
    )
    status = 200
    funds = list(app.funds.select_related("fund"))
    declaration_form = DeclarationForm(request.POST if "declare" in request.POST else None)
    return_form = ReasonForm(request.POST if "return" in request.POST else None)
    score_form = ScoreForm(
        request.POST
        if ("save" in request.POST or "submit" in request.POST or "correct" in request.POST)
        else None,
        criteria=criteria,
        initial_scores=initial,
        correction=correction,
        initial={"edits": current.edits if current else 0},
    )
    if request.method == "POST":
        try:
            if "declare" in request.POST:
                if declaration_form.is_valid():
                    services.declare(
                        a,
                        request.user,
                        conflict=declaration_form.cleaned_data["conflict"],
                        note=declaration_form.cleaned_data["note"],
                    )
                    messages.success(request, _("Your declaration is recorded."))
                    return redirect("assignment", a.pk)
                status = 422
            elif "return" in request.POST:
                if return_form.is_valid():
                    services.return_scores(a, request.user, reason=return_form.cleaned_data["reason"])
                    messages.success(
                        request,
                        _("The scores are returned to %(name)s for correction.") % {"name": a.seat.name},
                    )
                    return redirect("assignment", a.pk)
                status = 422
            elif score_form.is_valid():
                if "correct" in request.POST:
                    services.correct_scores(
                        a, request.user, score_form.scores(), reason=score_form.cleaned_data["reason"]
                    )
                    messages.success(
                        request, _("The correction is saved as a new version and waits for the chair.")
                    )
                else:
                    services.save_scores(
                        a, request.user, score_form.scores(), edits=score_form.cleaned_data.get("edits") or 0
                    )
                    if "submit" in request.POST:
                        services.submit_scores(a, request.user)
                        messages.success(request, _("Your scores are submitted to the chair."))
                    else:
                        messages.success(request, _("Your scores are saved as a draft."))
                return redirect("assignment", a.pk)
            else:
                status = 422  # the error summary at the top of the page lists what to correct
        except services.Refused as exc:
            messages.error(request, exc.message)
            status = exc.status
    return render(
        request,
        "calls/evaluation/assignment.html",
        {
            "a": a,
            "app": app,
            "call": call,
            "own": own,
            "can_edit": can_edit,
            "correction": correction,
            "returns": returns,
            "returned": returned,
            "can_return": can_return,
            "return_form": return_form,
            "sheets": sheets,
            "current": current,
            "declaration_form": declaration_form,
            "score_form": score_form,
            "attachments": app.attachments.all(),
            "funds": funds,
            "funds_total": sum((f.requested for f in funds), Decimal("0")),
            "phases": app.phases.all(),
            "partners": app.partners.all(),
            "nav": "evaluation",
        },
        status=status,
    )


@login_required
def call_evaluation(request, pk: int):
    """The chair's and the staff's view of a closed call: who has scored what, finalisation, the ranking."""
    call = get_object_or_404(Call.objects.select_related("organisation"), pk=pk)
    chair = services.is_chair(request.user, call)
    staff = services.may_see_call_staff(request.user, call)
    if not (chair or staff) or not call.is_closed_for_submissions:
        raise Http404
    if request.method == "POST":
        try:
            if "finalise" in request.POST:
                form = FinaliseForm(request.POST, call=call)
                if not form.is_valid():
                    messages.error(request, " ".join(form.errors["application"]))
                    return redirect("call_evaluation", call.pk)
                app = form.cleaned_data["application"]
                n = services.finalise(app, request.user)
                messages.success(
                    request,
                    _("%(n)s score sheet(s) finalised for “%(title)s”.") % {"n": n, "title": app.title},
                )
            elif "assign" in request.POST:
                n = services.assign_committee(call, request.user)
                messages.success(request, _("%(n)s new assignment(s) made.") % {"n": n})
        except services.Refused as exc:
            messages.error(request, exc.message)
        return redirect("call_evaluation", call.pk)
    assignments = list(
        Assignment.objects.filter(application__call=call)
        .select_related("seat", "application")
        .order_by("application__number", "seat__order")
    )
    last = {}
    for sheet in ScoreSheet.objects.filter(assignment__application__call=call).order_by(
        "assignment_id", "version"
    ):
        last[sheet.assignment_id] = sheet
    returned = set(
        SheetReturn.objects.filter(
            sheet__assignment__application__call=call, correction__isnull=True
        ).values_list("sheet__assignment_id", flat=True)
    )
    by_app: dict[int, list] = {}
    for a in assignments:
        by_app.setdefault(a.application_id, []).append(
            {"assignment": a, "sheet": last.get(a.pk), "returned": a.pk in returned}
        )
    rows = selectors.ranking(call)
    for r in rows:
        r.members = by_app.get(r.application.pk, [])
    return render(
        request,
        "calls/evaluation/call.html",
        {
            "call": call,
            "rows": rows,
            "chair": chair,
            "staff": staff,
            "gaps": services.evaluation_gaps(call, rows) if call.state == CallState.CLOSED else [],
            "nav": "evaluation",
        },
    )
