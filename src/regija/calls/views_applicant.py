"""The applicant's side: start an application, fill it in, attach documents, submit, follow it, withdraw.

The path to submission: the form (saved as a draft any time) → "check your answers" (everything that
will be submitted, the budget warnings, the declarations) → the confirmation with the reference and
what happens next. Withdrawing asks for confirmation on a page of its own.

Who sees an application (``access``): members of the applicant organisation (any role; editors
change it); staff of the organisation running the call once it is submitted; a committee member
it is assigned to, only after the call closes. Everyone else gets 404 – not even its existence leaks.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regija.core.collation import slovenian
from regija.core.models import Organisation, Role
from regija.core.permissions import org_ids_with
from regija.projects.models import Fund

from . import selectors, services
from .forms import (
    ApplicationForm,
    AttachmentForm,
    PartnerFormSet,
    PhaseFormSet,
    StartForm,
    SubmitForm,
    WithdrawForm,
    fund_formset,
)
from .models import Application, ApplicationStatus, Attachment, Call, CallState


def access(user, app: Application) -> set[str]:
    """The capacities in which ``user`` may see ``app``: 'applicant', 'staff', 'evaluator'
    (``services.application_access``, the rule the API follows too)."""
    return services.application_access(user, app)


def _application_or_404(request, pk: int) -> tuple[Application, set[str]]:
    app = get_object_or_404(
        Application.objects.select_related("call__organisation", "applicant", "project__strategy"), pk=pk
    )
    seen_as = access(request.user, app)
    if not seen_as:
        raise Http404
    return app, seen_as


def _refused(request, exc: services.Refused) -> None:
    messages.error(request, exc.message)


def _editable_orgs(user):
    ids = org_ids_with(user, Role.EDITOR)
    qs = Organisation.objects.all() if ids is None else Organisation.objects.filter(pk__in=ids)
    return qs.order_by(slovenian("name"), "pk")


@login_required
def application_start(request, org_slug: str, slug: str):
    call = get_object_or_404(
        Call.objects.select_related("organisation"), organisation__slug=org_slug, slug=slug
    )
    if call.state == CallState.DRAFT:
        raise Http404
    orgs = _editable_orgs(request.user)
    form = StartForm(request.POST if request.method == "POST" else None, organisations=orgs)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            app = services.start_application(
                call, form.cleaned_data["applicant"], request.user, form.cleaned_data["title"]
            )
        except services.Refused as exc:
            _refused(request, exc)
            status = exc.status
        else:
            messages.success(
                request, _("The draft is saved. Fill in the rest and submit it before the deadline.")
            )
            return redirect("application", app.pk)
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "calls/applicant/start.html",
        {"call": call, "form": form, "has_orgs": orgs.exists(), "nav": "applications"},
        status=status,
    )


@login_required
def my_applications(request):
    apps = selectors.applications_of(request.user)[:200]
    return render(request, "calls/applicant/list.html", {"applications": apps, "nav": "applications"})


def _draft_forms(request, app: Application, data=None):
    funds = [cf.fund for cf in app.call.funds.select_related("fund")]
    if not funds:
        funds = list(Fund.objects.all())
    initial = {"version": app.version, "title": app.title, "summary": app.summary}
    forms = (
        ApplicationForm(data, initial=initial),
        fund_formset(funds)(
            data,
            prefix="funds",
            initial=[{"fund": str(f.fund_id), "requested": f.requested} for f in app.funds.all()],
            form_kwargs={"funds": funds},
        ),
        PartnerFormSet(
            data, prefix="partners", initial=[{"name": p.name, "role": p.role} for p in app.partners.all()]
        ),
        PhaseFormSet(
            data,
            prefix="phases",
            initial=[
                {"title": p.title, "start": p.start, "end": p.end, "amount": p.amount}
                for p in app.phases.all()
            ],
        ),
    )
    for formset, anchor in zip(forms[1:], ("#zneski", "#partnerji", "#faze"), strict=True):
        formset.error_anchor = anchor  # type: ignore[attr-defined]
    return forms


def _editable(user, app: Application) -> bool:
    return services.may_change_draft(user, app)


def _may_withdraw(user, app: Application) -> bool:
    return services.may_withdraw(user, app)


def _not_editable(request, app: Application):
    """Why a draft cannot be changed or submitted now (the call closed, or it is not a draft any more)."""
    if app.status == ApplicationStatus.DRAFT and services.may_edit_application(request.user, app):
        messages.error(
            request, services.not_open_message(app.call)
        )  # says when it closed, by the server's clock
    else:
        messages.error(request, _("This application can no longer be changed."))
    return redirect("application", app.pk)


def _contents(app: Application) -> dict:
    """What the application holds, for the pages that show it (a fixed number of queries)."""
    funds = list(app.funds.select_related("fund"))
    return {
        "funds": funds,
        "funds_total": sum((f.requested for f in funds), Decimal("0")),
        "partners": list(app.partners.all()),
        "phases": list(app.phases.all()),
        "attachments": list(app.attachments.all()),
    }


def _budget(app: Application, funds) -> dict:
    """The call's money and the warnings for requests above what is left of it."""
    money = selectors.call_money(app.call)
    return {
        "money": list(money.values()),
        "warnings": selectors.budget_warnings([(f.fund_id, f.requested) for f in funds], money),
    }


