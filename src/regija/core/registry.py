"""What the apps tell the base about their models: who owns them, what the audit log follows, what is public.

``core`` imports no other app. Each app registers its models here in its ``AppConfig.ready()``::

    registry.register(Observation, owners=["indicator__strategy__owners"], audit_parent="indicator",
                      history="observation")

and the base then works for that model without knowing it:

- **permissions** (``core.permissions``): an object belongs to the organisations reached by the
  ``owners`` lookups (an organisation field, or a path of foreign keys ending in one, or ``"pk"`` for
  an organisation itself); ``delete_role`` is the role needed to delete it; ``programme`` names the
  lookups to the owners who alone *manage* it – money and outcomes, kept from the other owners (a
  project's holder) by separation of duties (``core.permissions.can(user, "manage", obj)``); without
  it, every owner manages; with ``programme_deletes=True`` only the programme's organisations delete
  it (a project: its holder may not delete it and its money with it);
- **who may read** (``core.permissions.visible`` and ``can(user, "view", obj)``): ``public`` is a filter
  (``Q``, or a function returning one when it depends on the clock) of the rows everyone may read,
  anonymous visitors included – ``Q()`` for all, ``None`` (the default) for none; the other rows are
  read by their ``readers``: each a ``Reader(path, when=…)`` (or just the path) – a lookup to an
  organisation, whose members of any role read the row, or to a user, who reads it – optionally only
  for the rows matching ``when``. Without ``readers`` the members of the owning organisations read
  (the ``owners`` paths); ``add_readers`` lets another app add readers to a model it does not own
  (projects: the owners of a strategy read the natural person that holds one of its projects);
- **the audit log** (``core.audit``): ``audit=True`` logs every save and delete, and ``audit_parent``
  names the foreign key of the object it is part of, so a project's history shows its payments;
- **object history** (``core.views.history``): ``history`` is the URL name of the model in
  ``/zgodovina/<name>/<id>/``;
- **cached pages** (``core.caching``): ``register_public_app`` marks an app's rows as public data, so
  any change there raises the data version that cached pages and ETags are keyed by;
- **the consistency report** (``regija check``): ``register_consistency_check`` adds a check of an app
  that the report's app (projects) cannot import – the lake checks what the documents' text claims about
  their own tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import AppConfig
from django.db import models
from django.db.models import Q

from .models import Role

# Rows as a filter: a Q, or a function returning one (read when the filter is built: "closed by now").
RowFilter = Q | Callable[[], Q]


@dataclasses.dataclass(frozen=True)
class Reader:
    """Who may read a row that is not public: ``path`` leads to an organisation (its members, any role,
    read the row) or to a user (that user reads it); ``when`` limits it to the rows matching a filter."""

    path: str
    when: RowFilter | None = None


@dataclasses.dataclass(frozen=True)
class Registration:
    model: type[models.Model]
    owners: tuple[str, ...]
    delete_role: str
    audit: bool
    audit_parent: str | None
    history: str | None
    # Lookups to the organisations whose editors manage the object (money, outcomes); () = the owners.
    programme: tuple[str, ...] = ()
    public: RowFilter | None = None
    readers: tuple[Reader, ...] | None = None  # None: the members of the owners
    programme_deletes: bool = False  # deleting needs delete_role at a programme organisation


_models: dict[type[models.Model], Registration] = {}
_history: dict[str, type[models.Model]] = {}
_extra_readers: dict[type[models.Model], tuple[Reader, ...]] = {}
_public_apps: dict[str, tuple[AppConfig, frozenset[str]]] = {}
# Called with each Registration and each public app's AppConfig (core.audit, core.caching).
Listener = Callable[[Registration | AppConfig], None]
_listeners: list[Listener] = []
# Called with the strategy the report is about (or None for all); returns findings, each with a ``kind``
# ("contradiction" or "unverifiable") and a text (``str()``) naming what and where.
ConsistencyCheck = Callable[[Any], list[Any]]
_consistency_checks: dict[str, ConsistencyCheck] = {}


def register(
    model: type[models.Model],
    *,
    owners: Iterable[str] = (),
    delete_role: str = Role.EDITOR,
    audit: bool = False,
    audit_parent: str | None = None,
    history: str | None = None,
    programme: Iterable[str] = (),
    public: RowFilter | None = None,
    readers: Iterable[Reader | str] | None = None,
    programme_deletes: bool = False,
) -> Registration:
    """Tell the base about one model (see the module docstring). Registering again replaces it."""
    owners = tuple(owners)
    programme = tuple(programme)
    for path in (*owners, *programme):
        _check_path(model, path)
    if audit_parent is not None:
        _parent_fields(model, audit_parent)  # fails now, at start-up, for a wrong path
    read_by = None if readers is None else _readers(model, readers)
    entry = Registration(
        model,
        owners,
        Role(delete_role),
        audit,
        audit_parent,
        history,
        programme,
        public,
        read_by,
        programme_deletes,
    )
    _models[model] = entry
    if history:
        _history[history] = model
    for listener in _listeners:
        listener(entry)
    return entry


def add_readers(model: type[models.Model], readers: Iterable[Reader | str]) -> None:
    """More readers of a model another app registered: an app that links to it names who reads it
    through the link (``Reader`` paths from ``model``), in its ``AppConfig.ready()``, before or after
    the model's own registration."""
    _extra_readers[model] = _extra_readers.get(model, ()) + _readers(model, readers)


