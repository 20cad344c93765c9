"""How an applicant organisation gets an account: its person registers on a call's page, confirms their
e-mail address by the link we send, and the call's staff approve the registration (on the call's
management page, ``views_staff.registration_decide``). The steps are ``calls.services.registration``.

The pages never say whether an e-mail address has an account (the e-mail does), and they are never
cached: they carry a person's data or a link's secret.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from regija.core import throttle

from . import services
from .forms import RegistrationForm
from .models import Call, CallStatus, RegistrationStatus

SESSION_KEY = "regija_registration"
THROTTLE_SCOPE = "registration"


def site(request: HttpRequest) -> str:
    """This site's address (scheme and host) for the links of an e-mail."""
    return request.build_absolute_uri("/").rstrip("/")


def _public_call(org_slug: str, slug: str) -> Call:
    call = get_object_or_404(
        Call.objects.select_related("organisation"), organisation__slug=org_slug, slug=slug
    )
    if call.status == CallStatus.DRAFT:
        raise Http404
    return call


def _too_many(request, call: Call):
    minutes = max(1, throttle.retry_after() // 60)
    response = render(
        request,
        "calls/registration/too_many.html",
        {"call": call, "minutes": minutes, "nav": "calls"},
        status=429,
    )
    response["Retry-After"] = str(throttle.retry_after())
    return response


def _data(form: RegistrationForm) -> services.RegistrationData:
    d = form.cleaned_data
    return services.RegistrationData(
        first_name=d["first_name"],
        last_name=d["last_name"],
        email=d["email"],
        password=d["password1"],
        organisation_name=d["organisation_name"],
        organisation_kind=d["organisation_kind"],
        registration_number=d["registration_number"],
        tax_number=d["tax_number"],
        address=d["address"],
        website=d["website"],
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def register(request, org_slug: str, slug: str):
    """The registration form: a person and their organisation, for this call."""
    call = _public_call(org_slug, slug)
    if request.user.is_authenticated:
        messages.info(request, _("You are signed in: apply to the call with your account."))
        return redirect(call)
    takes = services.takes_registrations(call)
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not takes:
            status = 409
        elif not form.is_valid():
            status = 422
        elif not throttle.allow(request, THROTTLE_SCOPE, settings.REGIJA_REGISTRATION_LIMIT):
            return _too_many(request, call)
        else:
            try:
                result = services.register_applicant(call, _data(form))
            except services.Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                sent = services.send_registration_mail(result, site(request))
                request.session[SESSION_KEY] = {"call": call.pk, "email": result.email, "failed": not sent}
                return redirect("registration_sent", org_slug, slug)
    return render(
        request,
        "calls/registration/form.html",
        {
            "call": call,
            "form": form,
            "takes": takes,
            "days": services.registration.link_days(),
            "nav": "calls",
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def registration_sent(request, org_slug: str, slug: str):
    """What happens next, after the form; POST sends the e-mail again (to the address of this session)."""
    call = _public_call(org_slug, slug)
    info = request.session.get(SESSION_KEY)
    if not isinstance(info, dict) or info.get("call") != call.pk:
        info = None
    if request.method == "POST":
        if info is None:
            messages.error(
                request, _("There is no registration of yours to send the e-mail for. Register first.")
            )
            return redirect("registration", org_slug, slug)
        if not throttle.allow(request, THROTTLE_SCOPE, settings.REGIJA_REGISTRATION_LIMIT):
            return _too_many(request, call)
        result = services.resend_registration_mail(call, info["email"])
        if result is None:
            request.session.pop(SESSION_KEY, None)
            messages.error(request, _("Your registration is no longer kept. Register again."))
            return redirect("registration", org_slug, slug)
        sent = services.send_registration_mail(result, site(request))
        request.session[SESSION_KEY] = {**info, "failed": not sent}
        if sent:
            messages.success(request, _("We sent the e-mail again to %(email)s.") % {"email": info["email"]})
        return redirect("registration_sent", org_slug, slug)
    return render(
        request,
        "calls/registration/sent.html",
        {
            "call": call,
            "email": info["email"] if info else "",
            "failed": bool(info and info.get("failed")),
            "days": services.registration.link_days(),
            "nav": "calls",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def registration_confirm(request, org_slug: str, slug: str, token: str):
    """The e-mailed link: GET shows the registration and a button (a mail scanner that opens links
    confirms nothing); POST confirms the address. Afterwards the same link shows where it stands."""
    call = _public_call(org_slug, slug)
    if request.method == "POST":
        try:
            confirmed = services.confirm_email(call, token)
        except services.Refused as exc:
            return _link_problem(request, call, exc.status)
        if confirmed.newly:
            services.notify_staff(confirmed.registration, site(request))
        return redirect(request.path)
    link = services.read_link(call, token)
    registration = link.registration
    if registration is None:
        return _link_problem(request, call, 404)
    if registration.status == RegistrationStatus.UNCONFIRMED and (
        link.expired or registration.expired_at(services.now())
    ):
        return _link_problem(request, call, 410)
    return render(
        request,
        "calls/registration/confirm.html",
        {"call": call, "registration": registration, "nav": "calls"},
    )


def _link_problem(request, call: Call, status: int):
    return render(
        request,
        "calls/registration/link_problem.html",
        {"call": call, "expired": status == 410, "days": services.registration.link_days(), "nav": "calls"},
        status=status if status in (404, 410) else 404,
    )
