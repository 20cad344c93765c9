"""Writes of the broker: every change of an entity goes through here – the permission check (an
editor or admin of the tenant's organisation; the default tenant: superusers), one transaction with
the entity's row locked, the audit log (attributed to the token's user, door ``api``).

The attributes come already parsed and expanded (``entities.attributes``): a fragment that does not
parse never reaches a service, so nothing is half-written. Every write checks the entity as it will be
stored against its Smart Data Model, if its type has one (``datamodels.check``; MIM2): refused before
anything is saved, or – in a lenient tenant – saved with its ``model_errors``."""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import DateTimeField, JSONField, Model, QuerySet

from regija.core import audit
from regija.core.services import now as clock
from regija.core.services import require_permission

from . import datamodels, geo, jsonld, query, temporal
from . import devices as dev
from . import subscriptions as subs
from .entities import attribute as jsonld_attribute
from .entities import is_uri as ent_is_uri
from .errors import AlreadyExists, BadRequestData, NgsiError, ResourceNotFound
from .models import (
    AttributeInstance,
    ContextEntity,
    ContextGeoBox,
    ContextValue,
    DeadLetter,
    Device,
    DeviceRegistry,
    IndicatorFeed,
    ServiceGroup,
    Subscription,
    SubscriptionSelector,
)
from .selectors import daily_values as selectors_daily

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
    was – when its GeoProperties are the same (a sensor's new reading), the boxes stay as they are. The
    value index (what ``q`` prefilters on) is written likewise."""
    entity.save()
    _write_values([entity], replace=not new)
    if before is not None and _geometries(before) == _geometries(entity.doc):
        return
    _write_boxes([entity], replace=not new)


def _write_values(entities: list[ContextEntity], *, replace: bool) -> None:
    """The value index rows of these saved entities (``query.indexed``), in bulk (``replace``: their old
    ones deleted first) – in the caller's transaction, so the index never disagrees with the documents.
    Plain statements (a DELETE per 500 entities, one ``executemany`` INSERT): the rows are the broker's
    own index, with no signals, audit or cascades – the ORM's objects and delete collector cost a quarter
    of a device batch."""
    if not entities:
        return
    if replace:
        table = connection.ops.quote_name(ContextValue._meta.db_table)
        entity = connection.ops.quote_name(ContextValue._meta.get_field("entity").column)
        pks = [e.pk for e in entities]
        with connection.cursor() as cursor:
            for start in range(0, len(pks), 500):
                part = pks[start : start + 500]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(f"DELETE FROM {table} WHERE {entity} IN ({marks})", part)  # noqa: S608 - names from the model, quoted; values bound
    _insert(
        ContextValue,
        ("entity_id", "organisation_id", "type", "attribute", "text", "number"),
        [
            (entity.pk, entity.organisation_id, entity.type, iri, text, number)
            for entity in entities
            for iri, text, number in query.indexed(entity.doc)
        ],
    )


def _insert(model: type[Model], names: Sequence[str], params: list[tuple[Any, ...]]) -> None:
    """Rows of ``model`` (values of the fields ``names``, by attname, already in the database's form) in
    one ``executemany`` of a plain INSERT – on PostgreSQL one ``COPY … FROM STDIN``, not a statement per
    row – with no model objects, signals or audit: for the broker's own index and history rows, written
    in bulk on the ingest's hot path."""
    if not params:
        return
    meta, quote = model._meta, connection.ops.quote_name
    column = {f.attname: quote(str(f.column)) for f in meta.concrete_fields}
    table, columns = quote(meta.db_table), ", ".join(column[n] for n in names)
    with connection.cursor() as cursor:
        raw: Any = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):  # psycopg 3
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608 - names from the model, quoted; values bound
        cursor.executemany(sql, params)


def _write_boxes(entities: list[ContextEntity], *, replace: bool) -> None:
    """The bounding boxes of these saved entities' GeoProperties, in bulk (``replace``: their old ones
    deleted first)."""
    if not entities:
        return
    if replace:
        ContextGeoBox.objects.filter(entity__in=[e.pk for e in entities]).delete()
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
        for entity in entities
        for iri, (box, geometry) in geo.boxes(entity.doc).items()
    )


def _remember(entity: ContextEntity, iris: Iterable[str]) -> None:
    """These attributes of the saved entity, as it now holds them, become instances of its history (in
    the caller's transaction, one INSERT)."""
    written = {iri: entity.doc[iri] for iri in iris if iri in entity.doc}
    AttributeInstance.objects.bulk_create(
        temporal.rows(entity.organisation_id, entity.entity_id, entity.type, written)
    )


def _history(organisation: Organisation | None, entity_id: str) -> QuerySet[AttributeInstance]:
    qs = AttributeInstance.objects.filter(entity_id=entity_id)
    return (
        qs.filter(organisation__isnull=True) if organisation is None else qs.filter(organisation=organisation)
    )


def _check(user: Actor, organisation: Organisation | None) -> None:
    require_permission(user, "change", ContextEntity(organisation=organisation))


def _notify(changes: list[subs.Change]) -> None:
    """The subscriptions these changes concern (``subscriptions.matching``: two queries at most) are
    notified after the commit, each by a Huey task with the entities as they are now; nothing is sent
    when the transaction (or the savepoint of a batch's entity) rolls back."""
    found = subs.matching(changes, clock())
    if not found:
        return
    from . import tasks

    now = timestamp()
    work = [(pk, [subs.snapshot(c, timestamp, now) for c in changed]) for pk, (_, changed) in found.items()]

    def enqueue() -> None:
        for pk, entities in work:
            tasks.notify(pk, entities)

    transaction.on_commit(enqueue)


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
            _remember(entity, entity.doc)
            _notify([subs.change(entity, None)])
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
        _remember(entity, attrs)
        _notify([subs.change(entity, before)])
    return entity


SYSTEM = "regija"  # who the audit log names for what Regija writes by itself (bundled data)


def upsert(
    user: Actor | None,
    organisation: Organisation | None,
    entity_id: str,
    type_iri: str,
    attrs: Attrs,
    *,
    via: str = "api",
) -> ContextEntity:
    """Create the entity, or replace its type and attributes (creation times kept): what an app that keeps
    its own records as entities calls on each save (places: a place is a PointOfInterest). Like every
    write, its attributes join the history and its subscriptions are notified. ``user`` None is
    Regija itself (its bundled data); otherwise an editor or admin of the tenant, as for every write. In
    the caller's transaction when there is one, so a refusal by the data model undoes the caller's write."""
    if user is not None:
        _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via=via, label="" if user else SYSTEM):
        return _put(organisation, entity_id, type_iri, attrs)


