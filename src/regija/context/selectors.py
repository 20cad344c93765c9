"""Reads of the broker: tenants and entities (docs/context.md). Every read is open – entities are
public data – and bounded: a query is one page query and, with ``count=true``, one count."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q

from regija.core.models import Organisation

from .errors import BadRequestData, NonexistentTenant
from .models import ContextEntity, Device, ServiceGroup

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
