"""API of indicators: the list with progress, one indicator with its observations, and the writes staff
make through the API (an indicator's observations, through ``strategies.services``).

A strategy with its nodes and money is the portal's API (``portal/strategies_api.py``). Reads come from
``strategies.selectors`` (a fixed number of queries per request, whatever the size of the data); shared
helpers live in the ``regija.api`` package.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router
from ninja.responses import Status

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, not_found, refusals, write_responses
from regija.api.links import api_url, web_url
from regija.api.pagination import PageParams, paginate
from regija.api.types import IsoDate
from regija.core.collation import slovenian
from regija.core.services import Conflict
from regija.strategies.schemas import progress_out

from . import selectors, services
from .models import Indicator, Node, Observation
from .schemas import (
    IndicatorDetail,
    IndicatorFilters,
    IndicatorPage,
    ObservationIn,
    ObservationOut,
    ObservationUpdate,
)

indicator_router = Router(tags=["indicators"])


# ---------------------------------------------------------------------------------------------
# Indicators


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
        "url": api_url(request, "indicator", ind.strategy.slug, ind.code),
    }


@indicator_router.get("/indicators", response={200: IndicatorPage, **READ_RESPONSES}, url_name="indicators")
def list_indicators(request, filters: Query[IndicatorFilters], pages: Query[PageParams]):
    """Indicators with baseline, target and progress from their latest observation."""
    qs = Indicator.objects.select_related("strategy", "node").order_by(
        slovenian("strategy__title"), "strategy_id", "order", "id"
    )
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
            .order_by(slovenian("strategy__title"), "strategy_id", "order", "id")
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
        inferred=list(indicator.inferred),
        note=indicator.note,
        source=indicator.source,
        observations=[
            {"date": o.date, "value": o.value, "source": o.source, "note": o.note} for o in observations
        ],
        web_url=web_url(request, indicator),
    )
    return out


@indicator_router.get(
    "/indicators/{slug}/{code}", response={200: IndicatorDetail, **READ_RESPONSES}, url_name="indicator"
)
def get_indicator(request, slug: str, code: str):
    """One indicator with all its observations and its progress (status, percent, what is missing)."""
    return _indicator_detail(request, _indicator_or_404(slug, code))


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
