"""The audit log: every change to a tracked object, whoever makes it and through whichever door.

Changes are caught at the model layer (pre_save/post_save/post_delete signals), so the back
office, the staff forms and the API cannot forget to log. Who is acting comes from a context
variable the middleware (pages) or the API authentication sets; the importer writes one summary
entry per file, because it writes rows in bulk without signals.

Every entry is written by ``_append``, which chains it to the one before: it stores that entry's
hash (``prev_hash``) and its own (``hash``), the SHA-256 of its facts and of ``prev_hash``
(``digest``). ``verify`` walks the chain and names the first entry that was changed, or whose
predecessor was deleted, in the database (``regija audit verify``).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from . import registry
from .models import AuditAction, AuditEntry, AuditHead
from .money import MoneyField, plain_number

# Fields that are bookkeeping, not facts a person changed (or, like a token's hash and a user's last
# sign-in, not for the log).
IGNORED_FIELDS = {
    "id",
    "order",
    "path",
    "depth",
    "imported_at",
    "created_at",
    "last_used_at",
    "key_hash",
    "last_login",
}
# Secrets: the log says that they changed, never what they are.
SECRET_FIELDS = {"password"}
HIDDEN = "***"

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
    if isinstance(value, uuid.UUID):
        return str(value)
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
        if field.name in SECRET_FIELDS:
            # compared before and after, logged as HIDDEN (_describe)
            secret = field.value_from_object(instance)
            values[field.name] = hashlib.sha256(str(secret).encode()).hexdigest() if secret else None
        elif field.is_relation:
            values[field.name] = getattr(instance, field.attname)
        else:
            values[field.name] = _plain(field.value_from_object(instance), field)
    return values


def _describe(instance, field_name: str, value):
    """Foreign keys are logged as the related object's name, not its number; secrets as HIDDEN."""
    if field_name in SECRET_FIELDS:
        return HIDDEN if value is not None else None
    field = instance._meta.get_field(field_name)
    if field.is_relation and value is not None:
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else value
    return value


def key(obj) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _parent_of(instance) -> str:
    return registry.audit_parent_key(instance)


# --- the chain -----------------------------------------------------------------------------------

# The version of the serialisation below; a new one would be recognised by a new prefix.
_FORMAT = "regija-audit-1"


def _canonical_numbers(value):
    """Numbers as both databases give them back: PostgreSQL's jsonb reads ``1e16`` back as an integer
    and ``3.0`` may come back as ``3``, so integral numbers are integers and numbers beyond the exact
    integers of a float (2**53) are floats, whichever way they were written."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else float(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, list):
        return [_canonical_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical_numbers(v) for k, v in value.items()}
    return value


def digest(
    *,
    at: dt.datetime,
    actor: str,
    via: str,
    action: str,
    content_type: str,
    object_id: str,
    object_repr: str,
    changes: dict,
    parent: str,
    prev_hash: str,
) -> str:
    """The SHA-256 (hex) of one entry's facts and the previous entry's hash.

    The facts are serialised canonically – JSON with sorted keys, no spaces, the moment in UTC with
    microseconds, the model as ``app_label.model`` – so the hash computed when the entry is written is
    the hash computed from the row read back, on SQLite and PostgreSQL alike. The user's id is left
    out: it is set to NULL when a user is deleted, and ``actor`` keeps the name."""
    facts = {
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "via": via,
        "action": action,
        "content_type": content_type,
        "object_id": object_id,
        "object_repr": object_repr,
        # as stored: through JSON and back (tuples become lists, keys text), numbers as read back
        "changes": _canonical_numbers(json.loads(json.dumps(changes))),
        "parent": parent,
        "prev_hash": prev_hash,
    }
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(f"{_FORMAT}\n{text}".encode()).hexdigest()


def _content_type_key(content_type_id: int) -> str:
    ct = ContentType.objects.get_for_id(content_type_id)
    return f"{ct.app_label}.{ct.model}"


def entry_digest(entry: AuditEntry) -> str:
    """What ``entry``'s hash must be, from its stored facts."""
    return digest(
        at=entry.at,
        actor=entry.actor,
        via=entry.via,
        action=entry.action,
        content_type=_content_type_key(entry.content_type_id),
        object_id=entry.object_id,
        object_repr=entry.object_repr,
        changes=entry.changes,
        parent=entry.parent,
        prev_hash=entry.prev_hash,
    )


def _locked_head() -> AuditHead:
    """The chain's head row, locked until the transaction ends (created if missing: on a new or
    emptied database; then it continues from the last entry there is)."""
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
        start = AuditHead(pk=1, entry_id=last[0] if last else None, hash=last[1] if last else "")
        AuditHead.objects.bulk_create([start], ignore_conflicts=True)  # another process may be first
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def _append(**fields) -> AuditEntry:
    """Write one entry at the end of the chain. The head row is locked until the surrounding transaction
    ends, so entries are chained in the order of their ids, one transaction after another."""
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        entry = AuditEntry(at=timezone.now(), prev_hash=head.hash, **fields)
        entry.hash = entry_digest(entry)
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(entry_id=entry.pk, hash=entry.hash)
    return entry