def _put(organisation: Organisation | None, entity_id: str, type_iri: str, attrs: Attrs) -> ContextEntity:
    """The entity created, or its type and attributes replaced (creation times kept), in the caller's
    transaction: checked against its model, saved with its geo-boxes, its attributes added to the history,
    its subscriptions notified."""
    moment = clock()
    stamp = timestamp(moment)
    qs = ContextEntity.objects.select_for_update().filter(entity_id=entity_id)
    qs = (
        qs.filter(organisation__isnull=True) if organisation is None else qs.filter(organisation=organisation)
    )
    entity = qs.first()
    if entity is None:
        entity = ContextEntity(
            organisation=organisation,
            entity_id=entity_id,
            type=type_iri,
            doc={iri: _stamped(a, stamp) for iri, a in attrs.items()},
            created_at=moment,
            modified_at=moment,
        )
        _follow_model(entity)
        _save(entity, new=True)
        _remember(entity, entity.doc)
        _notify([subs.change(entity, None)])
        return entity
    before = entity.doc
    entity.type = type_iri
    entity.modified_at = moment
    entity.doc = {iri: _keep_created(before.get(iri), a, stamp) for iri, a in attrs.items()}
    _follow_model(entity)
    _save(entity, before=before)
    _remember(entity, attrs)
    _notify([subs.change(entity, before)])
    return entity


def discard(
    user: Actor | None, organisation: Organisation | None, entity_id: str, *, via: str = "api"
) -> bool:
    """Delete the entity if there is one (``upsert``'s counterpart: an app's record that is no longer this
    entity); ``user`` None is Regija itself. Whether there was one."""
    if user is not None:
        _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via=via, label="" if user else SYSTEM):
        qs = ContextEntity.objects.filter(entity_id=entity_id)
        qs = (
            qs.filter(organisation__isnull=True)
            if organisation is None
            else qs.filter(organisation=organisation)
        )
        found = list(qs.select_for_update())
        if found:
            _notify([subs.deletion(e) for e in found])  # before the delete: a subscription's q reads the row
            qs.delete()
            _history(organisation, entity_id).delete()
    return bool(found)


def delete(user: Actor, organisation: Organisation | None, entity_id: str) -> None:
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        entity = _locked(organisation, entity_id)
        _notify([subs.deletion(entity)])  # before the delete: a subscription's q reads the row
        entity.delete()
        _history(organisation, entity_id).delete()


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
            _remember(entity, [iri for iri in attrs if iri not in kept])
            _notify([subs.change(entity, before, [i for i in attrs if i not in kept])])
    return kept


def update(
    user: Actor, organisation: Organisation | None, entity_id: str, attrs: Attrs, deleted: Sequence[str] = ()
) -> list[str]:
    """Replace the attributes the entity has, delete those ``deleted`` names (given as NGSI-LD Null);
    returns the names of those it does not have (not updated)."""
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
        for iri in deleted:
            if doc.pop(iri, None) is None:
                missing.append(iri)
        if len(missing) < len(attrs) + len(deleted):
            entity.doc = doc
            entity.modified_at = moment
            _follow_model(entity)
            _save(entity, before=before)
            _remember(entity, [iri for iri in attrs if iri not in missing])
            _notify([subs.change(entity, before, [i for i in attrs if i not in missing])])
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
        entity.doc = {**entity.doc, iri: _merged(old, fragment, timestamp(moment))}
        entity.modified_at = moment
        _follow_model(entity)
        _save(entity, before=before)
        _remember(entity, [iri])
        _notify([subs.change(entity, before, [iri])])


def _merged(old: dict[str, Any], fragment: dict[str, Any], stamp: str) -> dict[str, Any]:
    """An attribute with a fragment merged into it: what the fragment gives replaces, the rest stays."""
    merged = {**old, **{k: v for k, v in _stamped(fragment, stamp).items() if k != "createdAt"}}
    if merged.get("type") != old.get("type"):  # a value of another kind replaces the old one's keys
        for key in ("value", "object", "languageMap"):
            if key not in fragment:
                merged.pop(key, None)
    return merged


