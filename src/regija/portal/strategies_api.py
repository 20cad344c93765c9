"""API of strategies with their money: the strategy list and detail, nodes, and a strategy's own fields
changed by staff. They show what strategies and projects hold together, so they are the portal's;
indicators and their observations are ``strategies/api.py``'s.

Reads come from ``strategies.selectors``, ``projects.selectors`` and ``portal.selectors`` (a fixed
number of queries per request, whatever the size of the data); shared helpers live in the
``regija.api`` package.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import get_language
from ninja import Query, Router

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, not_found, refusals, write_responses
from regija.api.links import api_url, web_url
from regija.api.pagination import PageParams, paginate
from regija.core.collation import slovenian
from regija.core.validators import link_target
from regija.projects import selectors as project_selectors
from regija.projects.api import fund_money
from regija.projects.schemas import money_summary
from regija.strategies import selectors, services
from regija.strategies.models import Alignment, Indicator, Node, Strategy
from regija.strategies.schemas import progress_out

from .schemas import (
    NodeDetail,
    StrategyDetail,
    StrategyPage,
    StrategyPatch,
)
from .selectors import strategy_list

router = Router(tags=["strategies"])


# ---------------------------------------------------------------------------------------------
# Strategies


def _strategy_items(request, strategies: list[Strategy]) -> list[dict]:
    """List items for a page of strategies: four queries for the page, whatever its size."""
    ids = [s.pk for s in strategies]
    levels = selectors.level_counts(ids)
    money = project_selectors.strategy_rollups(ids)
    indicators = selectors.indicator_summary(ids)
    language = get_language() or "sl"
    out = []
    for s in strategies:
        counts = indicators.get(s.pk, {"total": 0})
        out.append(
            {
                "slug": s.slug,
                "title": s.title,
                "title_en": s.title_en,
                "status": s.status,
                "period": {"start": s.period_start, "end": s.period_end},
                "owners": [{"slug": o.slug, "name": o.name} for o in s.owners.all()],
                "levels": [
                    {"level": level, "label": s.level_label(level, language), "count": n}
                    for level, n in levels.get(s.pk, [])
                ],
                "node_count": s.node_count,
                "project_count": s.project_count,
                "money": money_summary(money.get(s.pk, project_selectors.Rollup())),
                "indicators": {
                    "total": counts.get("total", 0),
                    "on_track_or_better": counts.get("on_track_or_better", 0),
                    "by_status": {
                        k: v for k, v in counts.items() if k not in ("total", "on_track_or_better")
                    },
                },
                "url": api_url(request, "strategy", s.slug),
                "web_url": web_url(request, s),
            }
        )
    return out


@router.get("/strategies", response={200: StrategyPage, **READ_RESPONSES}, url_name="strategies")
def list_strategies(request, pages: Query[PageParams]):
    """All strategies with owners, period, status, node counts per level, money and indicator progress."""
    return paginate(request, strategy_list(), pages, lambda page: _strategy_items(request, page))


def _strategy_or_404(slug: str) -> Strategy:
    strategy = strategy_list().filter(slug=slug).first()
    if strategy is None:
        raise not_found("strategy", slug)
    return strategy


def _strategy_detail(request, strategy: Strategy) -> dict:
    out = _strategy_items(request, [strategy])[0]
    rollups = project_selectors.node_rollups(strategy)
    zero = project_selectors.Rollup()
    nodes = Node.objects.filter(strategy=strategy).select_related("parent").order_by("path")
    links = (
        Alignment.objects.filter(Q(source_node__strategy=strategy) | Q(target_node__strategy=strategy))
        .select_related("source_node__strategy", "target_node__strategy", "declared_in")
        .order_by("source_node__strategy__slug", "source_node__path", "target_node__path", "type")
    )

    def ref(node):
        return {"strategy": node.strategy.slug, "code": node.code, "title": node.title}

    out.update(
        description=strategy.description,
        territory=list(strategy.territory or []),
        adopted_on=strategy.adopted_on,
        adopted_by=strategy.adopted_by,
        source={
            "title": strategy.source_title,
            "reference": strategy.source_reference,
            "url": link_target(strategy.source_url),
            "published": strategy.source_published,
        },
        nodes=[
            {
                "code": n.code,
                "parent": n.parent.code if n.parent_id else None,
                "level": n.level,
                "title": n.title,
                "title_en": n.title_en,
                "depth": n.depth,
                "planned_amount": n.planned_amount,
                "planned_projects": n.planned_projects,
                "money": money_summary(rollups.get(n.pk, zero)),
            }
            for n in nodes
        ],
        alignments=[
            {
                "source": ref(a.source_node),
                "target": ref(a.target_node),
                "type": a.type,
                "declared_in": a.declared_in.slug,
                "note": a.note,
            }
            for a in links
        ],
        funds=[fund_money(f) for f in project_selectors.fund_rollups(strategy)],
    )
    return out


@router.get("/strategies/{slug}", response={200: StrategyDetail, **READ_RESPONSES}, url_name="strategy")
def get_strategy(request, slug: str):
    """One strategy: everything in the list plus its nodes with money, alignments and money per fund."""
    return _strategy_detail(request, _strategy_or_404(slug))


@router.patch(
    "/strategies/{slug}",
    auth=token_auth,
    response=write_responses({200: StrategyDetail}),
)
def patch_strategy(request, slug: str, payload: StrategyPatch):
    """Change a strategy's status, title or description (only the fields sent).
    Editors and admins of an owning organisation may do this."""
    strategy = Strategy.objects.filter(slug=slug).first()
    if strategy is None:
        raise not_found("strategy", slug)
    with refusals():
        services.strategy_update(request.user, strategy, payload.model_dump(exclude_unset=True), via="api")
    return _strategy_detail(request, _strategy_or_404(slug))


# ---------------------------------------------------------------------------------------------
# Nodes


@router.get(
    "/strategies/{slug}/nodes/{code}", response={200: NodeDetail, **READ_RESPONSES}, url_name="strategy_node"
)
def get_node(request, slug: str, code: str):
    """One node: its place in the tree, indicators with progress and the money of its subtree."""
    node = Node.objects.select_related("strategy").filter(strategy__slug=slug, code=code).first()
    if node is None:
        raise not_found("node", f"{slug}/{code}")
    strategy = node.strategy
    ancestors = list(
        Node.objects.filter(strategy=strategy, path__in=selectors.ancestor_paths(node.path))
        .order_by("path")
        .values_list("code", flat=True)
    )
    children = list(node.children.order_by("path").values_list("code", flat=True))
    indicators = selectors.latest_progress(Indicator.objects.filter(node=node).order_by("order"))
    return {
        "strategy": strategy.slug,
        "code": node.code,
        "parent": ancestors[-1] if ancestors else None,
        "ancestors": ancestors,
        "children": children,
        "level": node.level,
        "level_label": strategy.level_label(node.level, get_language() or "sl"),
        "title": node.title,
        "title_en": node.title_en,
        "description": node.description,
        "planned_amount": node.planned_amount,
        "planned_projects": node.planned_projects,
        "source": node.source,
        "responsible": [
            {"slug": o.slug, "name": o.name} for o in node.responsible.order_by(slovenian("name"), "pk")
        ],
        "indicators": [
            {
                "code": ind.code,
                "name": ind.name,
                "unit": ind.unit,
                "progress": progress_out(prog),
                "url": api_url(request, "indicator", slug, ind.code),
            }
            for ind, prog in indicators
        ],
        "money": money_summary(project_selectors.node_rollup(node)),
        "url": api_url(request, "strategy_node", slug, node.code),
        "web_url": web_url(request, node),
    }