def head() -> AuditHead | None:
    """The chain's end as stored: the last entry's id and hash (None before the first entry)."""
    return AuditHead.objects.filter(pk=1).first()


@dataclasses.dataclass(frozen=True)
class Break:
    """Where the chain is broken: the entry (None when the end itself is wrong) and what is wrong."""

    entry_id: int | None
    at: dt.datetime | None
    problem: str


@dataclasses.dataclass(frozen=True)
class Verification:
    checked: int
    last_id: int | None
    last_hash: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _entries(after_id: int | None) -> Iterator[AuditEntry]:
    fields = ("at", "actor", "via", "action", "content_type", "object_id", "object_repr", "changes")
    entries = AuditEntry.objects.order_by("id").only(*fields, "parent", "prev_hash", "hash")
    if after_id is not None:
        entries = entries.filter(id__gt=after_id)
    return entries.iterator(2000)


@dataclasses.dataclass
class _Walk:
    """How far ``verify`` got: entries checked, the last one, whether the kept head was among them."""

    kept_head: str
    checked: int = 0
    prev: AuditEntry | None = None
    seen_kept: bool = False

    def step(self, entry: AuditEntry) -> Break | None:
        prev = self.prev
        if entry_digest(entry) != entry.hash:
            return Break(entry.pk, entry.at, "content altered")
        if entry.prev_hash != (prev.hash if prev is not None else ""):
            problem = (
                f"predecessor missing: the entry it follows is not entry {prev.pk}, the one before it "
                f"now (entries between them were deleted, or entry {prev.pk} was rewritten)"
                if prev is not None
                else "predecessor missing: it follows an entry that is not there (entries before it were "
                "deleted)"
            )
            return Break(entry.pk, entry.at, problem)
        self.checked += 1
        self.seen_kept = self.seen_kept or entry.hash == self.kept_head
        self.prev = entry
        return None

    def end(self) -> tuple[int | None, str]:
        return (self.prev.pk, self.prev.hash) if self.prev is not None else (None, "")


def verify(kept_head: str = "") -> Verification:
    """Walk the whole chain in id order and stop at the first break: an entry whose facts no longer
    give its hash (changed in the database), or whose ``prev_hash`` is not the hash of the entry
    before it (that one, or several, deleted), or an end that is not the head's (the last entries
    deleted). ``kept_head`` – a hash printed earlier by ``regija audit head`` and kept elsewhere – must
    still be in the chain; that catches a log rewritten or cut short from that entry on.

    The site may write while this runs: entries committed after the walk began are walked too, until
    the walk ends where the head (read after it) says the chain ends."""
    walk = _Walk(kept_head, seen_kept=not kept_head)
    stored: AuditHead | None = None
    for _round in range(10):  # each round follows what was committed during the one before
        walked = 0
        for entry in _entries(walk.end()[0]):
            broken = walk.step(entry)
            if broken is not None:
                return Verification(walk.checked, None, "", broken)
            walked += 1
        stored = head()
        ahead = stored is not None and stored.entry_id is not None and stored.entry_id > (walk.end()[0] or 0)
        if not (ahead and walked):
            break
    last_id, last_hash = walk.end()
    if stored is None and last_id is not None:
        problem = "the record of the chain's end (the AuditHead row) was deleted"
        return Verification(walk.checked, None, "", Break(None, None, problem))
    if stored is not None and (stored.entry_id, stored.hash) != (last_id, last_hash):
        ends = f"the log ends at entry {last_id}" if last_id is not None else "the log is empty"
        problem = (
            f"the last entry written was {stored.entry_id}, but {ends}: entries at the end were "
            "deleted, or the record of the end was changed"
        )
        return Verification(walk.checked, None, "", Break(stored.entry_id, None, problem))
    if not walk.seen_kept:
        problem = (
            f"the head you kept ({kept_head}) is not in the chain: the log was rewritten or cut "
            "short from that entry on"
        )
        return Verification(walk.checked, last_id, last_hash, Break(None, None, problem))
    return Verification(walk.checked, last_id, last_hash, None)


# --- writing entries -------------------------------------------------------------------------------


def _write(instance, action: str, changes: dict) -> None:
    actor = current()
    _append(
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
    if sender is get_user_model() and (actor := current()) is not None:
        # The signed-in user is read now, while the stored password still matches the session: read
        # after a new password is saved, Django would end the session (a password reset by a signed-in
        # user lost its token and answered 500).
        _ = actor.user
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
    _append(
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


def record_batch(model, description: str, changes: dict) -> None:
    """One entry for many rows written in bulk without signals (a batch of device measures): what the
    batch did, in counts, attributed to whoever is acting (the ingest worker)."""
    actor = current()
    _append(
        user=actor.user if actor else None,
        actor=(actor.label if actor else "") or "worker",
        via=(actor.via if actor else "") or "worker",
        action=AuditAction.UPDATE,
        content_type=ContentType.objects.get_for_model(model),
        object_id="",
        object_repr=description[:300],
        changes=changes,
    )