def merge(
    user: Actor, organisation: Organisation | None, entity_id: str, attrs: Attrs, deleted: Iterable[str] = ()
) -> None:
    """Merge Entity (clause 5.6.17 of V1.6.1, JSON Merge Patch): each attribute the entity has merged with
    the fragment's, the others added, those given as NGSI-LD Null (``deleted``) removed."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        entity = _locked(organisation, entity_id)
        before = entity.doc
        doc = dict(entity.doc)
        moment = clock()
        stamp = timestamp(moment)
        for iri, attr in attrs.items():
            old = doc.get(iri)
            doc[iri] = _keep_created(None, attr, stamp) if old is None else _merged(old, attr, stamp)
        gone = [iri for iri in deleted if iri in doc]
        for iri in gone:
            del doc[iri]
        if not attrs and not gone:
            return
        entity.doc = doc
        entity.modified_at = moment
        _follow_model(entity)
        _save(entity, before=before)
        _remember(entity, list(attrs))
        _notify([subs.change(entity, before, list(attrs))])


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
        _notify([subs.change(entity, before, [])])


# ------------------------------------------------------------------------------------------- batch


@dataclass
class BatchItem:
    """One entity of a batch as the view parsed it: its id and (create, upsert, update) its expanded type
    and attributes, or the error its parsing met (answered for this entity alone)."""

    entity_id: str
    type_iri: str = ""
    attrs: Attrs = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)  # merge: the attributes given as NGSI-LD Null
    error: NgsiError | None = None


@dataclass
class BatchResult:
    """What a batch did (clause 5.2.16 BatchOperationResult): the ids written, the entities refused with
    why, and (upsert) the ids of the entities it created."""

    success: list[str] = field(default_factory=list)
    errors: list[tuple[str, NgsiError]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


BATCH_OPERATIONS = ("create", "upsert", "update", "delete", "merge")


def batch(
    user: Actor,
    organisation: Organisation | None,
    operation: str,
    items: list[BatchItem],
    *,
    replace_existing: bool = True,
    no_overwrite: bool = False,
) -> BatchResult:
    """The batch entity operations (clauses 5.6.7–5.6.10, 5.6.20): each entity through this module's
    service of its operation – so each is permission-checked, validated and audited – in a savepoint of
    its own within one transaction: an entity that fails leaves nothing of itself, and the transaction
    holds exactly what the result reports. The tenant's permission is checked first, for the whole batch.

    ``upsert`` creates the entities the tenant does not have and replaces (``replace_existing``) or
    appends to (``options=update``) those it has; ``update`` appends to existing entities, keeping the
    attributes they have when ``no_overwrite`` – an entity of which one was kept is reported among the
    errors, its other attributes written."""
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
                elif operation == "merge":
                    merge(user, organisation, item.entity_id, item.attrs, item.deleted)
                elif operation == "update":
                    kept = append(user, organisation, item.entity_id, item.attrs, no_overwrite=no_overwrite)
                    if kept:  # written but for these (5.6.9, noOverwrite): told as Update Attributes tells it
                        kept_error = BadRequestData(
                            f"noOverwrite: the entity has {', '.join(kept)}; kept as it was"
                        )
                        result.errors.append((item.entity_id, kept_error))
                        continue
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


# ------------------------------------------------------------------------------------- subscriptions


def check_subscriptions(user: Actor, organisation: Organisation | None) -> None:
    """Subscriptions are the tenant's editors' and admins' (a superuser's in the default tenant), to
    read as to write: their endpoints and receiverInfo (an endpoint's credentials) are not public."""
    require_permission(user, "change", Subscription(organisation=organisation))


def _subscription_rows(subscription: Subscription, parsed: subs.Parsed) -> None:
    subscription.selectors.all().delete()
    SubscriptionSelector.objects.bulk_create(
        SubscriptionSelector(
            subscription=subscription,
            organisation=subscription.organisation,
            type=type_iri,
            entity_id=entity_id,
            id_pattern=pattern,
        )
        for type_iri, entity_id, pattern in parsed.selectors
    )


def _apply(subscription: Subscription, parsed: subs.Parsed, context: Any) -> None:
    subscription.body = parsed.body
    subscription.context = context
    subscription.watched = parsed.watched
    subscription.triggers = parsed.triggers
    subscription.q_iris = parsed.q_iris
    subscription.geo_iri = parsed.geo_iri
    subscription.attributes = parsed.attributes
    subscription.endpoint = parsed.endpoint
    subscription.is_active = parsed.is_active
    subscription.expires_at = parsed.expires_at
    subscription.throttling = parsed.throttling
    subscription.time_interval = parsed.time_interval


def _schedule_periodic(subscription: Subscription, moment: dt.datetime) -> None:
    """A periodic subscription (``timeInterval``) is first notified one interval after it was created
    or changed – after the commit (``tasks.notify_periodic``, which schedules the next); a change moves
    the moment due, so the chain scheduled before ends by itself."""
    if not subscription.time_interval:
        subscription.next_notification = None
        return
    due = moment + dt.timedelta(seconds=subscription.time_interval)
    subscription.next_notification = due
    if subs.status(subscription, moment) != "active":
        return
    from . import tasks

    transaction.on_commit(lambda: tasks.notify_periodic.schedule((subscription.pk,), eta=due))


def _locked_subscription(organisation: Organisation | None, subscription_id: str) -> Subscription:
    found = (
        Subscription.objects.select_for_update()
        .filter(subs.tenant_q(organisation), subscription_id=subscription_id)
        .first()
    )
    if found is None:
        raise ResourceNotFound(f"There is no subscription {subscription_id}")
    return found


def create_subscription(
    user: Actor, organisation: Organisation | None, parsed: subs.Parsed, context: Any
) -> Subscription:
    """Create Subscription (clause 5.8.1): AlreadyExists when the tenant has one with the body's id; a
    new ``urn:ngsi-ld:Subscription:<uuid>`` when the body gives none."""
    check_subscriptions(user, organisation)
    moment = clock()
    subscription = Subscription(
        organisation=organisation,
        subscription_id=parsed.body.get("id") or subs.new_id(),
        created_at=moment,
        modified_at=moment,
    )
    _apply(subscription, parsed, context)
    subscription.body = {**subscription.body, "id": subscription.subscription_id}
    try:
        with transaction.atomic(), audit.acting(user, via="api"):
            taken = Subscription.objects.filter(
                subs.tenant_q(organisation), subscription_id=subscription.subscription_id
            )
            if taken.exists():
                raise AlreadyExists(f"The subscription {subscription.subscription_id} already exists")
            _schedule_periodic(subscription, moment)
            subscription.save()
            _subscription_rows(subscription, parsed)
    except IntegrityError:
        raise AlreadyExists(f"The subscription {subscription.subscription_id} already exists") from None
    return subscription


def update_subscription(
    user: Actor,
    organisation: Organisation | None,
    subscription_id: str,
    fragment: dict[str, Any],
    parse: Any,
    context: Any,
) -> Subscription:
    """Update Subscription (clause 5.8.2): each member of the fragment replaces the subscription's (a
    ``notification`` whole: one without an ``endpoint`` is 400); the result is checked whole by
    ``parse`` (the view's: it expands names by the request's @context), so a bad fragment changes
    nothing."""
    check_subscriptions(user, organisation)
    if "id" in fragment and fragment["id"] != subscription_id:
        raise BadRequestData("id: the fragment's id differs from the subscription's in the address")
    with transaction.atomic(), audit.acting(user, via="api"):
        subscription = _locked_subscription(organisation, subscription_id)
        # each member the fragment gives replaces the subscription's whole: a notification is a whole
        # NotificationParams, its endpoint included (ETSI's suite, 029_03_01)
        merged = {**subscription.body, **fragment}
        merged["type"] = "Subscription"
        if "expiresAt" not in fragment and subscription.expires_at is not None:
            merged.pop("expiresAt", None)  # an expiry already passed is not the fragment's fault
            parsed = parse(merged)
            parsed.expires_at = subscription.expires_at
            parsed.body["expiresAt"] = subscription.body["expiresAt"]
        else:
            parsed = parse(merged)
        _apply(subscription, parsed, context if context is not None else subscription.context)
        subscription.modified_at = clock()
        _schedule_periodic(subscription, subscription.modified_at)
        subscription.save()
        _subscription_rows(subscription, parsed)
    return subscription


def delete_subscription(user: Actor, organisation: Organisation | None, subscription_id: str) -> None:
    """Delete Subscription (clause 5.8.5)."""
    check_subscriptions(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        _locked_subscription(organisation, subscription_id).delete()


# ------------------------------------------------------------------------------- devices (IoT Agent JSON)


def _check_devices(user: Actor, organisation: Organisation) -> None:
    require_permission(user, "change", ServiceGroup(organisation=organisation))


def provision_groups(
    user: Actor, organisation: Organisation, service_path: str, bodies: list[dict[str, Any]]
) -> list[ServiceGroup]:
    """``POST /iot/services``: new service groups (an API key each), all or none."""
    _check_devices(user, organisation)
    groups: list[ServiceGroup] = []
    for i, body in enumerate(bodies):
        where = f"services[{i}]"
        if not isinstance(body, dict):
            raise BadRequestData(f"{where}: a service group is a JSON object")
        groups.append(
            ServiceGroup(
                organisation=organisation,
                service_path=service_path,
                apikey=dev.text_field(body, "apikey", where, required=True),
                resource=dev.text_field(body, "resource", where, default="/iot/json"),
                entity_type=dev.text_field(body, "entity_type", where),
                attributes=dev.mapping(body.get("attributes"), f"{where}.attributes"),
                static_attributes=dev.static_attributes(
                    body.get("static_attributes"), f"{where}.static_attributes"
                ),
                timestamp=dev.boolean(body, "timestamp", where, True),
            )
        )
    keys = [g.apikey for g in groups]
    if len(set(keys)) < len(keys):
        raise BadRequestData("services: an API key is given twice")
    try:
        with transaction.atomic(), audit.acting(user, via="api"):
            if ServiceGroup.objects.filter(apikey__in=keys).exists():
                raise AlreadyExists("services: a service group with this API key exists already")
            for group in groups:
                group.save()
    except IntegrityError:
        raise AlreadyExists("services: a service group with this API key exists already") from None
    return groups


def delete_group(
    user: Actor, organisation: Organisation, service_path: str, apikey: str, resource: str
) -> None:
    """``DELETE /iot/services?apikey=…&resource=…``: the group and its devices."""
    _check_devices(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        qs = ServiceGroup.objects.filter(organisation=organisation, service_path=service_path, apikey=apikey)
        if resource:
            qs = qs.filter(resource=resource)
        group = qs.select_for_update().first()
        if group is None:
            raise ResourceNotFound(f"There is no service group with the API key {apikey!r} here")
        group.delete()


def _group_for(
    organisation: Organisation, service_path: str, body: dict[str, Any], where: str
) -> ServiceGroup:
    apikey = dev.text_field(body, "apikey", where)
    qs = ServiceGroup.objects.filter(organisation=organisation, service_path=service_path)
    if apikey:
        group = qs.filter(apikey=apikey).first()
        if group is None:
            raise BadRequestData(f"{where}.apikey: there is no service group with this API key here")
        return group
    entity_type = dev.text_field(body, "entity_type", where)
    found = list(qs.filter(entity_type=entity_type)[:2]) if entity_type else []
    if len(found) != 1:
        found = list(qs[:2])
    if len(found) != 1:
        raise BadRequestData(f"{where}.apikey: give the API key of the device's service group")
    return found[0]


def provision_devices(
    user: Actor, organisation: Organisation, service_path: str, bodies: list[dict[str, Any]]
) -> list[Device]:
    """``POST /iot/devices``: new devices, each in a service group of the tenant, all or none."""
    _check_devices(user, organisation)
    made: list[Device] = []
    for i, body in enumerate(bodies):
        where = f"devices[{i}]"
        if not isinstance(body, dict):
            raise BadRequestData(f"{where}: a device is a JSON object")
        group = _group_for(organisation, service_path, body, where)
        device_id = dev.text_field(body, "device_id", where, required=True)
        if "/" in device_id or "+" in device_id or "#" in device_id:
            raise BadRequestData(f"{where}.device_id: a device id may not hold /, + or # (MQTT topic levels)")
        entity_type = dev.text_field(body, "entity_type", where) or group.entity_type
        if not entity_type:
            raise BadRequestData(f"{where}.entity_type: required (the service group gives none)")
        entity_id = body.get("entity_name") or dev.entity_id_for(entity_type, device_id)
        if not isinstance(entity_id, str) or not dev.ent.is_uri(entity_id) or len(entity_id) > 512:
            raise BadRequestData(f"{where}.entity_name: an NGSI-LD entity id is a URI, not {entity_id!r}")
        made.append(
            Device(
                group=group,
                device_id=device_id,
                entity_id=entity_id,
                entity_type=entity_type,
                attributes=dev.mapping(body.get("attributes"), f"{where}.attributes"),
                static_attributes=dev.static_attributes(
                    body.get("static_attributes"), f"{where}.static_attributes"
                ),
                timestamp=dev.boolean(body, "timestamp", where, group.timestamp),
            )
        )
    pairs = {(d.group.pk, d.device_id) for d in made}
    if len(pairs) < len(made):
        raise BadRequestData("devices: a device id is given twice")
    try:
        with transaction.atomic(), audit.acting(user, via="api"):
            for device in made:
                if Device.objects.filter(group=device.group, device_id=device.device_id).exists():
                    raise AlreadyExists(f"devices: the device {device.device_id} exists already")
                device.save()
    except IntegrityError:
        raise AlreadyExists("devices: a device with this id exists already") from None
    return made


def delete_device(user: Actor, organisation: Organisation, service_path: str, device_id: str) -> None:
    """``DELETE /iot/devices/{id}``: the device (its entity stays, as with the IoT Agent)."""
    _check_devices(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        found = (
            Device.objects.select_for_update()
            .filter(group__organisation=organisation, group__service_path=service_path, device_id=device_id)
            .first()
        )
        if found is None:
            raise ResourceNotFound(f"There is no device {device_id} here")
        found.delete()


# --------------------------------------------------------------------------------------------- ingest

_IRIS: dict[str, str] = {}


def _iris(names: Iterable[str]) -> dict[str, str]:
    """Attribute and type names → their IRIs by the core @context (kept in memory: it never changes)."""
    missing = [n for n in names if n not in _IRIS]
    if missing:
        _IRIS.update(jsonld.expand_terms(jsonld.effective(None), missing))
    return _IRIS


def _mapping_of(
    group: ServiceGroup, device: Device
) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]]]:
    """The device's attribute mapping by ``object_id`` over its group's, and both static attributes."""
    mapped = {a["object_id"]: a for a in [*group.attributes, *device.attributes]}
    statics = {a["name"]: a for a in [*group.static_attributes, *device.static_attributes]}
    return mapped, list(statics.values())


class _Registry:
    """The service groups (by API key, with their organisation) and devices (by group and device id) the
    ingest has met, with each device's mapping, kept between batches while the registry's token
    (``DeviceRegistry``, one row) stays the same: a batch reads the token, and the groups and devices it
    has not met yet, instead of every group and device of the batch. A device not found is not kept
    (looked for again in the next batch that names it)."""

    def __init__(self) -> None:
        self.token: int | None = None
        self.groups: dict[str, ServiceGroup] = {}
        self.devices: dict[tuple[int, str], Device] = {}
        self.mappings: dict[tuple[int, str], tuple[dict[str, dict[str, str]], list[dict[str, Any]]]] = {}

    def clear(self) -> None:
        self.token = None
        self.groups, self.devices, self.mappings = {}, {}, {}

    def valid(self) -> None:
        """Forget everything when the registry's token is not the one this was read with (one query)."""
        with connection.cursor() as cursor:
            cursor.execute(_REGISTRY_SQL)
            row = cursor.fetchone()
        token = row[0] if row else 0
        if token != self.token:
            self.clear()
            self.token = token

    def mapping(
        self, group: ServiceGroup, device: Device
    ) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]]]:
        key = (group.pk, device.device_id)
        found = self.mappings.get(key)
        if found is None:
            found = self.mappings[key] = _mapping_of(group, device)
        return found


