"""Reads of the broker: tenants and entities (docs/context.md). Every read is open – entities are
public data – and bounded: a query is one page query and, with ``count=true``, one count, and with a
``q`` the value index holds, one read of its candidates before; a geo-query three (its candidates, at
most ``REGIJA_NGSI_GEO_MAX_CANDIDATES``; those of them the other filters keep; the page)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, F, Max, Min, Q, Sum, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber, TruncDate

from regija.core.models import Organisation

from .errors import BadRequestData, NonexistentTenant
from .geo import SMALL_SPAN, Box, GeoQuery
from .models import (
    AttributeInstance,
    ContextEntity,
    ContextGeoBox,
    ContextValue,
    Device,
    ServiceGroup,
    Subscription,
)
from .temporal import AGGREGATES, Period, TemporalQuery, stddev

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Selector:
    """One EntitySelector (clause 5.2.33): entities of any of these types (expanded IRIs), with one of
    these ids, whose id matches this pattern – each given part must hold."""

    types: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    id_pattern: str | None = None


def max_candidates() -> int:
    return int(getattr(settings, "REGIJA_NGSI_GEO_MAX_CANDIDATES", 10_000))


def tenant(name: str | None) -> Organisation | None:
    """The organisation an ``NGSILD-Tenant`` names (by its slug); None for the default tenant."""
    if not name:
        return None
    organisation = Organisation.objects.filter(slug=name).first()
    if organisation is None:
        raise NonexistentTenant(f"NGSILD-Tenant: there is no tenant {name!r}")
    return organisation


def _tenant_q(organisation: Organisation | None) -> Q:
    return Q(organisation__isnull=True) if organisation is None else Q(organisation=organisation)


def entity(organisation: Organisation | None, entity_id: str) -> ContextEntity | None:
    return ContextEntity.objects.filter(_tenant_q(organisation), entity_id=entity_id).first()


def entities(
    organisation: Organisation | None,
    *,
    types: list[str] | None = None,
    ids: list[str] | None = None,
    id_pattern: str | None = None,
    any_of: list[Selector] | None = None,
    attrs: list[str] | None = None,
    q: Q | None = None,
    prefilter: list[Q] | None = None,
    geo: GeoQuery | None = None,
    limit: int = 20,
    offset: int = 0,
    count: bool = False,
) -> tuple[list[ContextEntity], int | None]:
    """One page of the tenant's entities matching every filter given, ordered by id, and how many match
    in all when ``count``. ``types`` and ``attrs`` are expanded IRIs; ``q`` a filter from ``query.to_q``
    and ``prefilter`` what the value index can say of the same query (``query.prefilter``), used when
    the types are known; ``any_of`` entity selectors of which one must hold; ``geo`` a geo-query (its
    geoproperty expanded)."""
    qs = ContextEntity.objects.filter(
        _tenant_q(organisation), _selector_q(Selector(types or [], ids or [], id_pattern))
    )
    kinds = set(types or [])
    if any_of and all(s.types or s.ids or s.id_pattern for s in any_of):  # an empty selector: any entity
        either = Q(pk__in=[])
        for selector in any_of:
            either |= _selector_q(selector)
        qs = qs.filter(either)
        if not kinds and all(s.types for s in any_of):
            kinds = {t for s in any_of for t in s.types}
    if prefilter and kinds:
        qs = _narrowed(
            qs, organisation, sorted(kinds), prefilter, wanted=offset + limit, whole=count or bool(geo)
        )
    if attrs:
        having = Q(pk__in=[])
        for iri in attrs:
            having |= Q(doc__has_key=iri)
        qs = qs.filter(having)
    if q is not None:
        qs = qs.filter(q)
    if geo is not None:
        return _geo_page(qs, geo, limit=limit, offset=offset, count=count)
    total = qs.count() if count else None
    page: list[Any] = list(qs.order_by("entity_id")[offset : offset + limit]) if limit else []
    return page, total


FEW_CANDIDATES = 1000  # the value index's candidates fetched by id up to this many (more: a wider page)
MAX_CANDIDATES = 2000


def _value_rows(organisation: Organisation | None, kinds: list[str], condition: Q) -> Any:
    return ContextValue.objects.filter(_tenant_q(organisation), condition, type__in=kinds)


def _indexed_q(organisation: Organisation | None, kinds: list[str], conditions: list[Q]) -> Q:
    """The value index's prefilter: for each condition, the entities of these types with a value row
    meeting it – a range of the index (tenant, type, attribute, text or number, entity) read alone."""
    found = Q()
    for condition in conditions:
        found &= Q(pk__in=_value_rows(organisation, kinds, condition).values("entity_id"))
    return found


def _narrowed(
    qs: Any,
    organisation: Organisation | None,
    kinds: list[str],
    conditions: list[Q],
    *,
    wanted: int,
    whole: bool,
) -> Any:
    """The query narrowed by the value index (``query.prefilter``'s conditions), in the way that reads
    fewest entity rows – each of those is read and its JSON evaluated by the exact filter. One query
    first: the candidates, read from the index alone, at most ``cap`` of them (the page's size decides
    it: a wider page may read more).

    - At most ``cap`` candidates: the entities are read by their ids (as a geo-query's candidates).
    - More, and the whole result is needed (``count=true``, a geo-query): ``id IN (the index's rows)``
      in the same query – every candidate is read, but only those.
    - More, and only a page is asked for: not narrowed. The rows of the type are read in the order of
      their ids, and the database stops at the page – with so many candidates, sooner than it would
      read all of them."""
    cap = min(MAX_CANDIDATES, FEW_CANDIDATES + 10 * wanted)
    first, *rest = conditions
    rows = _value_rows(organisation, kinds, first)
    for condition in rest:
        rows = rows.filter(entity_id__in=_value_rows(organisation, kinds, condition).values("entity_id"))
    found = list(rows.values_list("entity_id", flat=True)[: cap + 1])
    if len(found) <= cap:  # every candidate (an entity may have several rows: a list of objects)
        return qs.filter(pk__in=sorted(set(found)))
    return qs.filter(_indexed_q(organisation, kinds, conditions)) if whole else qs


def flagged(organisation: Organisation | None, *, everywhere: bool = False) -> list[ContextEntity]:
    """Entities a lenient tenant stored although they break their Smart Data Model (``model_errors``),
    of this tenant (or of all with ``everywhere``), by tenant and id: one query."""
    qs = ContextEntity.objects.exclude(model_errors=[]).select_related("organisation")
    if not everywhere:
        qs = qs.filter(_tenant_q(organisation))
    return list(qs.order_by("organisation__slug", "entity_id"))


# ------------------------------------------------------------------------------------------ discovery


def type_counts(organisation: Organisation | None, type_iri: str | None = None) -> dict[str, int]:
    """The tenant's entity types (expanded) and how many entities each has: one grouped query."""
    qs = ContextEntity.objects.filter(_tenant_q(organisation))
    if type_iri is not None:
        qs = qs.filter(type=type_iri)
    rows = qs.values_list("type").annotate(n=Count("id")).order_by("type")
    return {t: n for t, n in rows}


@dataclass(frozen=True)
class AttributeStat:
    """How many entities of one type have one attribute (expanded names) of one kind."""

    entity_type: str
    attribute: str
    kind: str
    count: int


def attribute_stats(
    organisation: Organisation | None, *, type_iri: str | None = None, attribute: str | None = None
) -> list[AttributeStat]:
    """The tenant's attributes grouped by entity type, name and kind (Property, Relationship …), counted
    in the database – one query whatever the number of entities. The names are the keys of each row's
    JSON document: ``jsonb_each`` on PostgreSQL, ``json_each`` on SQLite."""
    table = connection.ops.quote_name(ContextEntity._meta.db_table)
    if connection.vendor == "postgresql":
        source = f"{table} e CROSS JOIN LATERAL jsonb_each(e.doc) AS a(key, value)"
        kind = "a.value ->> 'type'"
    elif connection.vendor == "sqlite":
        source = f"{table} e, json_each(e.doc) AS a"
        kind = "json_extract(a.value, '$.type')"
    else:  # pragma: no cover - the project runs on PostgreSQL and SQLite only
        raise NotImplementedError(connection.vendor)
    where: list[str] = ["e.organisation_id IS NULL"]
    params: list[Any] = []
    if organisation is not None:
        where, params = ["e.organisation_id = %s"], [organisation.pk]
    if type_iri is not None:
        where.append("e.type = %s")
        params.append(type_iri)
    if attribute is not None:
        where.append("a.key = %s")
        params.append(attribute)
    sql = (
        f"SELECT e.type, a.key, {kind}, COUNT(*) FROM {source} WHERE {' AND '.join(where)} "  # noqa: S608 - our SQL; the values are parameters
        "GROUP BY e.type, a.key, 3 ORDER BY a.key, e.type, 3"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [AttributeStat(t, a, k or "", n) for t, a, k, n in cursor.fetchall()]


def _selector_q(selector: Selector) -> Q:
    found = Q()
    if selector.types:
        found &= Q(type__in=selector.types)
    if selector.ids:
        found &= Q(entity_id__in=selector.ids)
    if selector.id_pattern:
        try:
            re.compile(selector.id_pattern)
        except re.error as exc:
            raise BadRequestData(
                f"idPattern: {selector.id_pattern!r} is not a regular expression: {exc}"
            ) from None
        found &= Q(entity_id__regex=selector.id_pattern)
    return found


def _box_q(geo: GeoQuery) -> Q:
    """The SQL prefilter on ``ContextGeoBox``: the box of the entity's geoproperty overlaps the query's
    box. A small box (at most SMALL_SPAN degrees tall) starts at most SMALL_SPAN south of the query's
    box, so the index (attribute, big, min_lat, …) is scanned over a narrow band of latitude; the big
    boxes (few: districts, not sensors) apart. Each branch names the attribute, so each is one index range."""
    box = geo.prefilter()
    if box is None:
        return Q(attribute=geo.geoproperty)
    overlap = {
        "min_lat__lte": box.max_lat,
        "max_lat__gte": box.min_lat,
        "min_lon__lte": box.max_lon,
        "max_lon__gte": box.min_lon,
    }
    # big__in, not big=False: SQLite's planner takes ``big IN (0)`` as an equality on the index's
    # column, ``NOT big`` not (it would scan the table)
    small = Q(
        attribute=geo.geoproperty, big__in=[False], min_lat__gte=box.min_lat - SMALL_SPAN - 1e-9, **overlap
    )
    return small | Q(attribute=geo.geoproperty, big__in=[True], **overlap)


def _geo_page(
    qs: Any, geo: GeoQuery, *, limit: int, offset: int, count: bool
) -> tuple[list[ContextEntity], int | None]:
    """A geo-query's page in three queries whatever the number of entities:

    1. the candidates: the boxes the prefilter keeps (their index range only; at most
       ``max_candidates()``, a broader query is refused), tested exactly in Python;
    2. of the entities that pass, those the other filters (tenant, type, id, attrs, q) keep, in the
       order of their ids – so paging and the count are exact whatever the exact test dropped;
    3. the page's rows."""
    cap = max_candidates()
    candidates = list(
        ContextGeoBox.objects.filter(_box_q(geo)).values_list("entity_id", "geometry")[: cap + 1]
    )
    if len(candidates) > cap:
        raise BadRequestData(
            f"georel: the geo-query leaves more than {cap} candidate entities to test; narrow it "
            "(a smaller geometry or distance)"
        )
    passed = [pk for pk, geometry in candidates if geo.matches(geometry)]
    matching = (
        list(qs.filter(pk__in=passed).order_by("entity_id").values_list("pk", flat=True)) if passed else []
    )
    wanted = matching[offset : offset + limit] if limit else []
    rows = ContextEntity.objects.in_bulk(wanted) if wanted else {}
    return [rows[pk] for pk in wanted if pk in rows], len(matching) if count else None


LOCATION = "https://uri.etsi.org/ngsi-ld/location"


def located(types: list[str], box: Box, *, limit: int) -> list[tuple[ContextEntity, float, float]]:
    """Entities of these types (expanded IRIs), of every tenant (entities are public), whose ``location``
    lies in the box, with the centre of their location's box (longitude, latitude): one query on the
    geo boxes' index, at most ``limit`` rows (the caller widens or narrows its box)."""
    overlap = Q(
        min_lat__lte=box.max_lat, max_lat__gte=box.min_lat, min_lon__lte=box.max_lon, max_lon__gte=box.min_lon
    )
    small = Q(attribute=LOCATION, big__in=[False], min_lat__gte=box.min_lat - SMALL_SPAN - 1e-9) & overlap
    rows = (
        ContextGeoBox.objects.filter(small | (Q(attribute=LOCATION, big__in=[True]) & overlap))
        .filter(entity__type__in=types)
        .select_related("entity")[:limit]
    )
    return [(r.entity, (r.min_lon + r.max_lon) / 2, (r.min_lat + r.max_lat) / 2) for r in rows]


def device_groups(organisation: Organisation, service_path: str) -> list[ServiceGroup]:
    """The service groups (API keys) of a tenant's service path: one query."""
    return list(
        ServiceGroup.objects.filter(organisation=organisation, service_path=service_path).order_by("pk")
    )


def devices(
    organisation: Organisation, service_path: str, *, limit: int, offset: int
) -> tuple[int, list[Device]]:
    """A page of the devices of a tenant's service path, with their group, and how many there are: two
    queries."""
    qs = Device.objects.filter(group__organisation=organisation, group__service_path=service_path)
    return qs.count(), list(qs.select_related("group").order_by("pk")[offset : offset + limit])


def device(organisation: Organisation, service_path: str, device_id: str) -> Device | None:
    return (
        Device.objects.select_related("group")
        .filter(group__organisation=organisation, group__service_path=service_path, device_id=device_id)
        .first()
    )


def subscriptions(
    organisation: Organisation | None, *, limit: int, offset: int, count: bool
) -> tuple[list[Subscription], int | None]:
    """A page of the tenant's subscriptions by id, and how many there are with ``count``: two queries
    at most."""
    qs = Subscription.objects.filter(_tenant_q(organisation))
    total = qs.count() if count else None
    return (list(qs.order_by("subscription_id")[offset : offset + limit]) if limit else []), total


def subscription(organisation: Organisation | None, subscription_id: str) -> Subscription | None:
    return Subscription.objects.filter(_tenant_q(organisation), subscription_id=subscription_id).first()


# ------------------------------------------------------------------------------------ the public pages


def public_types() -> dict[str, tuple[int, list[str]]]:
    """Every tenant's entity types for the city-data pages (the broker's entities are public data: every
    tenant reads openly, docs/context.md), by the term the pages use – (how many entities, the expanded
    types of that term). One grouped query."""
    from .display import short

    out: dict[str, tuple[int, list[str]]] = {}
    for type_iri, n in ContextEntity.objects.values_list("type").annotate(n=Count("id")).order_by("type"):
        key = short(type_iri)
        count, iris = out.get(key, (0, []))
        out[key] = (count + n, [*iris, type_iri])
    return out


def public_entities(type_iris: list[str], *, limit: int, offset: int) -> tuple[list[ContextEntity], int]:
    """A page of the entities of these types, of every tenant, with their organisation, ordered by
    tenant and id, and how many there are: two queries."""
    qs = ContextEntity.objects.filter(type__in=type_iris)
    page = qs.select_related("organisation").order_by("organisation__slug", "entity_id")
    return list(page[offset : offset + limit]), qs.count()


def public_entity(tenant_slug: str, entity_id: str) -> ContextEntity | None:
    """One entity for its page: ``tenant_slug`` the organisation's slug, ``-`` the default tenant. One
    query."""
    qs = ContextEntity.objects.select_related("organisation").filter(entity_id=entity_id)
    qs = (
        qs.filter(organisation__isnull=True)
        if tenant_slug == "-"
        else qs.filter(organisation__slug=tenant_slug)
    )
    return qs.first()


# ------------------------------------------------------------------------------------------ history


def max_instances() -> int:
    """At most this many instances of one attribute of one entity in one temporal answer (the rest is
    asked for by a later time range: the answer is 206 with a Content-Range then)."""
    return int(getattr(settings, "REGIJA_NGSI_TEMPORAL_MAX_INSTANCES", 1000))


def _history(organisation: Organisation | None) -> Any:
    return AttributeInstance.objects.filter(_tenant_q(organisation))


def _time_q(tq: TemporalQuery) -> Q:
    """The instances the temporal query keeps: before: t < timeAt; after: t > timeAt; between:
    timeAt <= t < endTimeAt (t the ``timeproperty``)."""
    col = tq.column
    if tq.timerel == "before":
        return Q(**{f"{col}__lt": tq.time_at})
    if tq.timerel == "after":
        return Q(**{f"{col}__gt": tq.time_at})
    if tq.timerel == "between":
        return Q(**{f"{col}__gte": tq.time_at, f"{col}__lt": tq.end_time_at})
    return Q()


def temporal_entities(
    organisation: Organisation | None,
    tq: TemporalQuery,
    *,
    any_of: list[Selector] | None = None,
    attrs: list[str] | None = None,
    only: list[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    count: bool = False,
) -> tuple[list[tuple[str, str]], int | None]:
    """A page of the entities with history (instances of ``attrs`` – any, when not given – in the time
    range) matching the entity selectors (one must hold), ordered by id: (entity id, expanded type). ``only``:
    the ids a filter on the entities' current state (q, a geo-query) left. One query, two with ``count``."""
    qs = _history(organisation).filter(_time_q(tq))
    if any_of and all(s.types or s.ids or s.id_pattern for s in any_of):
        either = Q(pk__in=[])
        for selector in any_of:
            part = Q()
            if selector.types:
                part &= Q(entity_type__in=selector.types)
            if selector.ids:
                part &= Q(entity_id__in=selector.ids)
            if selector.id_pattern:
                part &= _selector_q(Selector(id_pattern=selector.id_pattern))
            either |= part
        qs = qs.filter(either)
    if attrs:
        qs = qs.filter(attribute__in=attrs)
    if only is not None:
        qs = qs.filter(entity_id__in=only)
    grouped = qs.values("entity_id").annotate(kind=Max("entity_type")).order_by("entity_id")
    page = [(r["entity_id"], r["kind"]) for r in grouped[offset : offset + limit]] if limit else []
    total = qs.values("entity_id").distinct().count() if count else None
    return page, total


def temporal_instances(
    organisation: Organisation | None,
    entity_ids: list[str],
    tq: TemporalQuery,
    *,
    attrs: list[str] | None = None,
) -> tuple[list[AttributeInstance], set[tuple[str, str]]]:
    """The instances of these entities' attributes in the time range, each attribute's in time order:
    the first ``max_instances()`` (the last ``lastN`` with lastN). One query (a window over each
    entity's attribute); the attributes cut short are returned too, as (entity id, attribute)."""
    if not entity_ids:
        return [], set()
    wanted = tq.last_n or 10**12
    cap = min(wanted, max_instances())
    fetch = cap + 1 if wanted > cap else cap
    column = tq.column
    order = F(column).desc() if tq.last_n else F(column).asc()
    qs = _history(organisation).filter(_time_q(tq), entity_id__in=entity_ids)
    if attrs:
        qs = qs.filter(attribute__in=attrs)
    pairs = len(entity_ids) * len(attrs or [])
    # one LIMIT per pair needs a database that slices inside a UNION (PostgreSQL; not SQLite)
    if attrs and (
        pairs == 1 or (pairs <= PAIRS_BY_LIMIT and connection.features.supports_slicing_ordering_in_compound)
    ):
        few, few_cut = _first_instances(qs, entity_ids, attrs, tq, cap, fetch)
        if not few:
            return [], few_cut
        found = AttributeInstance.objects.filter(pk__in=few).order_by("entity_id", "attribute", column, "id")
        return list(found), few_cut
    # which instances: numbered over the index alone (no row read), then those rows by primary key
    numbered = (
        qs.annotate(
            n=Window(
                RowNumber(), partition_by=[F("entity_id"), F("attribute")], order_by=[order, F("id").asc()]
            )
        )
        .filter(n__lte=fetch)
        .values_list("id", "entity_id", "attribute", "n")
    )
    cut: set[tuple[str, str]] = set()
    wanted_ids: list[int] = []
    for pk, entity_id, attribute, n in numbered:
        if n > cap:
            cut.add((entity_id, attribute))
        else:
            wanted_ids.append(pk)
    if not wanted_ids:
        return [], cut
    rows = AttributeInstance.objects.filter(pk__in=wanted_ids).order_by(
        "entity_id", "attribute", column, "id"
    )
    return list(rows), cut


PAIRS_BY_LIMIT = 20  # up to this many (entity, attribute) pairs known up front: one LIMIT each


def _first_instances(
    qs: Any, entity_ids: list[str], attrs: list[str], tq: TemporalQuery, cap: int, fetch: int
) -> tuple[list[int], set[tuple[str, str]]]:
    """The ids of the first (with lastN the last) ``cap`` instances of each of a few (entity,
    attribute) pairs, in one query: a UNION ALL of one ``ORDER BY … LIMIT`` per pair, each an index
    range read only as far as it needs (a window over every instance in the range reads them all)."""
    column = tq.column
    order = [F(column).desc()] if tq.last_n else [F(column).asc()]  # the index's order: no tie-breaker
    parts = [
        qs.filter(entity_id=e, attribute=a)
        .order_by(*order)
        .values_list("id", "entity_id", "attribute", column)[:fetch]
        for e in entity_ids
        for a in attrs
    ]
    first, *rest = parts
    found: dict[tuple[str, str], list[tuple[Any, int]]] = {}
    for pk, entity_id, attribute, moment in first.union(*rest, all=True) if rest else first:
        found.setdefault((entity_id, attribute), []).append((moment, pk))
    cut: set[tuple[str, str]] = set()
    ids: list[int] = []
    for pair, items in found.items():
        items.sort(reverse=bool(tq.last_n))
        if len(items) > cap:
            cut.add(pair)
        ids += [pk for _, pk in items[:cap]]
    return ids, cut


def _epoch_sql(column: str) -> str:
    """The instant of a date-time column in seconds since 1970 (UTC), in the database's SQL."""
    name = (
        f"{connection.ops.quote_name(AttributeInstance._meta.db_table)}.{connection.ops.quote_name(column)}"
    )
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {name})"
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%%s', {name}) AS INTEGER)"
    raise NotImplementedError(connection.vendor)  # pragma: no cover - PostgreSQL and SQLite only


def _distinct_sql() -> str:
    """An instance's value (or a Relationship's object) as the database compares JSON values."""
    doc = f"{connection.ops.quote_name(AttributeInstance._meta.db_table)}.{connection.ops.quote_name('doc')}"
    if connection.vendor == "postgresql":
        return f"COALESCE({doc} -> 'value', {doc} -> 'object', {doc} -> 'languageMap')"
    parts = ", ".join(f"json_extract({doc}, '$.{key}')" for key in ("value", "object", "languageMap"))
    return f"COALESCE({parts})"


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def temporal_entity(
    organisation: Organisation | None, entity_id: str, attrs: list[str] | None = None
) -> tuple[str, str] | None:
    """(id, expanded type) of an entity with history (of one of ``attrs``, when given), or None: one row
    read from the index."""
    qs = _history(organisation).filter(entity_id=entity_id)
    if attrs:
        qs = qs.filter(attribute__in=attrs)
    found = qs.values_list("entity_id", "entity_type")[:1]
    return next(iter(found), None)


def temporal_aggregates(
    organisation: Organisation | None,
    entity_ids: list[str],
    tq: TemporalQuery,
    period: float,
    *,
    attrs: list[str] | None = None,
    methods: tuple[str, ...] | list[str] = AGGREGATES,
) -> list[Period]:
    """The aggregates of clause 4.5.19 of each attribute of these entities per period of ``period``
    seconds, computed by the database in one grouped query: the periods start at timeAt (after,
    between), otherwise at the first instance aggregated (before, no time range – one more query reads
    it); every attribute of every entity has the same periods. ``period`` 0 is the whole time range.
    Every method is computed (they are few and come from the same scan); a period without instances is
    not listed."""
    if not entity_ids:
        return []
    qs = _history(organisation).filter(_time_q(tq), entity_id__in=entity_ids)
    if attrs:
        qs = qs.filter(attribute__in=attrs)
    origin = tq.time_at if tq.timerel in ("after", "between") and tq.time_at else None
    if period > 0 and origin is None:
        origin = qs.aggregate(first=Min(tq.column))["first"]
        if origin is None:
            return []
    offset = ((origin or EPOCH) - EPOCH).total_seconds()
    if period > 0:
        cast = "FLOOR" if connection.vendor == "postgresql" else "CAST"
        tail = ")" if cast == "FLOOR" else " AS INTEGER)"
        sql = f"{cast}(({_epoch_sql(tq.column)} - %s) / %s{tail}"
        bucket = RawSQL(sql, (offset, float(period)))  # noqa: S611 - our SQL, a quoted column; values bound
    else:
        bucket = RawSQL("0", ())  # noqa: S611 - a constant
    wanted = set(methods)
    computed: dict[str, Any] = {"first": Min(tq.column), "last": Max(tq.column)}
    if "totalCount" in wanted:
        computed["total"] = Count("id")
    if "distinctCount" in wanted:  # reads each instance's JSON: only when asked
        computed["distinct"] = Count(RawSQL(_distinct_sql(), ()), distinct=True)  # noqa: S611 - our SQL, no input
    if wanted & {"sum", "stddev"}:
        computed["sum"] = Sum("value")
    if "avg" in wanted:
        computed["avg"] = Avg("value")
    if "min" in wanted:
        computed["min"] = Min("value")
    if "max" in wanted:
        computed["max"] = Max("value")
    if wanted & {"sumsq", "stddev"}:
        computed["sumsq"] = Sum(F("value") * F("value"))
    if "stddev" in wanted:
        computed["numbers"] = Count("value")
    rows = (
        qs.annotate(bucket=bucket)
        .values("entity_id", "attribute", "bucket")
        .annotate(**computed)
        .order_by("entity_id", "attribute", "bucket")
    )
    out = []
    for r in rows:
        if period > 0 and origin is not None:
            start = origin + dt.timedelta(seconds=int(r["bucket"]) * period)
            end = start + dt.timedelta(seconds=period)
        else:
            from_at = tq.time_at if tq.timerel in ("after", "between") else None
            start = from_at or r["first"]
            end = tq.end_time_at or (tq.time_at if tq.timerel == "before" else None) or r["last"]
        values = {
            "totalCount": r.get("total"),
            "distinctCount": r.get("distinct"),
            "sum": r.get("sum"),
            "avg": r.get("avg"),
            "min": r.get("min"),
            "max": r.get("max"),
            "stddev": stddev(r["numbers"], r["sum"], r["sumsq"]) if "stddev" in wanted else None,
            "sumsq": r.get("sumsq"),
        }
        out.append(Period(r["entity_id"], r["attribute"], start, end, values))
    return out


def attribute_series(
    organisation: Organisation | None,
    entity_id: str,
    attr_iri: str,
    since: dt.datetime,
    until: dt.datetime,
    period: dt.timedelta | None = None,
) -> list[tuple[dt.datetime, float]]:
    """The numeric values of one attribute of one entity observed in [since, until), in time order, as
    (moment, value) points – for charts. With ``period``: one point per period that has values, its start
    (periods from ``since``) and the average of its values, computed by the database. One query; without
    a period at most ``max_instances()`` points (the first ones)."""
    tq = TemporalQuery("between", since, until)
    if period is not None:
        found = temporal_aggregates(
            organisation, [entity_id], tq, period.total_seconds(), attrs=[attr_iri], methods=["avg"]
        )
        return [(p.start, p.values["avg"]) for p in found if p.values["avg"] is not None]
    rows = (
        _history(organisation)
        .filter(_time_q(tq), entity_id=entity_id, attribute=attr_iri, value__isnull=False)
        .order_by("observed_at", "id")
        .values_list("observed_at", "value")[: max_instances()]
    )
    return [(moment, value) for moment, value in rows]


def history_rows(
    organisation: Organisation | None,
    entity_id: str,
    attr_iris: list[str],
    since: dt.datetime,
    until: dt.datetime,
) -> Iterator[tuple[str, dt.datetime, float]]:
    """Every numeric value of the given attributes of one entity observed in [since, until), as
    (attribute, moment, value) by attribute and time – all of them, read in chunks from one query (for
    downloads; no ``max_instances()`` cut)."""
    rows = (
        _history(organisation)
        .filter(
            _time_q(TemporalQuery("between", since, until)),
            entity_id=entity_id,
            attribute__in=attr_iris,
            value__isnull=False,
        )
        .order_by("attribute", "observed_at", "id")
        .values_list("attribute", "observed_at", "value")
    )
    yield from rows.iterator(chunk_size=5000)


def history_of_day(since: dt.datetime, until: dt.datetime) -> dict[tuple[int | None, str], list[Any]]:
    """Every instance observed in [since, until), grouped by (tenant's organisation id, entity type):
    (entity id, attribute, observed at, numeric value, the instance) each, by entity, attribute and
    time. One query over the index (entity_type, observed_at)."""
    rows = (
        AttributeInstance.objects.filter(observed_at__gte=since, observed_at__lt=until)
        .order_by("organisation_id", "entity_type", "entity_id", "attribute", "observed_at", "id")
        .values_list(
            "organisation_id", "entity_type", "entity_id", "attribute", "observed_at", "value", "doc"
        )
    )
    found: dict[tuple[int | None, str], list[Any]] = {}
    for organisation_id, kind, *rest in rows.iterator(chunk_size=5000):
        found.setdefault((organisation_id, kind), []).append(tuple(rest))
    return found


def daily_values(
    organisation: Organisation | None,
    type_iri: str,
    attr_iri: str,
    method: str,
    entity_ids: list[str] | None = None,
) -> list[tuple[dt.date, float]]:
    """One value per day (UTC) of one attribute of the tenant's entities of one type (of these only,
    when given): the day's instances' ``method`` (avg, min, max, sum) over their numeric values,
    computed by the database in one grouped query."""
    aggregate = {"avg": Avg, "min": Min, "max": Max, "sum": Sum}[method]
    qs = _history(organisation).filter(entity_type=type_iri, attribute=attr_iri, value__isnull=False)
    if entity_ids:
        qs = qs.filter(entity_id__in=entity_ids)
    rows = (
        qs.annotate(day=TruncDate("observed_at", tzinfo=dt.UTC))
        .values("day")
        .annotate(v=aggregate("value"))
        .order_by("day")
        .values_list("day", "v")
    )
    return [(day, float(v)) for day, v in rows if v is not None]
