"""Events made from other objects: a session of a body, a public call's opening and deadline, a phase
of a participation process.

An app above ``events`` registers a model with a function that says which events one of its objects
should have (``register(Session, build)`` in its ``AppConfig.ready()``)::

    def build(session) -> list[EventSpec]:
        if not session.date:
            return []  # no event (one it had before is removed)
        return [EventSpec(key="session", organisation_id=..., title=..., category=Category.SESSION,
                          starts_at=..., ends_at=..., all_day=True, url=...)]

The events are then kept in step with their objects: after every save or delete of one (on commit),
and all at once by ``sync_all()`` – ``regija sync_events``, and after a governance import, which writes
in bulk. ``key`` tells one object's events apart (a call's ``opening`` and ``deadline``); an event keeps
its id, address and iCalendar UID while its object changes, its ``sequence`` goes up with every change,
and an event whose key the object no longer gives is deleted. Staff cannot edit these events; they
change the object.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from regija.core import audit

from .models import Event, EventStatus

Build = Callable[[Any], list["EventSpec"]]


@dataclasses.dataclass(frozen=True)
class EventSpec:
    """One event an object should have. ``starts_at``/``ends_at`` are aware moments; for an all-day
    event the local midnights of the first day and of the day after the last (``all_day_span``)."""

    key: str
    organisation_id: int
    title: str
    category: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    all_day: bool = False
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    place_name: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    online_url: str = ""
    url: str = ""  # the object's page, linked from the event
    status: str = EventStatus.SCHEDULED
    public: bool = True


FIELDS = [
    "organisation_id",
    "title",
    "title_en",
    "description",
    "description_en",
    "category",
    "starts_at",
    "ends_at",
    "all_day",
    "place_name",
    "address",
    "latitude",
    "longitude",
    "online_url",
    "status",
    "public",
]


def all_day_span(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The moments of an all-day event from ``first`` to ``last`` (inclusive; one day when None)."""
    tz = timezone.get_default_timezone()
    end = (last or first) + dt.timedelta(days=1)
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(end, dt.time(), tzinfo=tz),
    )


SOURCES: dict[type[models.Model], Build] = {}
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("regija_events_suspended", default=False)


def register(model: type[models.Model], build: Build) -> None:
    """Keep the events ``build(obj)`` gives for every ``model`` object (see the module's docstring)."""
    SOURCES[model] = build
    uid = f"regija-events-{model._meta.label}"
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_saved, sender=model, dispatch_uid=uid)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """No sync on save or delete inside the block: the caller runs ``sync_all()`` (or ``sync_model``)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def _saved(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or _suspended.get():
        return
    pk = instance.pk
    transaction.on_commit(lambda: sync_object(sender, pk))


def _clean(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.000001"))
    return value


def _apply(event: Event, spec: EventSpec) -> bool:
    """Set the spec's values on the event; True when anything changed."""
    changed = False
    for name in FIELDS:
        new = _clean(getattr(spec, name))
        if name in ("title", "title_en"):
            new = new[:300]
        if _clean(getattr(event, name)) != new:
            setattr(event, name, new)
            changed = True
    if event.source_url != spec.url[:500]:
        event.source_url = spec.url[:500]
        changed = True
    return changed


def _write(ctype: ContentType, object_id: int, specs: list[EventSpec], existing: list[Event]) -> int:
    """Make the object's events match ``specs``; the number of events created, changed or deleted."""
    by_key = {e.source_key: e for e in existing}
    wanted = {s.key: s for s in specs}
    writes = 0
    for key, spec in wanted.items():
        event = by_key.get(key)
        if event is None:
            event = Event(source_type=ctype, source_id=object_id, source_key=key[:50])
            _apply(event, spec)
            event.save()
            writes += 1
        elif _apply(event, spec):
            event.sequence += 1
            event.modified_at = timezone.now()
            event.save()
            writes += 1
    for key, event in by_key.items():
        if key not in wanted:
            event.delete()
            writes += 1
    return writes


def sync_object(model: type[models.Model], pk: Any) -> int:
    """Bring the events of one object in step with it (gone: its events are deleted)."""
    build = SOURCES.get(model)
    if build is None:
        return 0
    ctype = ContentType.objects.get_for_model(model)
    obj = model._default_manager.filter(pk=pk).first()
    specs = build(obj) if obj is not None else []
    existing = list(Event.objects.filter(source_type=ctype, source_id=pk))
    if not specs and not existing:
        return 0
    with transaction.atomic(), audit.acting(label="events"):
        return _write(ctype, pk, specs, existing)


def sync_model(model: type[models.Model], objects: Iterable[models.Model] | None = None) -> int:
    """Bring the events of every object of ``model`` (or of ``objects`` only) in step: one query for the
    stored events, one pass over the objects; with every object, events of objects that no longer exist
    are deleted."""
    build = SOURCES[model]
    ctype = ContentType.objects.get_for_model(model)
    stored: dict[int, list[Event]] = {}
    for event in Event.objects.filter(source_type=ctype).order_by():
        assert event.source_id is not None  # noqa: S101 - a source event always has its object
        stored.setdefault(event.source_id, []).append(event)
    writes = 0
    rows = objects if objects is not None else model._default_manager.all().iterator(chunk_size=500)
    with transaction.atomic(), audit.acting(label="events"):
        seen: set[int] = set()
        for obj in rows:
            seen.add(obj.pk)
            specs = build(obj)
            existing = stored.get(obj.pk, [])
            if specs or existing:
                writes += _write(ctype, obj.pk, specs, existing)
        gone = [pk for pk in stored if pk not in seen] if objects is None else []
        if gone:
            for event in Event.objects.filter(source_type=ctype, source_id__in=gone):
                event.delete()
                writes += 1
    return writes


def sync_all() -> dict[str, int]:
    """Every registered model's events in step (``regija sync_events``): changes per model label."""
    return {model._meta.label: sync_model(model) for model in SOURCES}


def is_source_model(model: type[models.Model]) -> bool:
    return model in SOURCES