_REGISTRY_SQL = f"SELECT token FROM {DeviceRegistry._meta.db_table} WHERE id = 1"  # noqa: S608 - our table
_REGISTRY = _Registry()


def devices_changed(**kwargs: Any) -> None:
    """A service group, a device or an organisation was saved or deleted (a signal receiver, so the back
    office's and every other write count): a new registry token in the writer's transaction, so every
    ingest worker forgets the devices it keeps once the change is committed. Random, not a counter: a
    transaction rolled back cannot make a token seen before come back."""
    token = secrets.randbits(62)
    if not DeviceRegistry.objects.filter(pk=1).update(token=token):
        DeviceRegistry.objects.get_or_create(pk=1, defaults={"token": token})


@dataclass
class Ingested:
    measures: int = 0
    created: int = 0
    updated: int = 0
    dead: list[DeadLetter] = field(default_factory=list)


def _dead(topic: str, payload: bytes, reason: str, moment: dt.datetime, **known: Any) -> DeadLetter:
    text = payload.decode("utf-8", errors="replace")
    truncated = len(text) > DeadLetter.MAX_PAYLOAD
    return DeadLetter(
        received_at=moment,
        topic=topic[:500],
        payload=text[: DeadLetter.MAX_PAYLOAD],
        truncated=truncated,
        reason=reason,
        **known,
    )


