"""Pages of the portal that combine several apps: the start page, a strategy and a node with their
projects and money, organisations with all they do."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from regija.calls.selectors import clock_key
from regija.calls.selectors import organisation_summary as organisation_calls
from regija.core import permissions
from regija.core.caching import cache_response
from regija.core.collation import slovenian
from regija.core.models import Organisation, OrganisationKind
from regija.governance.models import Body
from regija.interchange import workbook
from regija.projects import selectors as project_selectors
from regija.projects.models import Partner, Project
from regija.strategies.models import Indicator, Node, Strategy
from regija.strategies.selectors import ancestor_paths, latest_progress

from . import selectors
from .selectors import strategy_list

HOME_PAGE_SIZE = 25
TABLE_VIEW = "tabela"  # /?pogled=tabela: the strategies as one dense table instead of cards


# The start page lists the latest calls with their state, which moves with the clock (a call closes at
# its deadline without a write): like the call pages, it is cached until the next such moment too.
@cache_response(moment=clock_key)
def home(request):
    table = request.GET.get("pogled") == TABLE_VIEW
    paginator = Paginator(selectors.StrategyListing(), HOME_PAGE_SIZE)
    paginator.count = selectors.strategy_count()  # kept until the data changes
    page = paginator.get_page(request.GET.get("page"))
    # The figures, the map and the strategies are the same for every visitor until the data changes:
    # the template keeps them rendered per language (and page number and view: {% cache %}), and these
    # callables are read only when they are not kept.
    return render(
        request,
        "portal/home.html",
        {
            "page": page,
            "table": table,
            "view": TABLE_VIEW if table else "cards",
            "rows": functools.partial(selectors.home_rows, page, request.LANGUAGE_CODE, levels=table),
            "figures": selectors.home_figures,
            "located": selectors.home_map,
            # the calls' states move with the clock: kept per data version and the next moment one changes
            "calls": functools.partial(selectors.home_calls, timezone.now()),
            "calls_moment": clock_key(),
            "decisions": selectors.home_decisions,
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "nav": "strategies",
        },
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "regija-predloga-strategije.xlsx"


@login_required
def strategy_template(request):
    """The empty strategy workbook (``regija template``), for staff who prepare a strategy to import."""
    if not permissions.is_staff(request.user):
        raise PermissionDenied
    response = HttpResponse(workbook.template(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
    patch_cache_control(response, private=True)
    return response


@cache_response
def strategy_detail(request, slug: str):
    strategy = get_object_or_404(Strategy.objects.prefetch_related("owners"), slug=slug)
    lang = request.LANGUAGE_CODE
    open_codes = set(request.GET.getlist("open"))
    expand_all = request.GET.get("open") == "all"
    # Money, the tree and the matrices are the same for every visitor (signed in or not) until the data
    # changes: the template keeps them rendered per language and open nodes ({% cache %}), so they
    # cost a cache read when the page itself is not in the response cache (staff, another query string).
    return render(
        request,
        "portal/strategy.html",
        {
            "strategy": strategy,
            "lang": lang,
            "open_key": "all" if expand_all else ",".join(sorted(open_codes)),
            "body": functools.partial(selectors.strategy_body, strategy, lang, open_codes, expand_all),
            "nav": "strategies",
        },
    )


@cache_response
def node_detail(request, slug: str, code: str):
    strategy = get_object_or_404(Strategy, slug=slug)
    node = get_object_or_404(Node.objects.select_related("parent"), strategy=strategy, code=code)
    ancestors = list(
        Node.objects.filter(strategy=strategy, path__in=ancestor_paths(node.path)).order_by("path")
    )
    children = list(node.children.order_by("path"))
    indicators = latest_progress(Indicator.objects.filter(node=node).order_by("order"))
    rollup = project_selectors.node_rollup(node)
    page = Paginator(
        project_selectors.project_queryset()
        .filter(nodes__path__startswith=node.path, nodes__strategy=strategy)
        .distinct()
        .order_by(slovenian("strategy__title"), "order", "id"),
        25,
    ).get_page(request.GET.get("page"))
    project_selectors.with_money(list(page.object_list))
    links_out = node.links_out.select_related("target_node", "target_node__strategy").order_by(
        "target_node__path"
    )
    links_in = node.links_in.select_related("source_node", "source_node__strategy").order_by(
        "source_node__path"
    )
    return render(
        request,
        "portal/node.html",
        {
            "strategy": strategy,
            "node": node,
            "level": strategy.level_label(node.level, request.LANGUAGE_CODE),
            "ancestors": ancestors,
            "children": children,
            "indicators": indicators,
            "rollup": rollup,
            "page": page,
            "links_out": list(links_out),
            "links_in": list(links_in),
            "nav": "strategies",
        },
    )


@cache_response
def organisation_list(request):
    kind = request.GET.get("kind", "")
    qs = (
        Organisation.objects.annotate(
            n_strategies=Count("strategies", distinct=True), n_held=Count("held_projects", distinct=True)
        )
        .exclude(kind=OrganisationKind.PERSON)
        .order_by(slovenian("name"), "pk")
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


@cache_response
def organisation_detail(request, slug: str):
    org = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
    if org.kind == OrganisationKind.PERSON:
        # a natural person's page would publish personal data (name, what they applied for and received)
        raise Http404
    strategies = list(strategy_list().filter(owners=org))
    held = list(
        project_selectors.project_queryset()
        .filter(holder=org)
        .order_by(slovenian("strategy__title"), "strategy_id", "order")[:200]
    )
    project_selectors.with_money(held)
    n_held = Project.objects.filter(holder=org).count()
    partnered = list(
        Partner.objects.filter(organisation=org)
        .exclude(project__holder=org)
        .select_related("project", "project__strategy", "project__holder")
        .order_by(slovenian("project__strategy__title"), "project__strategy_id", "project__order")[:200]
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
            "children": org.children.order_by(slovenian("name"), "pk")[:100],
            "nav": "organisations",
        },
    )
