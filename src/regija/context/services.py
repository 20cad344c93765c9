"""Writes of the broker: every change of an entity goes through here – the permission check (an
editor or admin of the tenant's organisation; the default tenant: superusers), one transaction with
the entity's row locked, the audit log (attributed to the token's user, door ``api``).

The attributes come already parsed and expanded (``entities.attributes``): a fragment that does not
parse never reaches a service, so nothing is half-written."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from regija.core import audit
from regija.core.services import now as clock
from regija.core.services import require_permission

from . import geo
from .errors import AlreadyExists, ResourceNotFound
from .models import ContextEntity, ContextGeoBox

if TYPE_CHECKING:
    from regija.core.models import Organisation
    from regija.core.permissions import Actor

Attrs = dict[str, dict[str, Any]]


def timestamp(moment: dt.datetime | None = None) -> str:
    """A date-time as the API writes it: UTC, ISO 8601, with Z."""
    moment = moment or clock()
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _locked(organisation: Organisation | None, entity_id: str) -> ContextEntity:
    qs = ContextEntity.objects.select_for_update()
    qs = (
        qs.filter(organisation__isnull=True) if organisation is None else qs.filter(organisation=organisation)
    )
    found = qs.filter(entity_id=entity_id).first()
    if found is None:
        raise ResourceNotFound(f"There is no entity {entity_id}")
    return found


def _geometries(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        iri: a.get("value")
        for iri, a in doc.items()
        if isinstance(a, dict) and a.get("type") == "GeoProperty"
    }


def _save(entity: ContextEntity, *, new: bool = False, before: dict[str, Any] | None = None) -> None:
    """Save the entity and its GeoProperties' bounding boxes (what geo-queries prefilter on), in the
    caller's transaction: the boxes never disagree with the document. ``before``: the document as it
    was – when its GeoProperties are the same (a sensor's new reading), the boxes stay as they are."""
    entity.save()
    if before is not None and _geometries(before) == _geometries(entity.doc):
        return
    if not new:
        ContextGeoBox.objects.filter(entity=entity).delete()
    found = geo.boxes(entity.doc)
    if found:
        ContextGeoBox.objects.bulk_create(
            ContextGeoBox(
                entity=entity,
                attribute=iri,
                big=box.max_lat - box.min_lat > geo.SMALL_SPAN,
                min_lat=box.min_lat,
                min_lon=box.min_lon,
                max_lat=box.max_lat,
                max_lon=box.max_lon,
                geometry=geometry,
            )
            for iri, (box, geometry) in found.items()
        )


def _check(user: Actor, organisation: Organisation | None) -> None:
    require_permission(user, "change", ContextEntity(organisation=organisation))


def _stamped(attr: dict[str, Any], stamp: str) -> dict[str, Any]:
    """The attribute (and its sub-attributes) with this moment as its creation and modification time."""
    out = {
        k: _stamped(v, stamp) if isinstance(v, dict) and "type" in v and k != "value" else v
        for k, v in attr.items()
    }
    out["createdAt"] = out["modifiedAt"] = stamp
    return out


def _keep_created(old: dict[str, Any] | None, new: dict[str, Any], stamp: str) -> dict[str, Any]:
    new = _stamped(new, stamp)
    if old is not None and "createdAt" in old:
        new["createdAt"] = old["createdAt"]
    return new


def create(
    user: Actor, organisation: Organisation | None, entity_id: str, type_iri: str, attrs: Attrs
) -> ContextEntity:
    """A new entity; AlreadyExists when the tenant has one with this id."""
    _check(user, organisation)
    moment = clock()
    entity = ContextEntity(
        organisation=organisation,
        entity_id=entity_id,
        type=type_iri,
        doc={iri: _stamped(a, timestamp(moment)) for iri, a in attrs.items()},
        created_at=moment,
        modified_at=moment,
    )
    try:
        with transaction.atomic(), audit.acting(user, via="api"):
            exists = ContextEntity.objects.filter(entity_id=entity_id)
            exists = (
                exists.filter(organisation__isnull=True)
                if organisation is None
                else exists.filter(organisation=organisation)
            )
            if exists.exists():
                raise AlreadyExists(f"The entity {entity_id} already exists")
            _save(entity, new=True)
    except IntegrityError:
        raise AlreadyExists(f"The entity {entity_id} already exists") from None
    return entity


def replace(
    user: Actor, organisation: Organisation | None, entity_id: str, type_iri: str, attrs: Attrs
) -> ContextEntity:
    """The entity's type and attributes replaced by these (its creation time kept)."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        entity = _locked(organisation, entity_id)
        before = entity.doc
        entity.type = type_iri
        entity.modified_at = clock()
        stamp = timestamp(entity.modified_at)
        entity.doc = {iri: _keep_created(entity.doc.get(iri), a, stamp) for iri, a in attrs.items()}
        _save(entity, before=before)
    return entity


def delete(user: Actor, organisation: Organisation | None, entity_id: str) -> None:
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        _locked(organisation, entity_id).delete()


def append(
    user: Actor, organisation: Organisation | None, entity_id: str, attrs: Attrs, *, no_overwrite: bool
) -> list[str]:
    """Add the attributes, replacing those the entity has unless ``no_overwrite``; returns the names
    (expanded) of those left as they were."""
    _check(user, organisation)
    kept: list[str] = []
    with transaction.atomic(), audit.acting(user, via="api"):
        entity = _locked(organisation, entity_id)
        before = entity.doc
        doc = dict(entity.doc)
        moment = clock()
        for iri, attr in attrs.items():
            if iri in doc and no_overwrite:
                kept.append(iri)
            else:
                doc[iri] = _keep_created(doc.get(iri), attr, timestamp(moment))
        if len(kept) < len(attrs):
            entity.doc = doc
            entity.modified_at = moment
            _save(entity, before=before)
    return kept


def update(user: Actor, organisation: Organisation | None, entity_id: str, attrs: Attrs) -> list[str]:
    """Replace the attributes the entity has; returns the names of those it does not have (not updated)."""
    _check(user, organisation)
    missing: list[str] = []
    with transaction.atomic(), audit.acting(user, via="api"):
        entity = _locked(organisation, entity_id)
        before = entity.doc
        doc = dict(entity.doc)
        moment = clock()
        for iri, attr in attrs.items():
            if iri in doc:
                doc[iri] = _keep_created(doc[iri], attr, timestamp(moment))
            else:
                missing.append(iri)
        if len(missing) < len(attrs):
            entity.doc = doc
            entity.modified_at = moment
            _save(entity, before=before)
    return missing


def partial_update(
    user: Actor, organisation: Organisation | None, entity_id: str, iri: str, fragment: dict[str, Any]
) -> None:
    """Merge a fragment into one attribute: what it gives replaces, the rest stays (clause 5.6.4)."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        entity = _locked(organisation, entity_id)
        before = entity.doc
        old = entity.doc.get(iri)
        if old is None:
            raise ResourceNotFound(f"The entity {entity_id} has no attribute {iri}")
        moment = clock()
        merged = {
            **old,
            **{k: v for k, v in _stamped(fragment, timestamp(moment)).items() if k != "createdAt"},
        }
        if merged.get("type") != old.get("type"):  # a value of another kind replaces the old one's keys
            for key in ("value", "object", "languageMap"):
                if key not in fragment:
                    merged.pop(key, None)
        entity.doc = {**entity.doc, iri: merged}
        entity.modified_at = moment
        _save(entity, before=before)


def delete_attribute(user: Actor, organisation: Organisation | None, entity_id: str, iri: str) -> None:
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        entity = _locked(organisation, entity_id)
        before = entity.doc
        if iri not in entity.doc:
            raise ResourceNotFound(f"The entity {entity_id} has no attribute {iri}")
        entity.doc = {k: v for k, v in entity.doc.items() if k != iri}
        entity.modified_at = clock()
        _save(entity, before=before)