def _write_docs(rows: list[ContextEntity]) -> None:
    """The changed documents by primary key: on SQLite one ``executemany`` of a plain UPDATE, on
    PostgreSQL one UPDATE from the rows given as arrays (``unnest``) – not a statement a row. Django's
    ``bulk_update`` builds a CASE expression over every row, which cost most of a batch's time."""
    if not rows:
        return
    meta, ops = ContextEntity._meta, connection.ops
    doc, modified = meta.get_field("doc"), meta.get_field("modified_at")
    flags = meta.get_field("model_errors")
    quote = ops.quote_name
    table, pk = quote(meta.db_table), quote(str(meta.pk.column))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {quote(str(doc.column))} = u.doc::jsonb, "  # noqa: S608 - names from the model, quoted; values bound
                f"{quote(str(modified.column))} = u.modified, {quote(str(flags.column))} = u.flags::jsonb "
                "FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[]) "
                f"AS u(id, doc, modified, flags) WHERE {table}.{pk} = u.id",
                [
                    [e.pk for e in rows],
                    [json.dumps(e.doc) for e in rows],
                    [e.modified_at for e in rows],
                    [json.dumps(e.model_errors) for e in rows],
                ],
            )
        return
    columns = ", ".join(f"{quote(str(f.column))} = %s" for f in (doc, modified, flags))
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 - names from the model, quoted; values bound
    # what JSONField and DateTimeField.get_db_prep_save do, without their per-row lookups: a batch's
    # rows share one modification time (adapted once) and most have no model errors
    moments: dict[dt.datetime, Any] = {}
    no_errors = ops.adapt_json_value([], None)
    params = []
    for e in rows:
        if e.modified_at not in moments:
            moments[e.modified_at] = modified.get_db_prep_save(e.modified_at, connection)
        errors = ops.adapt_json_value(e.model_errors, None) if e.model_errors else no_errors
        params.append((ops.adapt_json_value(e.doc, None), moments[e.modified_at], errors, e.pk))
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _write_history(rows: list[temporal.Row]) -> None:
    """The batch's history rows (``temporal.values``: the same rows ``temporal.rows`` makes objects of)
    in one ``executemany`` of a plain INSERT: a model object per row and ``bulk_create`` compiling each
    of its fields cost more than a third of a batch's time. Each distinct date-time is adapted once."""
    if not rows:
        return
    ops = connection.ops
    moments: dict[dt.datetime, Any] = {}

    def at(value: dt.datetime) -> Any:
        if value not in moments:
            moments[value] = ops.adapt_datetimefield_value(value)
        return moments[value]

    as_json = ops.adapt_json_value
    params = [
        (o, e, t, a, i, at(observed), at(created), at(modified), v, as_json(doc, None))
        for o, e, t, a, i, observed, created, modified, v, doc in rows
    ]
    _insert(AttributeInstance, temporal.COLUMNS, params)


