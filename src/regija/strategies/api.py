"""API of strategies: the strategy list and detail, nodes, indicators with progress, and the writes
staff make through the API (a strategy's status and texts, an indicator's observations).

Reads come from ``strategies.selectors`` and ``projects.selectors`` (a fixed number of queries per
request, whatever the size of the data); shared helpers live in ``regija.api_common``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, model_validator

from regija.api_common import (
    READ_RESPONSES,
    Input,
    IsoDate,
    MoneyOut,
    MoneySummary,
    NumberOut,
    OrgRef,
    Page,
    PageParams,
    ProgressOut,
    money_summary,
    not_found,
    paginate,
    progress_out,
    refusals,
    token_auth,
    write_responses,
)
from regija.core.services import Conflict
from regija.projects import selectors as project_selectors
from regija.projects.api import FundMoney, fund_money

from . import selectors, services
from .models import Alignment, Indicator, Node, Observation, Strategy, StrategyStatus

router = Router(tags=["strategies"])
indicator_router = Router(tags=["indicators"])


def _abs(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"api:{name}", args=args))


def _web(request, obj) -> str:
    return request.build_absolute_uri(obj.get_absolute_url())


# ---------------------------------------------------------------------------------------------
# Strategies


class LevelCount(Schema):
    level: str
    label: str = Field(description="The level's name in the request's language (Accept-Language: sl or en)")
    count: int


class IndicatorCounts(Schema):
    total: int
    on_track_or_better: int = Field(description="Achieved or on track")
    by_status: dict[str, int]


class Period(Schema):
    start: str = Field(description="Partial ISO date (2022, 2022-03 or 2022-03-15) or empty")
    end: str


class StrategyItem(Schema):
    slug: str
    title: str
    title_en: str
    status: StrategyStatus
    period: Period
    owners: list[OrgRef]
    levels: list[LevelCount] = Field(description="Nodes per level, in tree order")
    node_count: int
    project_count: int = Field(description="Projects listed in the strategy")
    money: MoneySummary = Field(
        description="Projects listed in the strategy or linked to its nodes, each once"
    )
    indicators: IndicatorCounts
    url: str
    web_url: str


class StrategyPage(Page[StrategyItem]):
    pass


class NodeItem(Schema):
    code: str
    parent: str | None = Field(description="Code of the parent node")
    level: str
    title: str
    title_en: str
    depth: int
    planned_amount: MoneyOut | None
    planned_projects: int | None
    money: MoneySummary = Field(description="Projects linked to this node or any node below it, each once")


class NodeRef(Schema):
    strategy: str
    code: str
    title: str


class AlignmentItem(Schema):
    source: NodeRef
    target: NodeRef
    type: str
    declared_in: str = Field(description="Slug of the strategy whose file declares the link")
    note: str


class SourceDocument(Schema):
    title: str
    reference: str
    url: str
    published: str


class StrategyDetail(StrategyItem):
    description: str
    territory: list[str]
    adopted_on: dt.date | None
    adopted_by: str
    source: SourceDocument
    nodes: list[NodeItem] = Field(description="All nodes as a flat list in tree order")
    alignments: list[AlignmentItem] = Field(description="Links from or to this strategy's nodes")
    funds: list[FundMoney] = Field(description="Money of the strategy's projects per fund")


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
                "url": _abs(request, "strategy", s.slug),
                "web_url": _web(request, s),
            }
        )
    return out


@router.get("/strategies", response={200: StrategyPage, **READ_RESPONSES}, url_name="strategies")
def list_strategies(request, pages: Query[PageParams]):
    """All strategies with owners, period, status, node counts per level, money and indicator progress."""
    return paginate(request, selectors.strategy_list(), pages, lambda page: _strategy_items(request, page))


def _strategy_or_404(slug: str) -> Strategy:
    strategy = selectors.strategy_list().filter(slug=slug).first()
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
            "url": strategy.source_url,
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


class StrategyPatch(Input):
    status: StrategyStatus = Field(None)
    title: str = Field(None, min_length=1, max_length=500)
    description: str = Field(None, max_length=50_000)


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


class IndicatorBrief(Schema):
    code: str
    name: str
    unit: str
    progress: ProgressOut
    url: str


class NodeDetail(Schema):
    strategy: str
    code: str
    parent: str | None
    ancestors: list[str] = Field(description="Codes from the root down to the parent")
    children: list[str]
    level: str
    level_label: str
    title: str
    title_en: str
    description: str
    planned_amount: MoneyOut | None
    planned_projects: int | None
    source: str
    responsible: list[OrgRef]
    indicators: list[IndicatorBrief]
    money: MoneySummary = Field(description="Projects linked to this node or any node below it, each once")
    url: str
    web_url: str


def _ancestor_paths(path: str) -> list[str]:
    from .models import PATH_STEP

    return [path[:i] for i in range(PATH_STEP, len(path), PATH_STEP)]


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
        Node.objects.filter(strategy=strategy, path__in=_ancestor_paths(node.path))
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
        "responsible": [{"slug": o.slug, "name": o.name} for o in node.responsible.order_by("name")],
        "indicators": [
            {
                "code": ind.code,
                "name": ind.name,
                "unit": ind.unit,
                "progress": progress_out(prog),
                "url": _abs(request, "indicator", slug, ind.code),
            }
            for ind, prog in indicators
        ],
        "money": money_summary(project_selectors.node_rollup(node)),
        "url": _abs(request, "strategy_node", slug, node.code),
        "web_url": _web(request, node),
    }


# ---------------------------------------------------------------------------------------------
# Indicators


class ValueAt(Schema):
    value: NumberOut | None
    date: dt.date | None


class IndicatorItem(Schema):
    strategy: str
    code: str
    node: str
    name: str
    unit: str
    direction: str = Field(description="increase, decrease or reach")
    data_source: str
    baseline: ValueAt
    target: ValueAt
    progress: ProgressOut
    url: str


class IndicatorPage(Page[IndicatorItem]):
    pass


class ObservationOut(Schema):
    date: dt.date
    value: NumberOut
    source: str
    note: str


class IndicatorDetail(IndicatorItem):
    effect: str
    note: str
    source: str
    observations: list[ObservationOut] = Field(description="Oldest first")
    web_url: str


class IndicatorFilters(Schema):
    strategy: str | None = Field(None, max_length=100, description="Strategy slug")
    node: str | None = Field(
        None,
        max_length=64,
        description="Node code within the strategy (needs strategy); includes the nodes below it",
    )

    @model_validator(mode="after")
    def _node_needs_strategy(self):
        if self.node and not self.strategy:
            raise ValueError("node needs strategy: a node code is unique only within its strategy")
        return self


def _indicator_item(request, ind: Indicator, prog) -> dict:
    return {
        "strategy": ind.strategy.slug,
        "code": ind.code,
        "node": ind.node.code,
        "name": ind.name,
        "unit": ind.unit,
        "direction": ind.direction,
        "data_source": ind.data_source,
        "baseline": {"value": ind.baseline_value, "date": ind.baseline_date},
        "target": {"value": ind.target_value, "date": ind.target_date},
        "progress": progress_out(prog),
        "url": _abs(request, "indicator", ind.strategy.slug, ind.code),
    }


@indicator_router.get("/indicators", response={200: IndicatorPage, **READ_RESPONSES}, url_name="indicators")
def list_indicators(request, filters: Query[IndicatorFilters], pages: Query[PageParams]):
    """Indicators with baseline, target and progress from their latest observation."""
    qs = Indicator.objects.select_related("strategy", "node").order_by("strategy__title", "order", "id")
    if filters.strategy:
        qs = qs.filter(strategy__slug=filters.strategy)
        if filters.node:
            anc = (
                Node.objects.filter(strategy__slug=filters.strategy, code=filters.node).values("path").first()
            )
            qs = qs.filter(node__path__startswith=anc["path"]) if anc else qs.none()

    def build(page):
        # progress needs only each indicator's latest observation: one query for the page
        ids = [i.pk for i in page]
        rows = selectors.latest_progress(
            Indicator.objects.filter(pk__in=ids)
            .select_related("strategy", "node")
            .order_by("strategy__title", "order", "id")
        )
        return [_indicator_item(request, ind, prog) for ind, prog in rows]

    return paginate(request, qs, pages, build)


def _indicator_or_404(slug: str, code: str) -> Indicator:
    indicator = (
        Indicator.objects.select_related("strategy", "node").filter(strategy__slug=slug, code=code).first()
    )
    if indicator is None:
        raise not_found("indicator", f"{slug}/{code}")
    return indicator


def _indicator_detail(request, indicator: Indicator) -> dict:
    observations = list(indicator.observations.order_by("date"))
    prog = selectors.indicator_progress_from(indicator, observations)
    out = _indicator_item(request, indicator, prog)
    out.update(
        effect=indicator.effect,
        note=indicator.note,
        source=indicator.source,
        observations=[
            {"date": o.date, "value": o.value, "source": o.source, "note": o.note} for o in observations
        ],
        web_url=_web(request, indicator),
    )
    return out


@indicator_router.get(
    "/indicators/{slug}/{code}", response={200: IndicatorDetail, **READ_RESPONSES}, url_name="indicator"
)
def get_indicator(request, slug: str, code: str):
    """One indicator with all its observations and its progress (status, percent, what is missing)."""
    return _indicator_detail(request, _indicator_or_404(slug, code))


# Indicator values are exact decimals with up to six places, and may be negative (a balance, a change);
# strategies.services.observation_value is the rule, this is how the API describes it.
ObservationValue = Field(max_digits=24, decimal_places=6, description="Exact decimal, up to 6 decimals")


class ObservationIn(Input):
    date: IsoDate
    value: Decimal = ObservationValue
    source: str = Field("", max_length=300)
    note: str = Field("", max_length=5000)


class ObservationUpdate(Input):
    value: Decimal = ObservationValue
    source: str = Field("", max_length=300)
    note: str = Field("", max_length=5000)


def _observation_out(o: Observation) -> dict:
    return {"date": o.date, "value": o.value, "source": o.source, "note": o.note}


@indicator_router.post(
    "/indicators/{slug}/{code}/observations",
    auth=token_auth,
    response=write_responses({201: ObservationOut}, conflict=True),
)
def create_observation(request, slug: str, code: str, payload: ObservationIn):
    """Add an observation; 409 when the indicator already has one on that date (use PUT to correct it)."""
    indicator = _indicator_or_404(slug, code)
    with refusals():
        try:
            observation = services.observation_add(request.user, indicator, **payload.model_dump(), via="api")
        except Conflict:  # the documented answer, which tells API clients how to correct it
            detail = f"There is already an observation on {payload.date}; PUT changes it."
            return Status(409, {"detail": detail})
    return Status(201, _observation_out(observation))


def _observation_or_404(indicator: Indicator, date: dt.date) -> Observation:
    observation = indicator.observations.filter(date=date).first()
    if observation is None:
        raise not_found("observation", f"{indicator.strategy.slug}/{indicator.code}/{date.isoformat()}")
    return observation


@indicator_router.put(
    "/indicators/{slug}/{code}/observations/{date}",
    auth=token_auth,
    response=write_responses({200: ObservationOut}),
)
def update_observation(request, slug: str, code: str, date: IsoDate, payload: ObservationUpdate):
    """Replace the value, source and note of the observation on that date."""
    observation = _observation_or_404(_indicator_or_404(slug, code), date)
    with refusals():
        observation = services.observation_update(
            request.user, observation, **payload.model_dump(), via="api"
        )
    return _observation_out(observation)


@indicator_router.delete(
    "/indicators/{slug}/{code}/observations/{date}",
    auth=token_auth,
    response=write_responses({204: None}),
)
def delete_observation(request, slug: str, code: str, date: IsoDate):
    """Delete the observation on that date."""
    observation = _observation_or_404(_indicator_or_404(slug, code), date)
    with refusals():
        services.observation_delete(request.user, observation, via="api")
    return Status(204, None)
