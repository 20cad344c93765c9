"""The city-data pages (docs/portal.md, "City data"): the entity types of the broker with their counts,
per type a map and a table of the entities with their latest values (the map redrawn from a small JSON
feed every ``FEED_SECONDS`` while the tab is visible), and an entity's page with all its attributes,
its position and downloads of its current state.

The broker's entities are public data (every tenant reads openly, docs/context.md), so the pages show
every tenant's. They are not kept in the page cache: the entities change with every measure, which does
not raise the site's data version; every page is a few bounded queries instead (asserted in
tests/context/test_pages.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext

from regija.core import charts

from . import datamodels, display, jsonld, selectors, services, simulation
from . import entities as ent
from .models import ContextEntity

PAGE_SIZE = 100
FEED_SECONDS = 30
HISTORY_DAYS = 7
HISTORY_ATTRIBUTES = 4


def entity_url(row: ContextEntity) -> str:
    tenant = row.organisation.slug if row.organisation_id and row.organisation else "-"
    return reverse("city_entity", args=[tenant, row.entity_id])


def city_data(request):
    """The entity types, with how many entities each has."""
    types = [
        {
            "key": key,
            "label": display.type_label(key),
            "count": count,
            "url": reverse("city_type", args=[key]),
        }
        for key, (count, _iris) in selectors.public_types().items()
    ]
    types.sort(key=lambda t: str(t["label"]).lower())
    return render(request, "context/types.html", {"types": types, "nav": "city_data"})


def _type_page(request, key: str) -> tuple[Any, list[str], list[dict[str, Any]]]:
    found = selectors.public_types().get(key)
    if found is None:
        raise Http404
    count, iris = found
    paginator = Paginator(range(count), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows, _total = selectors.public_entities(
        iris, limit=PAGE_SIZE, offset=page.start_index() - 1 if count else 0
    )
    terms = display.columns(key, [r.doc for r in rows])
    return page, terms, [_row(r, terms) for r in rows]


def _row(row: ContextEntity, terms: list[str]) -> dict[str, Any]:
    point = display.position(row.doc)
    cells = display.cells(row.doc, terms)
    return {
        "id": row.entity_id,
        "url": entity_url(row),
        "title": display.name(row.entity_id, row.doc),
        "lat": point[0] if point else None,
        "lon": point[1] if point else None,
        "place": ", ".join(c for c in cells if c),
        "values": cells,
        "observed": display.when(display.latest(row.doc)),
        "demo": simulation.is_demo(row.entity_id),
    }


def city_type(request, key: str):
    """A type's entities: the table (always), the map (where JavaScript runs), refreshed from the feed."""
    page, terms, rows = _type_page(request, key)
    labels = [display.attribute_label(t) for t in terms]
    located = [
        {
            "title": r["title"],
            "url": r["url"],
            "lat": r["lat"],
            "lon": r["lon"],
            "id": r["id"],
            "lines": [f"{label}: {value}" for label, value in zip(labels, r["values"], strict=True) if value],
        }
        for r in rows
        if r["lat"] is not None
    ]
    return render(
        request,
        "context/type.html",
        {
            "key": key,
            "label": display.type_label(key),
            "model": key if key in datamodels.MODELS else "",
            "page": page,
            "labels": labels,
            "rows": rows,
            "located": located,
            "demo": any(r["demo"] for r in rows),
            "feed": reverse("city_feed", args=[key]) + (f"?page={page.number}" if page.number > 1 else ""),
            "every": FEED_SECONDS,
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "nav": "city_data",
        },
    )