def application(request, pk: int):
    if not request.user.is_authenticated:
        return redirect(f"{_login_url()}?next={request.path}")
    app, seen_as = _application_or_404(request, pk)
    editable = _editable(request.user, app)
    forms = (
        _draft_forms(request, app, request.POST if request.method == "POST" else None) if editable else None
    )
    status = 200
    if request.method == "POST":
        if not editable or forms is None:
            return _not_editable(request, app)
        form, funds, partners, phases = forms
        valid = [f.is_valid() for f in forms]  # every one, so each shows its errors
        if all(valid):
            data = services.DraftData(
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                funds=[(int(f["fund"]), f["requested"]) for f in funds.kept() if f.get("fund")],
                partners=[{"name": p["name"], "role": p["role"]} for p in partners.kept() if p.get("name")],
                phases=[
                    {"title": p["title"], "start": p["start"], "end": p["end"], "amount": p["amount"]}
                    for p in phases.kept()
                    if p.get("title")
                ],
            )
            try:
                app = services.save_draft(app, request.user, data, version=form.cleaned_data["version"])
            except services.Refused as exc:
                status = exc.status
                if exc.field == "funds":
                    funds.refuse(exc.message)
                else:
                    _refused(request, exc)
            else:
                if "save" in request.POST:
                    messages.success(request, _("Draft saved."))
                    return redirect("application", app.pk)
                return redirect("application_check", app.pk)  # "Save and continue": check the answers
        else:
            status = 422
    contents = _contents(app)
    return render(
        request,
        "calls/applicant/detail.html",
        {
            "app": app,
            "call": app.call,
            "seen_as": seen_as,
            "editable": editable,
            "forms": forms,
            "missing": services.missing_for_submission(app) if editable else [],
            "attachment_form": AttachmentForm() if editable else None,
            **contents,
            **(_budget(app, contents["funds"]) if editable else {}),
            "can_withdraw": _may_withdraw(request.user, app),
            "closed_draft": services.not_open_message(app.call)
            if app.status == ApplicationStatus.DRAFT and not editable
            else "",
            "max_upload": settings.REGIJA_MAX_UPLOAD_BYTES,
            "nav": "applications",
        },
        status=status,
    )


@login_required
def application_check(request, pk: int):
    """Check your answers: everything that will be submitted, the budget warnings and the declarations;
    submitting goes through ``services.submit`` with the version shown here."""
    app, _seen = _application_or_404(request, pk)
    if not _editable(request.user, app):
        return _not_editable(request, app)
    form = SubmitForm(request.POST if request.method == "POST" else None, initial={"version": app.version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                app = services.submit(
                    app,
                    request.user,
                    declarations=form.cleaned_data["declarations"],
                    version=form.cleaned_data["version"],
                )
            except services.Refused as exc:
                _refused(request, exc)
                status = exc.status
                app.refresh_from_db()
                # what is shown now is the application as it is; the declarations are ticked again
                form = SubmitForm(initial={"version": app.version})
            else:
                return redirect("application_submitted", app.pk)
        else:
            status = 422
    contents = _contents(app)
    return render(
        request,
        "calls/applicant/check.html",
        {
            "app": app,
            "call": app.call,
            "form": form,
            "missing": services.missing_for_submission(app),
            **contents,
            **_budget(app, contents["funds"]),
            "nav": "applications",
        },
        status=status,
    )


@login_required
def application_submitted(request, pk: int):
    """The confirmation after submitting: the reference and what happens next."""
    app, seen_as = _application_or_404(request, pk)
    if app.status != ApplicationStatus.SUBMITTED or "applicant" not in seen_as:
        return redirect("application", app.pk)
    return render(
        request,
        "calls/applicant/submitted.html",
        {"app": app, "call": app.call, "nav": "applications"},
    )


def _login_url():
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    app, _seen = _application_or_404(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("application", app.pk)
    upload = form.cleaned_data["file"]
    try:
        services.attachment_add(app, request.user, kind=form.cleaned_data["kind"], upload=upload)
    except services.Refused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("“%(name)s” is attached.") % {"name": upload.name})
    return redirect("application", app.pk)


@login_required
def attachment_download(request, pk: int, att: int):
    app, _seen = _application_or_404(request, pk)
    attachment = get_object_or_404(Attachment, pk=att, application=app)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_delete(request, pk: int, att: int):
    app, _seen = _application_or_404(request, pk)
    attachment = get_object_or_404(Attachment, pk=att, application=app)
    name = attachment.original_name
    try:
        services.attachment_delete(attachment, request.user)
    except services.Refused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": name})
    return redirect("application", app.pk)


@login_required
def application_withdraw(request, pk: int):
    """Withdrawing asks first: the page says what it means, and only its confirmation withdraws."""
    app, _seen = _application_or_404(request, pk)
    if not _may_withdraw(request.user, app):
        messages.error(request, _("This application can no longer be withdrawn."))
        return redirect("application", app.pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and request.POST.get("confirm") == "yes" and form.is_valid():
        try:
            services.withdraw_application(app, request.user, form.cleaned_data["reason"])
        except services.Refused as exc:
            _refused(request, exc)
            status = exc.status
        else:
            messages.success(request, _("The application is withdrawn."))
            return redirect("application", app.pk)
    elif request.method == "POST":
        form = WithdrawForm(initial={"reason": request.POST.get("reason", "")})  # not confirmed: ask
    return render(
        request,
        "calls/applicant/withdraw.html",
        {"app": app, "call": app.call, "form": form, "nav": "applications"},
        status=status,
    )
