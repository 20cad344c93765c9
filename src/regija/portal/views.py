"""Pages of the portal that combine several apps: organisations with all they do."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from regija.calls.selectors import organisation_summary as organisation_calls
from regija.core.caching import cached
from regija.core.models import Organisation, OrganisationKind
from regija.governance.models import Body
from regija.projects import selectors as project_selectors
from regija.projects.models import Partner, Project
from regija.strategies.selectors import strategy_list


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
        "portal/organisation_list.html",
        {"page": page, "kinds": OrganisationKind.choices, "kind": kind, "q": q, "nav": "organisations"},
    )


@cached
def organisation_detail(request, slug: str):
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
    calls = organisation_calls(org.pk, limit=10)
    bodies = list(Body.objects.filter(organisation=org).order_by("order", "name").values("slug", "name")[:50])
    return render(
        request,
        "portal/organisation_detail.html",
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