def city_feed(request, key: str):
    """The type page's entities as JSON, for its map and table to follow without a reload: each entity's
    id, name, address, position, values (in the table's columns) and when it was last observed."""
    page, terms, rows = _type_page(request, key)
    labels = [display.attribute_label(t) for t in terms]
    for r in rows:
        r["lines"] = [f"{label}: {value}" for label, value in zip(labels, r["values"], strict=True) if value]
    response = JsonResponse(
        {
            "type": key,
            "page": page.number,
            "columns": labels,
            "updated": display.when(timezone.now()),
            "entities": rows,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-cache"
    return response


def _entity(tenant: str, entity_id: str) -> ContextEntity:
    row = selectors.public_entity(tenant, entity_id)
    if row is None:
        raise Http404
    return row


def history(row: ContextEntity, language: str) -> list[dict[str, Any]]:
    """The history charts of the entity's numeric attributes over the last ``HISTORY_DAYS`` days, for
    ``context/_history.html`` (``selectors.attribute_series``: one query per attribute, at most
    ``HISTORY_ATTRIBUTES``; a second one, of averages per period, when the values are more than one
    answer holds – so the chart always reaches the latest); an attribute without values in that time
    has no chart."""
    until = timezone.now()
    since = until - dt.timedelta(days=HISTORY_DAYS)
    shown = []
    numeric = [
        (iri, attr)
        for iri, attr in row.doc.items()
        if isinstance(attr, dict)
        and isinstance(attr.get("value"), (int, float))
        and not isinstance(attr.get("value"), bool)
        and attr.get("observedAt")
    ]
    for iri, attr in numeric[:HISTORY_ATTRIBUTES]:
        points = list(selectors.attribute_series(row.organisation, row.entity_id, iri, since, until))
        if not points:
            continue
        period = None
        if len(points) >= selectors.max_instances():  # more values than one answer holds: averages
            period = _chart_period(until - since)
            points = selectors.attribute_series(row.organisation, row.entity_id, iri, since, until, period)
        term = display.short(iri)
        label = display.attribute_label(term)
        unit = display.UNITS.get(str(attr.get("unitCode", "")), "")
        spec = {
            "$schema": charts.SCHEMA,
            "width": 640,
            "height": 220,
            "title": label[:80],
            "data": {"values": [{"t": m.isoformat(), "v": v} for m, v in points]},
            "mark": {"type": "line", "color": charts.BLUE},
            "encoding": {
                "x": {"field": "t", "type": "temporal", "title": None, "scale": {"type": "utc"}},
                "y": {"field": "v", "type": "quantitative", "title": unit or label, "scale": {"zero": False}},
            },
        }
        first, last = points[0], points[-1]
        shown.append(
            {
                "label": label,
                "svg": charts.render_svg(spec, language),
                "description": (
                    ngettext(
                        "Line chart of %(label)s: %(n)s value from %(first)s to %(last)s.",
                        "Line chart of %(label)s: %(n)s values from %(first)s to %(last)s.",
                        len(points),
                    )
                    if period is None
                    else gettext(
                        "Line chart of %(label)s: averages of %(minutes)s minutes from %(first)s to %(last)s."
                    )
                )
                % {
                    "label": label,
                    "n": len(points),
                    "minutes": int((period or dt.timedelta()).total_seconds() // 60),
                    "first": display.when(first[0]),
                    "last": display.when(last[0]),
                },
                "rows": [
                    (display.when(m), display.value_text(term, {**attr, "value": v})) for m, v in points[-24:]
                ],
            }
        )
    return shown


CHART_POINTS = 500
CHART_MINUTES = (10, 15, 30, 60, 120, 180, 360, 720, 1440)


def _chart_period(span: dt.timedelta) -> dt.timedelta:
    """The shortest round period that draws ``span`` in at most ``CHART_POINTS`` averages."""
    minutes = span.total_seconds() / 60
    fits = [m for m in CHART_MINUTES if minutes / m <= CHART_POINTS]
    return dt.timedelta(minutes=fits[0] if fits else CHART_MINUTES[-1])


def city_entity(request, tenant: str, entity_id: str):
    """One entity: its name, type, model, every attribute with its unit and observation time, its
    position on a small map, downloads."""
    row = _entity(tenant, entity_id)
    key = display.short(row.type)
    point = display.position(row.doc)
    title = display.name(row.entity_id, row.doc)
    return render(
        request,
        "context/entity.html",
        {
            "row": row,
            "title": title,
            "key": key,
            "type_label": display.type_label(key),
            "model": datamodels.model_of(row.type) or "",
            "model_subject": datamodels.MODELS.get(datamodels.model_of(row.type) or "", ""),
            "description": display.description(row.doc),
            "attributes": display.attributes(row.doc),
            "observed": display.when(display.latest(row.doc)),
            "point": point,
            "located": (
                [{"title": title, "url": request.path, "lat": point[0], "lon": point[1], "id": row.entity_id}]
                if point
                else []
            ),
            "demo": simulation.is_demo(row.entity_id),
            "history": history(row, get_language() or "sl"),
            "tenant": tenant,
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "nav": "city_data",
        },
    )


def _rendered(row: ContextEntity) -> dict[str, Any]:
    """The entity in the NGSI-LD normalised form, names compacted with the core @context – what
    ``GET /ngsi-ld/v1/entities/{id}`` answers."""
    terms = jsonld.compact_iris(jsonld.effective(None), [row.type, *ent.iris_of(row.doc)])
    return ent.render(
        row.entity_id,
        row.type,
        row.doc,
        terms,
        sys_attrs=True,
        created_at=services.timestamp(row.created_at),
        modified_at=services.timestamp(row.modified_at),
    )


def _download(body: dict[str, Any], content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=1), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(row: ContextEntity) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in row.entity_id.rsplit(":", 2)[-1])[:80]


def entity_jsonld(request, tenant: str, entity_id: str):
    """The entity's current state as NGSI-LD JSON-LD (normalised, with the core @context)."""
    row = _entity(tenant, entity_id)
    body = {**_rendered(row), "@context": jsonld.CORE_CONTEXT_URL}
    return _download(body, "application/ld+json", f"{_filename(row)}.jsonld")


def entity_geojson(request, tenant: str, entity_id: str):
    """The entity's current state as a GeoJSON Feature (NGSI-LD clause 4.5.16: the ``location`` as the
    geometry, the type and attributes as the properties)."""
    row = _entity(tenant, entity_id)
    rendered = _rendered(row)
    stored = row.doc.get(jsonld.expand_terms(jsonld.effective(None), ["location"])["location"])
    geometry = (
        stored.get("value") if isinstance(stored, dict) and stored.get("type") == "GeoProperty" else None
    )
    body = {
        "id": row.entity_id,
        "type": "Feature",
        "geometry": geometry,
        "properties": {k: v for k, v in rendered.items() if k != "id"},
        "@context": jsonld.CORE_CONTEXT_URL,
    }
    return _download(body, "application/geo+json", f"{_filename(row)}.geojson")


def entity_history_csv(request, tenant: str, entity_id: str):
    """The history of the entity's numeric attributes over the last ``HISTORY_DAYS`` days as CSV (moment
    in UTC, attribute, value): every value, by attribute and time, streamed from one query."""
    row = _entity(tenant, entity_id)
    until = timezone.now()
    since = until - dt.timedelta(days=HISTORY_DAYS)
    iris = [
        iri
        for iri, attr in row.doc.items()
        if isinstance(attr, dict)
        and isinstance(attr.get("value"), (int, float))
        and not isinstance(attr.get("value"), bool)
    ]
    terms = {iri: display.short(iri) for iri in iris}

    def lines() -> Iterator[str]:
        yield "observedAt,attribute,value\n"
        for iri, moment, value in selectors.history_rows(row.organisation, row.entity_id, iris, since, until):
            yield f"{services.timestamp(moment)},{terms[iri]},{value}\n"

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(row)}-history.csv"'
    return response
