"""Reads of the broker: tenants and entities (docs/context.md). Every read is open – entities are
public data – and bounded: a query is one page query and, with ``count=true``, one count; a geo-query
three (its candidates, at most ``REGIJA_NGSI_GEO_MAX_CANDIDATES``; those of them the other filters keep;
the page)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q

from regija.core.models import Organisation

from .errors import BadRequestData, NonexistentTenant
from .geo import SMALL_SPAN, Box, GeoQuery
from .models import ContextEntity, ContextGeoBox, Device, ServiceGroup

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
    geo: GeoQuery | None = None,
    limit: int = 20,
    offset: int = 0,
    count: bool = False,
) -> tuple[list[ContextEntity], int | None]:
    """One page of the tenant's entities matching every filter given, ordered by id, and how many match
    in all when ``count``. ``types`` and ``attrs`` are expanded IRIs; ``q`` a filter from ``query.to_q``;
    ``any_of`` entity selectors of which one must hold; ``geo`` a geo-query (its geoproperty expanded)."""
    qs = ContextEntity.objects.filter(
        _tenant_q(organisation), _selector_q(Selector(types or [], ids or [], id_pattern))
    )
    if any_of and all(s.types or s.ids or s.id_pattern for s in any_of):  # an empty selector: any entity
        either = Q(pk__in=[])
        for selector in any_of:
            either |= _selector_q(selector)
        qs = qs.filter(either)
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
