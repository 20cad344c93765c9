"""Writes of the broker: every change of an entity goes through here – the permission check (an
editor or admin of the tenant's organisation; the default tenant: superusers), one transaction with
the entity's row locked, the audit log (attributed to the token's user, door ``api``).

The attributes come already parsed and expanded (``entities.attributes``): a fragment that does not
parse never reaches a service, so nothing is half-written. Every write checks the entity as it will be
stored against its Smart Data Model, if its type has one (``datamodels.check``; MIM2): refused before
anything is saved, or – in a lenient tenant – saved with its ``model_errors``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import DataError, IntegrityError, transaction

from regija.core import audit
from regija.core.services import now as clock
from regija.core.services import require_permission

from . import datamodels, geo
from .errors import AlreadyExists, BadRequestData, NgsiError, ResourceNotFound
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


def _follow_model(entity: ContextEntity) -> None:
    """The entity as it will be saved checked against its data model (raises BadRequestData, or keeps
    the errors in a lenient tenant)."""
    entity.model_errors = datamodels.check(entity.organisation, entity.entity_id, entity.type, entity.doc)


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
    _follow_model(entity)
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
        _follow_model(entity)
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
            _follow_model(entity)
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
            _follow_model(entity)
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
        _follow_model(entity)
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
        _follow_model(entity)
        _save(entity, before=before)


# ------------------------------------------------------------------------------------------- batch


@dataclass
class BatchItem:
    """One entity of a batch as the view parsed it: its id and (create, upsert, update) its expanded type
    and attributes, or the error its parsing met (answered for this entity alone)."""

    entity_id: str
    type_iri: str = ""
    attrs: Attrs = field(default_factory=dict)
    error: NgsiError | None = None


@dataclass
class BatchResult:
    """What a batch did (clause 5.2.16 BatchOperationResult): the ids written, the entities refused with
    why, and (upsert) the ids of the entities it created."""

    success: list[str] = field(default_factory=list)
    errors: list[tuple[str, NgsiError]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


BATCH_OPERATIONS = ("create", "upsert", "update", "delete")


def batch(
    user: Actor,
    organisation: Organisation | None,
    operation: str,
    items: list[BatchItem],
    *,
    replace_existing: bool = True,
    no_overwrite: bool = False,
) -> BatchResult:
    """The batch entity operations (clauses 5.6.7–5.6.10): each entity through this module's service of
    its operation – so each is permission-checked, validated and audited – in a savepoint of its own
    within one transaction: an entity that fails leaves nothing of itself, and the transaction holds
    exactly what the result reports. The tenant's permission is checked first, for the whole batch.

    ``upsert`` creates the entities the tenant does not have and replaces (``replace_existing``) or
    appends to (``options=update``) those it has; ``update`` appends to existing entities, keeping the
    attributes they have when ``no_overwrite``."""
    if operation not in BATCH_OPERATIONS:
        raise ValueError(f"no batch operation {operation!r}")
    _check(user, organisation)
    result = BatchResult()
    with transaction.atomic():
        existing: set[str] = set()
        if operation == "upsert":
            tenant = ContextEntity.objects.filter(organisation=organisation)
            if organisation is None:
                tenant = ContextEntity.objects.filter(organisation__isnull=True)
            ids = [i.entity_id for i in items if i.error is None]
            existing = set(tenant.filter(entity_id__in=ids).values_list("entity_id", flat=True))
        for item in items:
            if item.error is not None:
                result.errors.append((item.entity_id, item.error))
                continue
            try:
                if operation == "create":
                    create(user, organisation, item.entity_id, item.type_iri, item.attrs)
                elif operation == "delete":
                    delete(user, organisation, item.entity_id)
                elif operation == "update":
                    append(user, organisation, item.entity_id, item.attrs, no_overwrite=no_overwrite)
                elif item.entity_id not in existing:
                    create(user, organisation, item.entity_id, item.type_iri, item.attrs)
                    existing.add(item.entity_id)
                    result.created.append(item.entity_id)
                elif replace_existing:
                    replace(user, organisation, item.entity_id, item.type_iri, item.attrs)
                else:
                    append(user, organisation, item.entity_id, item.attrs, no_overwrite=False)
            except NgsiError as error:
                result.errors.append((item.entity_id, error))
            except DataError:  # a value the database cannot hold; its savepoint is rolled back
                result.errors.append(
                    (item.entity_id, BadRequestData("The database cannot store a value of this entity"))
                )
            else:
                result.success.append(item.entity_id)
    return result
