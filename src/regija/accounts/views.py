"""The account page (/racun/) and what it does: language, consents, residency (request a letter, enter
its code), my data as JSON, deleting the account; and the municipality staff's residents page."""

from __future__ import annotations

import io
import json

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from regija.core import permissions, registry, spreadsheet, tokens
from regija.core.models import Membership
from regija.core.services import Refused

from . import selectors, services
from .forms import CodeForm, DeleteForm, LanguageForm, ResidencyRequestForm, StaffVerifyForm
from .models import ConsentKind, Residency, ResidencyRequest


@never_cache
@login_required
def account(request):
    """A signed-in person's account: language, e-mail addresses, two-factor, identity providers,
    residencies and requests, consents, their data and deleting the account; staff also see their
    memberships and API tokens (created and revoked here)."""
    new_token = None
    if request.method == "POST":
        if "revoke" in request.POST:
            try:
                token_id = int(request.POST["revoke"])
            except ValueError:
                token_id = 0
            if tokens.revoke(request.user, token_id):
                messages.success(request, _("The token was revoked; it no longer works."))
            else:
                messages.error(request, _("There is no such active token."))
            return redirect("account")
        name = request.POST.get("name", "").strip()
        if not name:
            messages.error(request, _("Give the token a name, so you can tell your tokens apart."))
        else:
            _token, new_token = tokens.create(request.user, name)
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": Membership.objects.filter(user=user).select_related("organisation"),
            "tokens": tokens.active_for(user),
            "new_token": new_token,
            "language_form": LanguageForm(initial={"language": selectors.language_of(user)}),
            "confirmed": selectors.email_confirmed(user),
            "has_mfa": Authenticator.objects.filter(user=user).exists(),
            "needs_mfa": selectors.needs_mfa(user),
            "providers": SocialAccount.objects.filter(user=user),
            "residencies": Residency.objects.filter(user=user).select_related("municipality", "area"),
            "requests": selectors.residency_requests(user),
            "request_form": ResidencyRequestForm(),
            "code_form": CodeForm(),
            "consents": selectors.consents(user),
            "consent_kinds": ConsentKind.choices,
            "is_staff": permissions.is_staff(user),
            # what other apps add to the page (core.registry.register_account_panel): the calendar feed
            "panels": registry.account_panels(),
        },
    )


