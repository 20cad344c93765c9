"""The temporal API at /ngsi-ld/v1/temporal/ (ETSI GS CIM 009 V1.6.1 clauses 5.6.11–5.6.16, 5.7.3,
5.7.4; HTTP binding 6.18–6.22 and 6.24): the history of entities, as kept by every write
(``AttributeInstance``). Thin like ``views``: parse, call a selector or a service, answer."""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import quote

from django.db import DataError, transaction
from django.http import HttpResponse

from . import entities as ent
from . import geo, query, selectors, services, temporal
from .errors import BadRequestData, OperationNotSupported, ResourceNotFound
from .models import AttributeInstance
from .views import (
    MINIMAL,
    Call,
    body_array,
    check_attr_names,
    endpoint,
    entity_selector,
    int_param,
    split_list,
)

OPTIONS = {"temporalValues", "aggregatedValues", "sysAttrs", "normalized"}


@dataclasses.dataclass(frozen=True)
class Shape:
    """How the answer represents the history: every instance (4.5.7), the simplified form (4.5.8) or the
    aggregated one (4.5.19) with its methods and period (seconds)."""

    simplified: bool = False
    sys_attrs: bool = False
    methods: tuple[str, ...] = ()
    period: float = 0.0


def _shape(call: Call) -> Shape:
    params = call.request.GET
    options = {o for o in params.get("options", "").split(",") if o}
    unknown = options - OPTIONS
    if unknown:
        raise BadRequestData(f"options: {', '.join(sorted(unknown))} is not an option of the temporal API")
    if "temporalValues" in options and "aggregatedValues" in options:
        raise BadRequestData("options: temporalValues and aggregatedValues exclude each other")
    methods: list[str] = []
    period = 0.0
    if "aggrMethods" in params or "aggregatedValues" in options:
        if "aggrMethods" not in params:
            raise BadRequestData("aggrMethods: options=aggregatedValues needs the aggregation methods")
        if "temporalValues" in options:
            raise BadRequestData("aggrMethods: the aggregated representation is not temporalValues")
        methods = temporal.parse_methods(params.get("aggrMethods"))
        period = temporal.parse_duration(params.get("aggrPeriodDuration", "PT0S"))
    elif "aggrPeriodDuration" in params:
        raise BadRequestData("aggrPeriodDuration: give aggrMethods too")
    return Shape("temporalValues" in options, "sysAttrs" in options, tuple(methods), period)


def _temporal_query(call: Call) -> temporal.TemporalQuery:
    params = call.request.GET
    return temporal.parse_query(
        params.get("timerel"),
        params.get("timeAt"),
        params.get("endTimeAt"),
        params.get("timeproperty"),
        params.get("lastN"),
    )


def _instance_time(row: AttributeInstance, tq: temporal.TemporalQuery) -> str:
    return temporal.stamp(getattr(row, tq.column))