class KeptEntities:
    """The entities a worker's batches wrote, as committed, kept by primary key between batches – for
    one ingest worker (``ingest(kept_entities=…)``), so a batch that meets an entity again need not read
    and decode its document. A kept entity is used only while its row's ``modified_at`` is still the one
    the worker wrote: any other write of the entity (the API, a batch, another worker) sets its own, and
    the entity is then read again. Bounded: past ``limit`` entities it starts over."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self.entities: dict[int, ContextEntity] = {}

    def keep(self, entities: Iterable[ContextEntity]) -> None:
        found = [e for e in entities if e.pk is not None]
        if len(self.entities) + len(found) > self.limit:
            self.entities = {}
        self.entities.update((e.pk, e) for e in found)


def _locked_entities(
    wanted: set[tuple[int, str]], kept: KeptEntities | None = None
) -> dict[tuple[int | None, str], ContextEntity]:
    """The existing entities of (organisation, entity id) pairs – a superset: each organisation with
    each id –, their rows locked on PostgreSQL (``FOR UPDATE``, in id order), by ``(organisation_id,
    entity_id)``. One plain query whose ids travel as one parameter (PostgreSQL ``= ANY``, SQLite
    ``json_each``): the ORM compiled an ``IN`` of every entity id and sent each row through its field
    converters, a fifth of a device batch; here each distinct date-time is converted once. With
    ``kept``, the rows' ids and modification times are read first, and only the entities not kept as
    they are now in a second query."""
    if not wanted:
        return {}
    meta, ops = ContextEntity._meta, connection.ops
    quote = ops.quote_name
    fields = meta.concrete_fields
    organisation = quote(str(ContextEntity.organisation.field.column))
    entity_id = quote(str(ContextEntity.entity_id.field.column))
    organisations, ids = sorted({o for o, _ in wanted}), sorted({e for _, e in wanted})
    if connection.vendor == "postgresql":
        where = f"{organisation} = ANY(%s) AND {entity_id} = ANY(%s)"
        params: list[Any] = [organisations, ids]
        lock = " FOR UPDATE"
    else:  # SQLite: a transaction that writes holds the database's write lock anyway
        where = (
            f"{organisation} IN (SELECT value FROM json_each(%s)) "  # noqa: S608 - names from the model, quoted; values bound
            f"AND {entity_id} IN (SELECT value FROM json_each(%s))"
        )
        params, lock = [json.dumps(organisations), json.dumps(ids)], ""
    table, pk = quote(meta.db_table), quote(str(meta.pk.column))
    convert = getattr(ops, "convert_datetimefield_value", None)  # SQLite keeps date-times as text
    moments: dict[Any, Any] = {}

    def moment(value: Any) -> Any:
        if convert is None or value is None:
            return value
        if value not in moments:
            moments[value] = convert(value, None, connection)
        return moments[value]

    kinds = [
        "json" if isinstance(f, JSONField) else "moment" if isinstance(f, DateTimeField) else ""
        for f in fields
    ]
    names = [f.attname for f in fields]
    found: dict[tuple[int | None, str], ContextEntity] = {}
    with connection.cursor() as cursor:
        if kept is not None and kept.entities:
            modified = quote(str(ContextEntity.modified_at.field.column))
            cursor.execute(
                f"SELECT {pk}, {organisation}, {entity_id}, {modified} FROM {table} "  # noqa: S608 - names from the model, quoted; values bound
                f"WHERE {where} ORDER BY {pk}{lock}",
                params,
            )
            unmet = []
            for key, org, eid, when in cursor.fetchall():
                same = kept.entities.get(key)
                if same is not None and (same.organisation_id, same.entity_id) == (org, eid):
                    if same.modified_at == moment(when):
                        found[(org, eid)] = same
                        continue
                unmet.append(key)
            if not unmet:
                return found
            if connection.vendor == "postgresql":
                where, params = f"{pk} = ANY(%s)", [unmet]
            else:
                where, params = f"{pk} IN (SELECT value FROM json_each(%s))", [json.dumps(unmet)]  # noqa: S608 - names from the model, quoted; values bound
        cursor.execute(
            f"SELECT {', '.join(quote(str(f.column)) for f in fields)} FROM {table} "  # noqa: S608 - names from the model, quoted; values bound
            f"WHERE {where} ORDER BY {pk}{lock}",
            params,
        )
        for row in cursor.fetchall():
            values = [
                (json.loads(v) if isinstance(v, str) else v)
                if kind == "json"
                else moment(v)
                if kind == "moment"
                else v
                for kind, v in zip(kinds, row, strict=True)
            ]
            entity = ContextEntity.from_db(connection.alias, names, values)
            found[(entity.organisation_id, entity.entity_id)] = entity
    return found


def ingest(
    messages: Sequence[tuple[str, bytes]],
    *,
    received_at: dt.datetime | None = None,
    kept_entities: KeptEntities | None = None,
) -> Ingested:
    """A batch of MQTT messages (topic, payload) → the devices' entities updated, in ONE transaction.

    Each measure becomes an update of the attributes of its device's entity (the entity created on the
    first measure, as the IoT Agent does), ``observedAt`` from ``TimeInstant`` or the receive time,
    ``unitCode`` from the mapping. A message that cannot be applied – unknown API key or device, no
    JSON, a value that does not fit its type – becomes a DeadLetter in the same transaction, and nothing
    of it is written. Queries do not grow with the batch: the groups, the devices and the entities are
    each read in one query, and written in bulk; one audit entry sums the batch up. ``kept_entities``: a
    worker's entities kept between its batches (``KeptEntities``), given what this batch wrote once it
    commits."""
    moment = received_at or clock()
    stamp = timestamp(moment)
    result = Ingested()
    parsed: list[tuple[str, bytes, dev.Topic | None, str]] = []
    for topic, payload in messages:
        try:
            parsed.append((topic, payload, dev.parse_topic(topic), ""))
        except dev.BadMeasure as exc:
            parsed.append((topic, payload, None, str(exc)))
    with transaction.atomic(), audit.acting(None, via="worker", label="ingest"):
        kept = _REGISTRY
        kept.valid()
        keys = {t.apikey for _, _, t, _ in parsed if t is not None}
        if keys - kept.groups.keys():
            unmet = ServiceGroup.objects.filter(apikey__in=keys - kept.groups.keys())
            kept.groups.update((g.apikey, g) for g in unmet.select_related("organisation"))
        groups = {k: kept.groups[k] for k in keys if k in kept.groups}
        pairs = {
            (groups[t.apikey].pk, t.device_id)
            for _, _, t, _ in parsed
            if t is not None and t.apikey in groups
        }
        if pairs - kept.devices.keys():
            unmet_pairs = pairs - kept.devices.keys()
            found = Device.objects.filter(
                group__in={g for g, _ in unmet_pairs}, device_id__in={d for _, d in unmet_pairs}
            )
            kept.devices.update(((d.group_id, d.device_id), d) for d in found)
        devices = {p: kept.devices[p] for p in pairs if p in kept.devices}
        by_id = {g.pk: g for g in groups.values()}
        wanted = {(by_id[d.group_id].organisation_id, d.entity_id) for d in devices.values()}
        entities = _locked_entities(wanted, kept_entities)
        new: dict[tuple[int, str], ContextEntity] = {}
        changed: dict[int, ContextEntity] = {}
        placed: dict[int, dict[str, Any]] = {}  # the GeoProperties of each changed entity before the batch
        befores: dict[int, dict[str, Any]] = {}  # each changed entity's document before the batch
        written: dict[tuple[int | None, str], set[str]] = {}  # the attributes the batch wrote, by entity
        history: list[temporal.Row] = []  # every measure's attributes, instances of the history
        parsed_stamps: dict[str, dt.datetime] = {}
        for topic, payload, where, problem in parsed:
            if where is None:
                result.dead.append(_dead(topic, payload, problem, moment))
                continue
            group = groups.get(where.apikey)
            if group is None:
                reason = f"there is no service group with the API key {where.apikey!r}"
                result.dead.append(_dead(topic, payload, reason, moment, apikey=where.apikey[:200]))
                continue
            known = {
                "apikey": where.apikey[:200],
                "device_id": where.device_id[:200],
                "organisation_id": group.organisation_id,
            }
            device = devices.get((group.pk, where.device_id))
            if device is None:
                reason = f"there is no device {where.device_id!r} with the API key {where.apikey!r}"
                result.dead.append(_dead(topic, payload, reason, moment, **known))
                continue
            try:
                mapped, statics = kept.mapping(group, device)
                attrs = [
                    dev.attributes_of(m, mapped, statics, stamp, timestamp=device.timestamp)
                    for m in dev.measures(where, payload)
                ]
            except dev.BadMeasure as exc:
                result.dead.append(_dead(topic, payload, str(exc), moment, **known))
                continue
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a mapping edited badly
                reason = f"the device's attribute mapping is not valid ({type(exc).__name__}: {exc})"
                result.dead.append(_dead(topic, payload, reason, moment, **known))
                continue
            key = (group.organisation_id, device.entity_id)
            entity = entities.get(key)
            type_iri = entity.type if entity is not None else _iris([device.entity_type])[device.entity_type]
            iris = _iris([n for a in attrs for n in a])
            doc = dict(entity.doc) if entity is not None else {}
            instances: list[temporal.Row] = []
            for measure in attrs:
                measured: dict[str, dict[str, Any]] = {}
                for name, attr in measure.items():
                    doc[iris[name]] = measured[iris[name]] = _keep_created(doc.get(iris[name]), attr, stamp)
                    written.setdefault(key, set()).add(iris[name])
                instances += temporal.values(
                    group.organisation_id, device.entity_id, type_iri, measured, parsed_stamps
                )
            try:  # the entity as this message leaves it, checked against its Smart Data Model
                flags = datamodels.check(group.organisation, device.entity_id, type_iri, doc)
            except BadRequestData as refused:
                result.dead.append(_dead(topic, payload, refused.detail, moment, **known))
                continue
            if entity is None:
                entity = ContextEntity(
                    organisation_id=group.organisation_id,
                    entity_id=device.entity_id,
                    type=type_iri,
                    created_at=moment,
                )
                entities[key] = new[key] = entity
            elif entity.pk is not None and entity.pk not in changed:
                changed[entity.pk] = entity
                placed[entity.pk] = _geometries(entity.doc)
                befores[entity.pk] = entity.doc
            entity.doc = doc
            entity.model_errors = flags
            entity.modified_at = moment
            history += instances
            result.measures += len(attrs)
        ContextEntity.objects.bulk_create(new.values())
        _write_docs(list(changed.values()))
        # the value index of both in one DELETE and one INSERT (the new ones have no rows to delete):
        # the same queries whether the batch creates entities or updates them
        _write_values([*new.values(), *changed.values()], replace=True)
        # the geo-queries' boxes of new entities, and of those a measure moved (a device's location)
        _write_boxes(list(new.values()), replace=False)
        _write_boxes([e for pk, e in changed.items() if _geometries(e.doc) != placed[pk]], replace=True)
        DeadLetter.objects.bulk_create(result.dead)
        _write_history(history)
        result.created, result.updated = len(new), len(changed)
        if kept_entities is not None:
            written_now = [*new.values(), *changed.values()]
            transaction.on_commit(lambda: kept_entities.keep(written_now))
        _notify(
            [subs.change(e, None) for e in new.values()]
            + [
                subs.change(e, befores[pk], written.get((e.organisation_id, e.entity_id), set()))
                for pk, e in changed.items()
            ]
        )
        if messages:
            audit.record_batch(
                ContextEntity,
                f"MQTT ingest: {len(messages)} messages",
                {
                    "measures": [None, result.measures],
                    "entities created": [None, result.created],
                    "entities updated": [None, result.updated],
                    "dead letters": [None, len(result.dead)],
                },
            )
    return result


# ------------------------------------------------------------------------------------- the demo network


@dataclass
class DemoLoaded:
    """What ``load_demo_network`` wrote (all zero on a second run); ``organisation`` None when the
    network's organisation is not in the database (nothing written)."""

    organisation: Organisation | None = None
    groups: int = 0
    devices: int = 0
    entities: int = 0


