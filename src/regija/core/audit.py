"""The audit log: every change to a tracked object, whoever makes it and through whichever door.

Changes are caught at the model layer (pre_save/post_save/post_delete signals), so the back
office, the staff forms and the API cannot forget to log. Who is acting comes from a context
variable the middleware (pages) or the API authentication sets; the importer writes one summary
entry per file, because it writes rows in bulk without signals.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save

from . import registry
from .models import AuditAction, AuditEntry
from .money import MoneyField, plain_number

# Fields that are bookkeeping, not facts a person changed.
IGNORED_FIELDS = {"id", "order", "path", "depth", "imported_at", "created_at", "last_used_at"}

_actor: contextvars.ContextVar = contextvars.ContextVar("regija_actor", default=None)


class Actor:
    def __init__(self, user=None, via: str = "", label: str = ""):
        self._user = user
        self.via = via
        self._label = label

    @property
    def user(self):
        user = self._user() if callable(self._user) else self._user
        return user if getattr(user, "is_authenticated", False) else None

    @property
    def label(self) -> str:
        user = self.user
        return user.get_username() if user else self._label


@contextlib.contextmanager
def acting(user=None, via: str = "", label: str = ""):
    """Attribute the writes inside the block to this user (or to a label such as 'import')."""
    token = _actor.set(Actor(user, via, label))
    try:
        yield
    finally:
        _actor.reset(token)


def current() -> Actor | None:
    return _actor.get()


class AuditMiddleware:
    """Attributes writes made while serving a page to the logged-in user (resolved only when needed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "admin" if request.path.startswith("/admin/") else "web"
        token = _actor.set(Actor(lambda: getattr(request, "user", None), via))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


def _plain(value, field=None):
    if isinstance(value, Decimal):
        # Canonical text, so 10 and 10.000000 are one value: money with its cents, other numbers bare.
        if isinstance(field, MoneyField):
            return f"{value:.2f}"
        return plain_number(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, FieldFile):  # a stored file is logged by its name
        return value.name or None
    if isinstance(value, models.Model):
        return str(value)
    return value


def _snapshot(instance) -> dict:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS or field.primary_key:
            continue
        if field.is_relation:
            values[field.name] = getattr(instance, field.attname)
        else:
            values[field.name] = _plain(field.value_from_object(instance), field)
    return values


def _describe(instance, field_name: str, value):
    """Foreign keys are logged as the related object's name, not its number."""
    field = instance._meta.get_field(field_name)
    if field.is_relation and value is not None:
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else value
    return value


def key(obj) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _parent_of(instance) -> str:
    return registry.audit_parent_key(instance)


def _write(instance, action: str, changes: dict) -> None:
    actor = current()
    AuditEntry.objects.create(
        parent=_parent_of(instance),
        user=actor.user if actor else None,
        actor=(actor.label if actor else "") or "system",
        via=actor.via if actor else "",
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        changes=changes,
    )


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._audit_before = None  # noqa: SLF001 - this module's own note on the instance, read in _post_save
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(old) if old is not None else None  # noqa: SLF001 - as above


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    after = _snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {
            k: [None, _describe(instance, k, v)] for k, v in after.items() if v not in (None, "", [], {})
        }
        _write(instance, AuditAction.CREATE, changes)
        return
    changes = {
        k: [_describe(instance, k, before.get(k)), _describe(instance, k, v)]
        for k, v in after.items()
        if before.get(k) != v
    }
    if changes:
        _write(instance, AuditAction.UPDATE, changes)


def _post_delete(sender, instance, **kwargs):
    before = _snapshot(instance)
    _write(
        instance, AuditAction.DELETE, {k: [v, None] for k, v in before.items() if v not in (None, "", [], {})}
    )


def _connect(entry) -> None:
    if not isinstance(entry, registry.Registration) or not entry.audit:
        return
    model = entry.model
    uid = f"regija-audit-{model._meta.label}"
    pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
    post_save.connect(_post_save, sender=model, dispatch_uid=uid)
    post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)


def connect() -> None:
    """Log every model an app registers with ``audit=True`` (``core.registry``)."""
    registry.on_register(_connect)


def record_import(strategy, result) -> None:
    """One entry per imported file that changed something: what it created, changed and removed."""
    changes = {
        "file": [None, result.file],
        **{f"created {k}": [None, n] for k, n in result.created.items() if n},
        **{f"updated {k}": [None, n] for k, n in result.updated.items() if n},
        **{f"deleted {k}": [None, n] for k, n in result.deleted.items() if n},
    }
    actor = current()
    AuditEntry.objects.create(
        user=actor.user if actor else None,
        actor=(actor.label if actor else "") or "import",
        via=(actor.via if actor else "") or "import",
        action=AuditAction.IMPORT,
        content_type=ContentType.objects.get_for_model(type(strategy)),
        object_id=str(strategy.pk),
        object_repr=str(strategy)[:300],
        changes=changes,
    )


def history(obj, limit: int = 200):
    """The entries of one object and of its parts (a project's payments, an indicator's values),
    newest first."""
    from django.db.models import Q

    own = Q(content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk))
    return AuditEntry.objects.filter(own | Q(parent=key(obj))).select_related("user", "content_type")[:limit]