def activate_totp(request, *args, **kwargs):
    """allauth's page that sets up an authenticator app; once it is set up (the person typed a code from
    it), the session counts as signed in with two factors, so staff go on without entering another."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.totp.views import activate_totp as allauth_activate

    had = selectors.has_mfa(request.user)
    response = allauth_activate(request, *args, **kwargs)
    if request.method == "POST" and not had and selectors.has_mfa(request.user):
        record_authentication(request, request.user, "mfa", type="totp")
    return response


@require_POST
@login_required
def set_language(request):
    form = LanguageForm(request.POST)
    if form.is_valid():
        services.set_language(request.user, form.cleaned_data["language"])
        messages.success(request, _("Messages will reach you in the language you chose."))
    return redirect("account")


@require_POST
@login_required
def consent(request):
    kind = request.POST.get("kind", "")
    try:
        if request.POST.get("action") == "withdraw":
            services.withdraw_consent(request.user, kind)
            messages.success(request, _("Your consent was withdrawn; the record of it stays with the time."))
        else:
            services.give_consent(request.user, kind)
            messages.success(request, _("Your consent was recorded with the text's version."))
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("account")


def terms(request):
    """The texts people consent to, in their current versions (and their SHA-256)."""
    texts = [(label, *services.consent_text(kind)) for kind, label in ConsentKind.choices]
    return render(request, "accounts/terms.html", {"texts": texts})


@require_POST
@login_required
def residency_request(request):
    form = ResidencyRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_residency(request.user, **form.cleaned_data)
            messages.success(request, _("We will send a letter with a code to your address."))
        except Refused as refused:
            messages.error(request, refused.message)
    else:
        messages.error(request, _("Fill in the municipality and your address for the letter."))
    return redirect("account")


@require_POST
@login_required
def residency_code(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            residency = services.enter_code(request.user, form.cleaned_data["code"])
            messages.success(
                request,
                _("You are a verified resident of %(municipality)s.")
                % {"municipality": residency.municipality},
            )
        except Refused as refused:
            messages.error(request, refused.message)
    return redirect("account")


@never_cache
@login_required
def my_data(request):
    """All Regija holds about me, as a JSON file."""
    data = services.export_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="moji-podatki.json"'
    return response


@never_cache
@login_required
def delete(request):
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        services.delete_account(user, reason=form.cleaned_data["reason"])
        logout(request)
        messages.success(request, _("Your account was deleted."))
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


# --- staff: the residents of a municipality ----------------------------------------------------------


@never_cache
@login_required
def residents(request):
    """Municipality staff (editors, admins) verify a person as a resident, revoke a residency, and
    print the letters with codes for the requests by post."""
    municipalities = selectors.staff_municipalities(request.user)
    if not municipalities.exists():
        raise PermissionDenied
    form = StaffVerifyForm(request.POST or None, municipalities=municipalities)
    found = None
    if request.method == "POST" and "revoke" in request.POST:
        residency = get_object_or_404(Residency, pk=request.POST["revoke"], revoked_at__isnull=True)
        try:
            services.revoke_residency(request.user, residency)
            messages.success(request, _("The residency was revoked."))
        except Refused as refused:
            messages.error(request, refused.message)
        return redirect("account_residents")
    if request.method == "POST" and form.is_valid():
        users = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"], is_active=True)
        found = users.first()
        if found is None:
            messages.error(request, _("No active account has this e-mail address."))
        else:
            try:
                services.verify_resident(
                    request.user,
                    found,
                    form.cleaned_data["municipality"],
                    area=form.cleaned_data["area"],
                    note=form.cleaned_data["note"],
                )
                messages.success(
                    request,
                    _("%(email)s is now a verified resident of %(municipality)s.")
                    % {"email": found.email, "municipality": form.cleaned_data["municipality"]},
                )
                return redirect("account_residents")
            except Refused as refused:
                messages.error(request, refused.message)
    current = (
        Residency.objects.filter(municipality__in=municipalities, revoked_at__isnull=True)
        .select_related("user", "municipality", "area")
        .order_by("-verified_at")[:200]
    )
    pending = selectors.pending_requests(request.user)
    return render(
        request,
        "accounts/residents.html",
        {"form": form, "current": current, "pending": pending, "municipalities": municipalities},
    )


@require_POST
@login_required
def letters(request):
    """A CSV for mail merge: one row per open request (a new code for each; earlier letters' codes stop
    working), optionally only those without a letter yet."""
    if not selectors.staff_municipalities(request.user).exists():
        raise PermissionDenied
    pending = selectors.pending_requests(request.user)
    if request.POST.get("only_new"):
        pending = pending.filter(letter_at__isnull=True)
    try:
        rows = services.print_letters(request.user, list(pending))
    except Refused as refused:
        messages.error(request, refused.message)
        return redirect("account_residents")
    out = io.StringIO()
    # through the one rule of every download (core.spreadsheet): a name or address starting with = + - @
    # is written as text, never as a formula the mail-merge spreadsheet would run
    writer = spreadsheet.csv_writer(out)
    writer.writerow(["ime", "naslov", "posta", "obcina", "krajevna_skupnost", "koda", "velja_do"])
    for item, code in rows:
        writer.writerow(
            [
                item.name,
                item.address,
                item.postcode,
                item.municipality.name,
                item.area.name if item.area else "",
                code,
                timezone.localtime(item.expires_at).date().isoformat() if item.expires_at else "",
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pisma-prebivalci.csv"'
    return response


__all__ = ["ResidencyRequest"]
