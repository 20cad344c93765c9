"""Pages of core: organisations, the language switch, a staff member's account (API tokens) and object history."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from regija.projects import selectors as project_selectors

from . import audit, permissions, registry, tokens
from .caching import cached
from .models import Organisation, OrganisationKind


def switch_language(request, code: str):
    """Switch the language with a plain link (no form), so public pages stay cacheable."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@cached
def organisation_list(request):
    kind = request.GET.get("kind", "")
    qs = (
        Organisation.objects.annotate(
            n_strategies=Count("strategies", distinct=True), n_held=Count("held_projects", distinct=True)
        )
        .exclude(kind=OrganisationKind.PERSON)
        .order_by("name")
    )  # natural persons are never listed by name
    if kind in OrganisationKind.values:
        qs = qs.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/organisation_list.html",
        {"page": page, "kinds": OrganisationKind.choices, "kind": kind, "q": q, "nav": "organisations"},
    )


@cached
def organisation_detail(request, slug: str):
    from regija.projects.models import Partner, Project
    from regija.strategies.selectors import strategy_list

    org = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
    if org.kind == OrganisationKind.PERSON:
        # a natural person's page would publish personal data (name, what they applied for and received)
        raise Http404
    strategies = list(strategy_list().filter(owners=org))
    held = list(
        project_selectors.project_queryset().filter(holder=org).order_by("strategy__title", "order")[:200]
    )
    project_selectors.with_money(held)
    n_held = Project.objects.filter(holder=org).count()
    partnered = list(
        Partner.objects.filter(organisation=org)
        .exclude(project__holder=org)
        .select_related("project", "project__strategy", "project__holder")
        .order_by("project__strategy__title", "project__order")[:200]
    )
    money = project_selectors.organisation_money(org.pk)
    from regija.calls.selectors import organisation_summary as organisation_calls
    from regija.governance.models import Body

    calls = organisation_calls(org.pk, limit=10)
    bodies = list(Body.objects.filter(organisation=org).order_by("order", "name").values("slug", "name")[:50])
    return render(
        request,
        "core/organisation_detail.html",
        {
            "org": org,
            "strategies": strategies,
            "held": held,
            "n_held": n_held,
            "partnered": partnered,
            "money": money,
            "calls": calls,
            "bodies": bodies,
            "children": org.children.order_by("name")[:100],
            "nav": "organisations",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """A signed-in user's memberships and personal API tokens (created and revoked here)."""
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
    from .models import Membership

    return render(
        request,
        "core/account.html",
        {
            "memberships": Membership.objects.filter(user=request.user).select_related("organisation"),
            "tokens": tokens.active_for(request.user),
            "new_token": new_token,
        },
    )


@login_required
def history(request, model: str, pk: int):
    """The audit log of one object, for staff of an organisation that owns it."""
    model_class = registry.history_model(model)
    if model_class is None:
        raise Http404
    obj = get_object_or_404(model_class, pk=pk)
    if not permissions.can(request.user, "view_staff", obj):
        raise PermissionDenied
    entries = audit.history(obj)
    return render(request, "core/history.html", {"obj": obj, "entries": entries, "model": model})
