"""Reads of the broker: tenants and entities (docs/context.md). Every read is open – entities are
public data – and bounded: a query is one page query and, with ``count=true``, one count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from regija.core.models import Organisation

from .errors import BadRequestData, NonexistentTenant
from .models import ContextEntity

MAX_LIMIT = 1000


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
    attrs: list[str] | None = None,
    q: Q | None = None,
    limit: int = 20,
    offset: int = 0,
    count: bool = False,
) -> tuple[list[ContextEntity], int | None]:
    """One page of the tenant's entities matching every filter given, ordered by id, and how many match
    in all when ``count``. ``types`` and ``attrs`` are expanded IRIs; ``q`` a filter from ``query.to_q``."""
    qs = ContextEntity.objects.filter(_tenant_q(organisation))
    if types:
        qs = qs.filter(type__in=types)
    if ids:
        qs = qs.filter(entity_id__in=ids)
    if id_pattern:
        try:
            re.compile(id_pattern)
        except re.error as exc:
            raise BadRequestData(f"idPattern: {id_pattern!r} is not a regular expression: {exc}") from None
        qs = qs.filter(entity_id__regex=id_pattern)
    if attrs:
        having = Q(pk__in=[])
        for iri in attrs:
            having |= Q(doc__has_key=iri)
        qs = qs.filter(having)
    if q is not None:
        qs = qs.filter(q)
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