def readers_of(model: type[models.Model]) -> tuple[Reader, ...]:
    """Who reads the rows of ``model`` that are not public: its readers (by default the members of its
    owners) and the readers other apps added."""
    entry = _models.get(model)
    if entry is None:
        own: tuple[Reader, ...] = ()
    elif entry.readers is None:
        own = tuple(Reader(path) for path in entry.owners)
    else:
        own = entry.readers
    return own + _extra_readers.get(model, ())


def public_filter(model: type[models.Model]) -> Q | None:
    """The rows of ``model`` everyone may read, as a filter (``Q()`` for all), or None for none."""
    entry = _models.get(model)
    if entry is None or entry.public is None:
        return None
    return entry.public() if callable(entry.public) else entry.public


def reader_target(model: type[models.Model], path: str) -> type[models.Model]:
    """The model a reader's path leads to: an organisation or a user."""
    if path == "pk":
        return model
    current = model
    for part in path.split("__"):
        related = current._meta.get_field(part).related_model
        if related is None:
            raise ValueError(f"{model.__name__}: '{path}' does not lead to an organisation or a user")
        current = related
    return current


def _readers(model: type[models.Model], readers: Iterable[Reader | str]) -> tuple[Reader, ...]:
    from django.contrib.auth import get_user_model

    from .models import Organisation

    out = tuple(r if isinstance(r, Reader) else Reader(r) for r in readers)
    for reader in out:
        if reader_target(model, reader.path) not in (Organisation, get_user_model()):
            raise ValueError(f"{model.__name__}: '{reader.path}' does not lead to an organisation or a user")
    return out


def register_public_app(app_config: AppConfig, *, private: Iterable[str] = ()) -> None:
    """Every model of this app (its many-to-many tables included) holds public data, except the
    models named in ``private`` (bookkeeping that no public page shows)."""
    _public_apps[app_config.label] = (app_config, frozenset(private))
    for listener in _listeners:
        listener(app_config)


_account_panels: list[str] = []


def register_account_panel(template: str) -> None:
    """A section an app adds to the account page (``/racun/``): a template rendered there with the page's
    context (``request``, ``user``); e.g. the address of one's calendar feed."""
    if template not in _account_panels:
        _account_panels.append(template)


def account_panels() -> list[str]:
    return list(_account_panels)


def on_register(listener: Listener) -> None:
    """Call ``listener`` with every registration, those made so far and those still to come.

    The audit log and the cache connect their signals this way, whatever the order apps are ready in."""
    _listeners.append(listener)
    for entry in list(_models.values()):
        listener(entry)
    for app_config, _private in list(_public_apps.values()):
        listener(app_config)


def get(model: type[models.Model]) -> Registration | None:
    return _models.get(model)


def is_public(model: type[models.Model]) -> bool:
    meta = model._meta
    app = _public_apps.get(meta.app_label)
    return app is not None and meta.object_name not in app[1]


def public_app_labels() -> frozenset[str]:
    return frozenset(_public_apps)


def history_model(name: str) -> type[models.Model] | None:
    return _history.get(name)


def history_name(model: type[models.Model]) -> str | None:
    entry = _models.get(model)
    return entry.history if entry else None


def _parent_fields(model: type[models.Model], path: str) -> list[models.ForeignObject[Any, Any]]:
    """The foreign keys along ``path`` ('assignment__application'), checked."""
    fields: list[models.ForeignObject[Any, Any]] = []
    current = model
    for part in path.split("__"):
        field = current._meta.get_field(part)
        if not field.many_to_one or not isinstance(field, models.ForeignObject):
            raise ValueError(f"{model.__name__}: '{path}' is not a path of foreign keys")
        fields.append(field)
        current = field.related_model
    return fields