def _render(
    call: Call,
    page: list[tuple[str, str]],
    tq: temporal.TemporalQuery,
    shape: Shape,
    attrs: list[str] | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The page's entities in the requested temporal representation, and the Content-Range when an
    attribute's instances were cut at ``max_instances()``."""
    ids = [entity_id for entity_id, _ in page]
    out = {entity_id: {"id": entity_id, "type": kind} for entity_id, kind in page}
    content_range = None
    if shape.methods:
        periods = selectors.temporal_aggregates(
            call.organisation, ids, tq, shape.period, attrs=attrs, methods=shape.methods
        )
        terms = call.compact([k for _, k in page] + sorted({p.attribute for p in periods}))
        for p in periods:
            attr = out[p.entity_id].setdefault(terms.get(p.attribute, p.attribute), {"type": "Property"})
            for method in shape.methods:
                attr.setdefault(method, []).append(
                    [p.values[method], temporal.stamp(p.start), temporal.stamp(p.end)]
                )
    else:
        rows, cut = selectors.temporal_instances(call.organisation, ids, tq, attrs=attrs)
        terms = call.compact([k for _, k in page] + temporal.iris_of(rows))
        for row in rows:
            name = terms.get(row.attribute, row.attribute)
            if shape.simplified:
                kind = row.doc.get("type", "Property")
                main = temporal.MAIN.get(kind, "value")
                attr = out[row.entity_id].setdefault(name, {"type": kind, temporal.SIMPLIFIED[main]: []})
                value = row.doc.get(main)
                if main == "languageMap":  # 4.5.9: each a JSON object with the one member languageMap
                    value = {"languageMap": value}
                attr[temporal.SIMPLIFIED[main]].append([value, _instance_time(row, tq)])
            else:
                rendered = ent.render_attribute(row.doc, terms, sys_attrs=shape.sys_attrs)
                rendered["instanceId"] = row.instance_id
                out[row.entity_id].setdefault(name, []).append(rendered)
        if cut:
            content_range = _content_range(rows, cut, tq)
    for entity in out.values():
        entity["type"] = terms.get(entity["type"], entity["type"])
    return list(out.values()), content_range


def _content_range(
    rows: list[AttributeInstance], cut: set[tuple[str, str]], tq: temporal.TemporalQuery
) -> str:
    """The time range every attribute of the answer is complete over (clause 6.3.10's date-time range):
    from the first instance given to the last instance given of the attributes cut short (with lastN,
    from the earliest instance given of those to the last one given)."""
    times = [getattr(r, tq.column) for r in rows]
    edges = [getattr(r, tq.column) for r in rows if (r.entity_id, r.attribute) in cut]
    if tq.last_n:
        start, end = max(_firsts(rows, cut, tq)), max(times)
    else:
        start, end = min(times), min(_lasts(rows, cut, tq)) if edges else max(times)
    return f"date-time {temporal.stamp(start)}-{temporal.stamp(end)}/*"


def _firsts(
    rows: list[AttributeInstance], cut: set[tuple[str, str]], tq: temporal.TemporalQuery
) -> list[Any]:
    found: dict[tuple[str, str], Any] = {}
    for r in rows:
        key = (r.entity_id, r.attribute)
        if key in cut and key not in found:
            found[key] = getattr(r, tq.column)
    return list(found.values())


def _lasts(rows: list[AttributeInstance], cut: set[tuple[str, str]], tq: temporal.TemporalQuery) -> list[Any]:
    found: dict[tuple[str, str], Any] = {}
    for r in rows:
        if (r.entity_id, r.attribute) in cut:
            found[(r.entity_id, r.attribute)] = getattr(r, tq.column)
    return list(found.values())


def _answer(call: Call, data: Any, content_range: str | None, total: int | None = None) -> HttpResponse:
    response = call.answer(data, status=206 if content_range else 200)
    if content_range:
        response["Content-Range"] = content_range
    if total is not None:
        response["NGSILD-Results-Count"] = str(total)
    return response


def _run(
    call: Call,
    wanted: list[selectors.Selector],
    attrs: list[str],
    q_text: str | None,
    geo_parts: tuple[Any, Any, Any, Any] | None,
    tq: temporal.TemporalQuery,
    *,
    geo_prefix: str,
) -> HttpResponse:
    """Query Temporal Evolution of Entities (clause 5.7.4): the entities are chosen as Query Entities
    chooses them (type, id, idPattern, attrs; q and a geo-query on their current state), among those
    with history in the time range; their instances in the time range answered."""
    params = call.request.GET
    if not (any(s.types for s in wanted) or attrs or q_text is not None or geo_parts):
        raise BadRequestData(MINIMAL)
    check_attr_names(attrs)
    shape = _shape(call)
    tree = query.parse(q_text) if q_text is not None else None
    geo_query = geo.parse(*geo_parts[:3], None, prefix=geo_prefix) if geo_parts else None
    geo_term = (geo_parts[3] if geo_parts else None) or "location"
    if not isinstance(geo_term, str) or not ent.KEY_CHARS.match(geo_term):
        raise BadRequestData(f"{geo_prefix}geoproperty: {geo_term!r} is not a valid attribute name")
    types = [t for s in wanted for t in s.types]
    iris = call.expand(types + attrs + (query.names(tree) if tree is not None else []) + [geo_term])
    limit = int_param(params, "limit", 20, 0, selectors.MAX_LIMIT)
    offset = int_param(params, "offset", 0, 0, None)
    count = params.get("count") == "true"
    for selector in wanted:
        for entity_id in selector.ids:
            if not ent.is_uri(entity_id):
                raise BadRequestData(f"id: {entity_id!r} is not a URI")
    expanded = [selectors.Selector([iris[t] for t in s.types], list(s.ids), s.id_pattern) for s in wanted]
    attr_iris = [iris[a] for a in attrs] or None
    try:
        with transaction.atomic():  # a savepoint: a pattern the database refuses leaves no broken transaction
            only = None
            if tree is not None or geo_query is not None:
                only = _current_matches(call, expanded, tree, iris, geo_query, geo_term)
            page, total = selectors.temporal_entities(
                call.organisation,
                tq,
                any_of=expanded,
                attrs=attr_iris,
                only=only,
                limit=limit,
                offset=offset,
                count=count,
            )
            data, content_range = _render(call, page, tq, shape, attr_iris)
    except DataError:
        raise BadRequestData(
            "q or idPattern: the database cannot evaluate this (a regular expression?)"
        ) from None
    return _answer(call, data, content_range, total)


def _current_matches(
    call: Call,
    expanded: list[selectors.Selector],
    tree: Any,
    iris: dict[str, str],
    geo_query: Any,
    geo_term: str,
) -> list[str]:
    """The ids of the entities whose current state the q and geo-query keep (at most MAX_LIMIT × 10)."""
    q = query.to_q(tree, iris) if tree is not None else None
    if geo_query is not None:
        geo_query = dataclasses.replace(geo_query, geoproperty=iris[geo_term])
    bound = selectors.MAX_LIMIT * 10
    rows, total = selectors.entities(
        call.organisation,
        any_of=expanded,
        q=q,
        prefilter=query.prefilter(tree, iris) if tree is not None else None,
        geo=geo_query,
        limit=bound,
        count=True,
    )
    if total is not None and total > bound:
        raise BadRequestData(f"q: more than {bound} entities match it now; narrow the query")
    return [r.entity_id for r in rows]


def _query(call: Call) -> HttpResponse:
    """GET /temporal/entities (clause 6.18.3.2)."""
    params = call.request.GET
    selector = selectors.Selector(
        split_list(params.get("type")), split_list(params.get("id")), params.get("idPattern")
    )
    geo_parts = None
    if any(p in params for p in ("georel", "geometry", "coordinates", "geoproperty")):
        geo_parts = (
            params.get("georel"),
            params.get("geometry"),
            params.get("coordinates"),
            params.get("geoproperty"),
        )
    tq = _temporal_query(call)
    return _run(
        call, [selector], split_list(params.get("attrs")), params.get("q"), geo_parts, tq, geo_prefix=""
    )


def _query_post(call: Call) -> HttpResponse:
    """POST /temporal/entityOperations/query (clause 6.24): a Query (5.2.23) with its temporalQ (5.2.21)."""
    body = call.body()
    if body.get("type") != "Query":
        raise BadRequestData('type: a query\'s body is a Query, {"type": "Query", …} (clause 5.2.23)')
    unknown = set(body) - {"type", "entities", "attrs", "q", "geoQ", "temporalQ", "csf", "scopeQ", "lang"}
    if unknown:
        raise BadRequestData(f"{', '.join(sorted(unknown))}: not a member of a Query (clause 5.2.23)")
    for member in ("csf", "scopeQ", "lang"):
        if member in body:
            raise OperationNotSupported(f"{member}: not supported yet (docs/context.md)")
    temporal_q = body.get("temporalQ", {})
    if not isinstance(temporal_q, dict):
        raise BadRequestData("temporalQ: a TemporalQuery object (clause 5.2.21)")
    extra = set(temporal_q) - {"timerel", "timeAt", "endTimeAt", "timeproperty", "lastN"}
    if extra:
        raise BadRequestData(f"temporalQ.{sorted(extra)[0]}: not a member of a TemporalQuery (clause 5.2.21)")
    tq = temporal.parse_query(
        temporal_q.get("timerel"),
        temporal_q.get("timeAt"),
        temporal_q.get("endTimeAt"),
        temporal_q.get("timeproperty"),
        temporal_q.get("lastN"),
        prefix="temporalQ.",
    )
    wanted = [entity_selector(s, f"entities[{n}]") for n, s in enumerate(body_array(body, "entities"))]
    attrs = body_array(body, "attrs")
    if not all(isinstance(a, str) and ent.KEY_CHARS.match(a) for a in attrs):
        raise BadRequestData("attrs: a list of attribute names")
    q_text = body.get("q")
    if q_text is not None and not isinstance(q_text, str):
        raise BadRequestData("q: a query in the NGSI-LD query language, as a string")
    geo_parts = None
    if "geoQ" in body:
        geo_q = body["geoQ"]
        if not isinstance(geo_q, dict):
            raise BadRequestData("geoQ: a GeoQuery object (clause 5.2.13)")
        coordinates = geo_q.get("coordinates")
        if isinstance(coordinates, list):
            coordinates = json.dumps(coordinates)
        geo_parts = (geo_q.get("georel"), geo_q.get("geometry"), coordinates, geo_q.get("geoproperty"))
    return _run(call, wanted, attrs, q_text, geo_parts, tq, geo_prefix="geoQ.")


def _retrieve(call: Call, entity_id: str) -> HttpResponse:
    """GET /temporal/entities/{entityId} (clause 6.19.3.1)."""
    attrs = split_list(call.request.GET.get("attrs"))
    iris = call.expand(attrs) if attrs else {}
    shape = _shape(call)
    tq = _temporal_query(call)
    known = selectors.temporal_entity(call.organisation, entity_id)
    if known is None:
        raise ResourceNotFound(f"There is no temporal representation of the entity {entity_id}")
    attr_iris = [iris[a] for a in attrs] or None
    if attr_iris and selectors.temporal_entity(call.organisation, entity_id, attr_iris) is None:
        raise ResourceNotFound(f"The entity {entity_id} has no history of {', '.join(attrs)}")
    data, content_range = _render(call, [known], tq, shape, attr_iris)
    return _answer(call, data[0], content_range)


# ------------------------------------------------------------------------------------------ writes


def _instances(call: Call, data: dict[str, Any]) -> services.Instances:
    """The attributes of a temporal entity fragment (clause 4.5.7): each an instance or an array of
    them, parsed as the entity API parses an attribute."""
    names: list[str] = []
    for key, value in data.items():
        if key in ent.RESERVED:
            continue
        for one in value if isinstance(value, list) else [value]:
            names += ent.terms({key: one})
    if isinstance(data.get("type"), str):
        names.append(data["type"])
    iris = call.expand(names)
    now = services.timestamp()
    out: services.Instances = {}
    for key, value in data.items():
        if key in ent.RESERVED:
            continue
        many = value if isinstance(value, list) else [value]
        if not many:
            raise BadRequestData(f"{key}: give at least one instance")
        out[iris[key]] = [
            ent.attribute(key, one, iris, now, where=f"{key}[{n}]" if isinstance(value, list) else key)
            for n, one in enumerate(many)
        ]
    if not out:
        raise BadRequestData("The body gives no attribute")
    return out


def _create(call: Call) -> HttpResponse:
    """POST /temporal/entities (clause 6.18.3.1): 201 when the entity had no history, else 204."""
    user = call.user()
    data = call.body()
    entity_id = ent.entity_id(data)
    type_iri = ent.entity_type(data, call.expand([data["type"]] if isinstance(data.get("type"), str) else []))
    instances = _instances(call, data)
    if services.temporal_upsert(user, call.organisation, entity_id, type_iri, instances):
        response = HttpResponse(status=201)
        response["Location"] = f"/ngsi-ld/v1/temporal/entities/{quote(entity_id, safe=':')}"
        return response
    return HttpResponse(status=204)


def _delete(call: Call, entity_id: str) -> HttpResponse:
    services.temporal_delete(call.user(), call.organisation, entity_id)
    return HttpResponse(status=204)


def _append(call: Call, entity_id: str) -> HttpResponse:
    """POST /temporal/entities/{entityId}/attrs (clause 6.20.3.1)."""
    user = call.user()
    data = call.body()
    for key in ("id", "type"):
        data.pop(key, None)
    services.temporal_append(user, call.organisation, entity_id, _instances(call, data))
    return HttpResponse(status=204)


def _attr_iri(call: Call, attr: str) -> str:
    if not ent.KEY_CHARS.match(attr):
        raise BadRequestData(f"{attr!r} is not a valid attribute name")
    return call.expand([attr])[attr]


def _delete_attribute(call: Call, entity_id: str, attr: str) -> HttpResponse:
    """DELETE /temporal/entities/{entityId}/attrs/{attrId} (clause 6.21.3.1): the default instance's
    instances (no datasetId), those of ``datasetId``, or with ``deleteAll=true`` every one."""
    user = call.user()
    params = call.request.GET
    dataset_id = params.get("datasetId") or None
    if dataset_id is not None and not ent.is_uri(dataset_id):
        raise BadRequestData(f"datasetId: {dataset_id!r} is not a URI")
    delete_all = params.get("deleteAll", "false")
    if delete_all not in ("true", "false"):
        raise BadRequestData(f"deleteAll: true or false, not {delete_all!r}")
    services.temporal_delete_attribute(
        user,
        call.organisation,
        entity_id,
        _attr_iri(call, attr),
        dataset_id=dataset_id,
        delete_all=delete_all == "true",
    )
    return HttpResponse(status=204)


def _modify_instance(call: Call, entity_id: str, attr: str, instance_id: str) -> HttpResponse:
    """PATCH /temporal/entities/{entityId}/attrs/{attrId}/{instanceId} (clause 6.22.3.1): the body is the
    new instance (an Attribute fragment, 5.6.14: ``{"type": "Property", "value": …}``), or the attribute
    with it (``{"speed": {…}}``, or ``{"speed": [{…}]}``)."""
    user = call.user()
    if not ent.KEY_CHARS.match(attr):
        raise BadRequestData(f"{attr!r} is not a valid attribute name")
    data = call.body()
    if data.get("type") in ent.KINDS or {"value", "object", "languageMap"} & set(data):
        value: Any = data
    elif set(data) == {attr}:
        value = data[attr]
    else:
        raise BadRequestData(f"The body gives one instance of the attribute {attr}, and nothing else")
    if isinstance(value, list):
        if len(value) != 1:
            raise BadRequestData(f"{attr}: give one instance")
        value = value[0]
    iris = call.expand(ent.terms({attr: value}))
    stored = ent.attribute(attr, value, iris, services.timestamp(), where=attr)
    services.temporal_modify_instance(user, call.organisation, entity_id, iris[attr], instance_id, stored)
    return HttpResponse(status=204)


def _delete_instance(call: Call, entity_id: str, attr: str, instance_id: str) -> HttpResponse:
    user = call.user()
    services.temporal_delete_instance(user, call.organisation, entity_id, _attr_iri(call, attr), instance_id)
    return HttpResponse(status=204)


entities = endpoint({"GET": _query, "POST": _create})
entity = endpoint({"GET": _retrieve, "DELETE": _delete})
attributes = endpoint({"POST": _append})
attribute = endpoint({"DELETE": _delete_attribute})
instance = endpoint({"PATCH": _modify_instance, "DELETE": _delete_instance})
query_entities = endpoint({"POST": _query_post})