def load_demo_network(moment: dt.datetime | None = None, *, seed: int = 17) -> DemoLoaded:
    """The bundled, simulated demo network of Velenje (``simulation.network()``): its service groups and
    devices, provisioned as ``POST /iot/services`` and ``/iot/devices`` would (the same checks of the
    mappings), and each device's entity with one round of simulated measures as its first state, checked
    against its Smart Data Model (a model error refuses the whole load: nothing is written). Idempotent:
    what exists (a group by its API key, a device by its id in the group, an entity by its id) is left as
    it is. One transaction, audited as an import of the "demo network"."""
    from regija.core.models import Organisation

    from . import simulation

    spec = simulation.network()
    organisation = Organisation.objects.filter(slug=spec["organisation"]).first()
    loaded = DemoLoaded(organisation=organisation)
    if organisation is None:
        return loaded
    moment = moment or clock()
    stamp = timestamp(moment)
    rng = random.Random(seed)  # noqa: S311 - simulated values, not secrets
    with transaction.atomic(), audit.acting(None, via="import", label="demo network"):
        for g, group_spec in enumerate(spec["groups"]):
            where = f"groups[{g}]"
            group = ServiceGroup.objects.filter(apikey=group_spec["apikey"]).first()
            if group is None:
                group = ServiceGroup.objects.create(
                    organisation=organisation,
                    service_path=spec["service_path"],
                    apikey=group_spec["apikey"],
                    entity_type=group_spec["entity_type"],
                    attributes=dev.mapping(group_spec["attributes"], f"{where}.attributes"),
                )
                loaded.groups += 1
            elif group.organisation_id != organisation.pk:
                raise AlreadyExists(f"{where}: the API key {group.apikey} belongs to another organisation")
            present = {d.device_id: d for d in group.devices.all()}
            for d, device_spec in enumerate(group_spec["devices"]):
                device = present.get(device_spec["device_id"])
                if device is None:
                    device = Device.objects.create(
                        group=group,
                        device_id=device_spec["device_id"],
                        entity_id=device_spec["entity_name"],
                        entity_type=group_spec["entity_type"],
                        static_attributes=dev.static_attributes(
                            device_spec["static_attributes"], f"{where}.devices[{d}].static_attributes"
                        ),
                    )
                    loaded.devices += 1
                if ContextEntity.objects.filter(
                    organisation=organisation, entity_id=device.entity_id
                ).exists():
                    continue
                mapped, statics = _mapping_of(group, device)
                measure = simulation.measures(group_spec, device_spec, moment, rng)
                attrs = dev.attributes_of(measure, mapped, statics, stamp, timestamp=True)
                iris = _iris([*attrs, device.entity_type])
                entity = ContextEntity(
                    organisation=organisation,
                    entity_id=device.entity_id,
                    type=iris[device.entity_type],
                    doc={iris[name]: _stamped(attr, stamp) for name, attr in attrs.items()},
                    created_at=moment,
                    modified_at=moment,
                )
                _follow_model(entity)
                _save(entity, new=True)
                _remember(entity, entity.doc)  # its first state is the start of its history
                loaded.entities += 1
    return loaded


# ----------------------------------------------------------------------------- temporal representation

Instances = dict[str, list[dict[str, Any]]]


def _record(description: str, changes: dict[str, Any]) -> None:
    audit.record_batch(AttributeInstance, description[:300], changes)


def _history_rows(
    organisation: Organisation | None, entity_id: str, type_iri: str, instances: Instances
) -> list[AttributeInstance]:
    organisation_id = organisation.pk if organisation is not None else None
    return [
        row
        for iri, stored_list in instances.items()
        for stored in stored_list
        for row in temporal.rows(organisation_id, entity_id, type_iri, {iri: stored})
    ]


def temporal_upsert(
    user: Actor, organisation: Organisation | None, entity_id: str, type_iri: str, instances: Instances
) -> bool:
    """Create or Update Temporal Representation of an Entity (clause 5.6.11): the instances added to
    the entity's history; True when it had none (created). The entity's current state is not touched."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        created = not _history(organisation, entity_id).exists()
        rows = _history_rows(organisation, entity_id, type_iri, instances)
        AttributeInstance.objects.bulk_create(rows)
        _record(
            f"Temporal {'create' if created else 'update'} {entity_id}",
            {"instances added": [None, len(rows)]},
        )
    return created


def temporal_append(
    user: Actor, organisation: Organisation | None, entity_id: str, instances: Instances
) -> None:
    """Add Attributes to Temporal Representation of an Entity (clause 5.6.12)."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        last = _history(organisation, entity_id).order_by("-observed_at").first()
        if last is None:
            raise ResourceNotFound(f"There is no temporal representation of the entity {entity_id}")
        rows = _history_rows(organisation, entity_id, last.entity_type, instances)
        AttributeInstance.objects.bulk_create(rows)
        _record(f"Temporal append {entity_id}", {"instances added": [None, len(rows)]})


def temporal_delete(user: Actor, organisation: Organisation | None, entity_id: str) -> None:
    """Delete Temporal Representation of an Entity (clause 5.6.16): its whole history."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        deleted, _ = _history(organisation, entity_id).delete()
        if not deleted:
            raise ResourceNotFound(f"There is no temporal representation of the entity {entity_id}")
        _record(f"Temporal delete {entity_id}", {"instances deleted": [deleted, None]})


def temporal_delete_attribute(
    user: Actor,
    organisation: Organisation | None,
    entity_id: str,
    iri: str,
    *,
    dataset_id: str | None = None,
    delete_all: bool = False,
) -> None:
    """Delete Attribute from Temporal Representation of an Entity (clause 5.6.13): the instances of the
    default instance (those without a datasetId), of ``dataset_id``, or with ``delete_all`` all of them."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        instances = _history(organisation, entity_id).filter(attribute=iri)
        if dataset_id is not None:
            instances = instances.filter(doc__datasetId=dataset_id)
        elif not delete_all:
            instances = instances.exclude(doc__has_key="datasetId")
        deleted, _ = instances.delete()
        if not deleted:
            raise ResourceNotFound(f"The temporal representation of {entity_id} has no attribute {iri}")
        _record(f"Temporal delete {entity_id} {iri}", {"instances deleted": [deleted, None]})