def audit_parent_model(model: type[models.Model]) -> type[models.Model] | None:
    """The model of the object a change of ``model`` also belongs to (its ``audit_parent``), or None."""
    entry = _models.get(model)
    if entry is None or entry.audit_parent is None:
        return None
    return _parent_fields(model, entry.audit_parent)[-1].related_model


def audit_parent_key(obj: models.Model) -> str:
    """'projects.project:12' for a payment: the object whose history a change of ``obj`` belongs to,
    by the ``audit_parent`` its app registered; '' when it has none."""
    entry = _models.get(type(obj))
    if entry is None or entry.audit_parent is None:
        return ""
    *hops, last = _parent_fields(type(obj), entry.audit_parent)
    current: models.Model | None = obj
    for field in hops:
        current = getattr(current, field.name)
        if current is None:
            return ""
    return f"{last.related_model._meta.label_lower}:{getattr(current, last.attname)}"


def registrations() -> list[Registration]:
    """Every registration so far."""
    return list(_models.values())


def _check_path(model: type[models.Model], path: str) -> None:
    if path == "pk":
        return
    current = model
    for part in path.split("__"):
        field = current._meta.get_field(part)
        related = field.related_model
        if not field.is_relation or related is None:
            raise ValueError(f"{model.__name__}: '{path}' does not lead to an organisation")
        current = related


# --- ownership ---------------------------------------------------------------------------------


def owner_ids(obj: models.Model) -> set[int]:
    """The organisations an object belongs to, by the lookups its app registered.

    Works before the object is saved too (a new node belongs to its strategy's owners): the first
    step follows the foreign key as it is set on the object. A parent already loaded on the object is
    used without a query."""
    entry = _models.get(type(obj))
    if entry is None or not entry.owners:
        raise TypeError(f"no ownership rule for {type(obj).__name__}")
    found: set[int] = set()
    for path in entry.owners:
        found |= _along(obj, path.split("__"))
    return found


def owner_q(model: type[models.Model], allowed: set[int]) -> Q:
    """A filter for the rows of ``model`` that belong to any of the ``allowed`` organisations."""
    entry = _models.get(model)
    if entry is None or not entry.owners:
        raise TypeError(f"no ownership rule for {model.__name__}")
    q = Q()
    for path in entry.owners:
        q |= Q(**{f"{path}__in": allowed})
    return q


def programme_ids(obj: models.Model) -> set[int]:
    """The organisations whose editors manage an object's money and outcomes (its ``programme``
    lookups, or its owners when it registered none)."""
    entry = _models.get(type(obj))
    if entry is None or not entry.programme:
        return owner_ids(obj)
    found: set[int] = set()
    for path in entry.programme:
        found |= _along(obj, path.split("__"))
    return found


def programme_q(model: type[models.Model], allowed: set[int]) -> Q:
    """A filter for the rows of ``model`` that the ``allowed`` organisations manage (``programme_ids``)."""
    entry = _models.get(model)
    if entry is None or not entry.programme:
        return owner_q(model, allowed)
    q = Q()
    for path in entry.programme:
        q |= Q(**{f"{path}__in": allowed})
    return q


def delete_role(model: type[models.Model]) -> str:
    entry = _models.get(model)
    return entry.delete_role if entry else Role.EDITOR


def _along(obj: models.Model, parts: list[str]) -> set[int]:
    if parts == ["pk"]:
        return {obj.pk} if obj.pk is not None else set()
    name, rest = parts[0], parts[1:]
    field = obj._meta.get_field(name)
    if not isinstance(field, models.ForeignObject):
        # many-to-many or reverse: only a saved object has such rows
        if obj.pk is None:
            return set()
        rows = type(obj)._default_manager.filter(pk=obj.pk).values_list("__".join(parts), flat=True)
        return {pk for pk in rows if pk is not None}
    value = getattr(obj, field.attname)
    if value is None:
        return set()
    if not rest:
        return {value}
    if field.is_cached(obj):
        return _along(getattr(obj, name), rest)
    rows = field.related_model._default_manager.filter(pk=value).values_list("__".join(rest), flat=True)
    return {pk for pk in rows if pk is not None}


# --- the consistency report ----------------------------------------------------------------------


def register_consistency_check(name: str, check: ConsistencyCheck) -> None:
    """Add a check to ``regija check`` (from an app's ``AppConfig.ready()``); again under a name
    replaces it."""
    _consistency_checks[name] = check


def consistency_checks() -> list[ConsistencyCheck]:
    """The checks other apps added, in the order they registered."""
    return list(_consistency_checks.values())