def _instance(
    organisation: Organisation | None, entity_id: str, iri: str, instance_id: str
) -> AttributeInstance:
    found = (
        _history(organisation, entity_id)
        .select_for_update()
        .filter(attribute=iri, instance_id=instance_id)
        .first()
    )
    if found is None:
        raise ResourceNotFound(f"The attribute {iri} of {entity_id} has no instance {instance_id}")
    return found


def temporal_modify_instance(
    user: Actor,
    organisation: Organisation | None,
    entity_id: str,
    iri: str,
    instance_id: str,
    stored: dict[str, Any],
) -> None:
    """Modify Attribute instance in Temporal Representation of an Entity (clause 5.6.14): the instance
    replaced by this one (its id and creation time kept)."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        row = _instance(organisation, entity_id, iri, instance_id)
        (new,) = temporal.rows(row.organisation_id, entity_id, row.entity_type, {iri: stored})
        row.doc = {**new.doc, "instanceId": instance_id, "createdAt": row.doc.get("createdAt")}
        row.observed_at, row.modified_at, row.value = new.observed_at, new.modified_at, new.value
        row.save(update_fields=["doc", "observed_at", "modified_at", "value"])
        _record(f"Temporal modify {entity_id} {iri} {instance_id}", {"instances changed": [None, 1]})


def temporal_delete_instance(
    user: Actor, organisation: Organisation | None, entity_id: str, iri: str, instance_id: str
) -> None:
    """Delete Attribute instance from Temporal Representation of an Entity (clause 5.6.15)."""
    _check(user, organisation)
    with transaction.atomic(), audit.acting(user, via="api"):
        _instance(organisation, entity_id, iri, instance_id).delete()
        _record(f"Temporal delete {entity_id} {iri} {instance_id}", {"instances deleted": [1, None]})


# ------------------------------------------------------------------------------- indicators fed


FEED_PREFIX = "ngsi:"


def feed_values(feed: IndicatorFeed) -> tuple[list[tuple[dt.date, Decimal]], str]:
    """The observations a feed gives – each day's aggregate, or per year the number of days whose
    aggregate is above (below) the threshold, dated the year's last day – and the period of the data
    they come from (first day–last day)."""
    names = _iris([n for n in (feed.entity_type, feed.attribute) if not ent_is_uri(n)])
    type_iri = feed.entity_type if ent_is_uri(feed.entity_type) else names[feed.entity_type]
    attr_iri = feed.attribute if ent_is_uri(feed.attribute) else names[feed.attribute]
    ids = [i for i in feed.entity_ids if isinstance(i, str)] if isinstance(feed.entity_ids, list) else []
    days = selectors_daily(feed.organisation, type_iri, attr_iri, feed.daily, ids or None)
    period = f"{days[0][0]}–{days[-1][0]}" if days else "–"
    if feed.rule == IndicatorFeed.Rule.DAILY:
        return [(day, Decimal(str(round(value, 6)))) for day, value in days], period
    threshold = feed.threshold if feed.threshold is not None else 0.0
    above = feed.rule == IndicatorFeed.Rule.DAYS_ABOVE
    years: dict[int, int] = {}
    for day, value in days:
        years.setdefault(day.year, 0)
        if (value > threshold) if above else (value < threshold):
            years[day.year] += 1
    return [(dt.date(year, 12, 31), Decimal(n)) for year, n in sorted(years.items())], period


def recompute_feed(feed: IndicatorFeed) -> int:
    """Replace the indicator's observations computed from context data with those the history gives now
    (their source names the tenant, type, attribute, daily aggregate and rule), leaving the observations a
    strategy file gives; the number written. Regija itself (the worker) writes them."""
    from regija.strategies.models import Indicator, Observation

    values, period = feed_values(feed)
    rule = feed.get_rule_display()
    if feed.rule != IndicatorFeed.Rule.DAILY:
        rule = f"{rule} {feed.threshold}"
    marker = f"{FEED_PREFIX}{feed.entity_type}/{feed.attribute} {feed.daily} {feed.rule}"[:300]
    tenant = feed.organisation.slug if feed.organisation else "default"
    note = (
        f"Izračunano iz zgodovine posrednika NGSI-LD (najemnik {tenant}): vrsta entitet {feed.entity_type}, "
        f"atribut {feed.attribute}, dnevni agregat {feed.daily}, pravilo {rule}, obdobje {period}. "
        f"Computed from the NGSI-LD broker's history (tenant {tenant}): entity type {feed.entity_type}, "
        f"attribute {feed.attribute}, daily {feed.daily}, rule {feed.rule}, period {period}."
    )
    written = 0
    with audit.acting(None, via="worker", label="ngsi"), transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=feed.indicator_id)
        for old in Observation.objects.filter(indicator=indicator, source__startswith=FEED_PREFIX):
            old.delete()
        from_file = set(Observation.objects.filter(indicator=indicator).values_list("date", flat=True))
        for day, value in values:
            if day in from_file:
                continue
            Observation.objects.create(indicator=indicator, date=day, value=value, source=marker, note=note)
            written += 1
        feed.computed_at = clock()
        IndicatorFeed.objects.filter(pk=feed.pk).update(computed_at=feed.computed_at)
    return written


def recompute_feeds() -> int:
    """Every indicator fed from context data recomputed; how many observations were written."""
    return sum(recompute_feed(f) for f in IndicatorFeed.objects.select_related("organisation").order_by("pk"))


# ------------------------------------------------------------------------------- entities other apps keep


def mirror(organisation: Organisation, fragment: dict[str, Any]) -> ContextEntity:
    """Create or replace an entity an app above the broker keeps in step with its own rows (an issue
    report as an Open311 service request): ``fragment`` is the entity in concise form with the core
    @context's terms (``{"id": …, "type": …, "status": "open", "location": {GeoJSON}}``).

    No user's right is checked here – the calling app's service has checked who may change its row and
    calls this inside its own transaction and ``audit.acting``; so only another app's services call it
    (today ``fixes.services``), never a view or an API handler – but everything else is as for any write
    (``_put``): the attributes parsed, the entity checked against its Smart Data Model (BadRequestData
    refuses it, so the caller's transaction rolls back), the geo-boxes and the history written, the
    subscriptions notified."""
    iris = _iris([k for k in fragment if k not in ("id", "type", "@context")] + [str(fragment["type"])])
    stamp = timestamp()
    attrs = {
        iris[k]: jsonld_attribute(k, v, iris, stamp, where=k)
        for k, v in fragment.items()
        if k not in ("id", "type", "@context")
    }
    with transaction.atomic():
        return _put(organisation, str(fragment["id"]), iris[str(fragment["type"])], attrs)
