"""Who may read and change what: one rule, used by the back office, the staff pages and the API alike.

A user belongs to organisations with a role (viewer, editor, admin). An object belongs to the
organisations that own it:

- a strategy, its nodes, indicators, observations, alignments, allocations and stated figures:
  the strategy's owners;
- a project, its partners, budget lines and payments: the project's holder *and* the owners of
  the strategy that lists it (a LAS keeps the operations of its calls current even though
  another organisation holds them);
- a public call and all that hangs on it (budget by fund, conditions, criteria, committee seats,
  documents, applications with their funds, partners, phases and attachments, score sheets): the
  organisation that issued the call;
- a body, its terms, members, sessions, agenda items and decisions: the body's organisation.

Each app registers these rules for its models in ``core.registry``, so this module knows no app.
An editor or admin of an owning organisation may change the object; deleting whole strategies,
projects or organisations needs the admin role. Money and outcomes are separated from the other
owners' rights: ``can(user, "manage", obj)`` holds only for editors and admins of the organisations
registered as the object's ``programme`` (a project's: the owners of the strategy that lists it –
programme staff), not for its holder (the beneficiary); ``manageable()`` is the same as a filter.
A superuser may do everything. Viewers see staff pages (consistency report, audit log) but change
nothing.

**Reading.** ``visible(user, qs)`` is the part of a queryset a user may read, as one filter (no query
per row), and ``can(user, "view", obj)`` the same for one object. A row is read by everyone when it
matches its model's ``public`` filter (a strategy in any status and all of its content, a
published call, an organisation that is not a natural person, …), and otherwise only by its
``readers`` (by default the members, any role, of its owning organisations; an application also by
its applicant and, after the call closes, the evaluators it is assigned to; a score sheet by its
evaluator and the committee's chair; see each app's ``apps.py``). A model nobody registered is read by
superusers only. An audit entry is read by whoever reads the audited object as one of its readers –
not merely because it is public – and, once that object is deleted, by the readers of the object it
was part of (a deleted payment's project); entries of objects gone without a trace only by superusers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias, TypeVar

from django.db.models import CharField, Model, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from . import registry
from .models import AuditEntry, Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Who acts: request.user, signed in or not (services, permissions and the API take it as it is).
    Actor: TypeAlias = User | AnonymousUser

M = TypeVar("M", bound=Model)

RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}
_CACHE_ATTR = "_regija_roles"


def roles(user: Actor | None) -> dict[int, str]:
    """Organisation id → role for this user; read once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return {}
    cached: dict[int, str] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Actor) -> None:
    """Drop the cached roles (after memberships change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_staff(user: Actor | None) -> bool:
    """May see staff pages: superusers, Django staff and members of any organisation (None: no user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.is_staff or bool(roles(user))


def org_ids_with(user: Actor | None, minimum: str) -> set[int] | None:
    """Organisations where the user has at least this role; None means every organisation (superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    need = RANK[Role(minimum)]
    return {org for org, role in roles(user).items() if RANK[Role(role)] >= need}


def member_role_at_least(user: Actor, organisation_id: int, minimum: str) -> bool:
    """Whether the user has at least this role in the organisation (a superuser has every role)."""
    ids = org_ids_with(user, minimum)
    return ids is None or organisation_id in ids


def can_edit_anything(user: Actor) -> bool:
    ids = org_ids_with(user, Role.EDITOR)
    return ids is None or bool(ids)


def owner_ids(obj: Model) -> set[int]:
    """The organisations an object belongs to, as its app registered them (``core.registry``)."""
    return registry.owner_ids(obj)


def can(user: Actor, action: str, obj: Model) -> bool:
    """action is 'view' (may read it: ``visible``), 'view_staff' (a member of an owning organisation),
    'change', 'delete' or 'manage' (money and outcomes: programme staff)."""
    if action == "view":
        return _can_view(user, obj)
    if action == "manage":
        allowed = org_ids_with(user, Role.EDITOR)
        if allowed is None:
            return True
        entry = registry.get(type(obj))
        return entry is not None and bool(entry.owners) and bool(allowed & registry.programme_ids(obj))
    if action == "view_staff":
        need = Role.VIEWER
    elif action == "change":
        need = Role.EDITOR
    elif action == "delete":
        need = Role(registry.delete_role(type(obj)))
    else:
        raise ValueError(action)
    allowed = org_ids_with(user, need)
    if allowed is None:
        return True
    entry = registry.get(type(obj))
    if entry is None or not entry.owners:
        return False  # a record no organisation owns (a fund): superusers only
    if action == "delete" and entry.programme_deletes:
        return bool(allowed & registry.programme_ids(obj))
    return bool(allowed & owner_ids(obj))


def can_change(user: Actor, obj: Model) -> bool:
    return can(user, "change", obj)


def editable(user: Actor, qs: QuerySet[M]) -> QuerySet[M]:
    """The part of a queryset this user may change, as one filter (no query per row)."""
    allowed = org_ids_with(user, Role.EDITOR)
    if allowed is None:
        return qs
    if not allowed:
        return qs.none()
    return qs.filter(registry.owner_q(qs.model, allowed)).distinct()


def manageable(user: Actor, qs: QuerySet[M]) -> QuerySet[M]:
    """The part of a queryset whose money and outcomes this user manages (``can(user, "manage", …)``)."""
    allowed = org_ids_with(user, Role.EDITOR)
    if allowed is None:
        return qs
    if not allowed:
        return qs.none()
    return qs.filter(registry.programme_q(qs.model, allowed)).distinct()


# --- reading -----------------------------------------------------------------------------------


def _active(user: Actor | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def reader_q(user: Actor | None, model: type[Model]) -> Q | None:
    """The rows of ``model`` this user reads as one of its readers (not because they are public), as a
    filter; None means every row (a superuser)."""
    if _active(user) and user.is_superuser:  # type: ignore[union-attr]
        return None
    nothing = Q(pk__in=[])
    if not _active(user):
        return nothing
    from django.contrib.auth import get_user_model

    member_of = org_ids_with(user, Role.VIEWER) or set()
    q = nothing
    for reader in registry.readers_of(model):
        if registry.reader_target(model, reader.path) is get_user_model():
            found = Q(**{reader.path: user.pk})  # type: ignore[union-attr]
        elif member_of:
            found = Q(**{f"{reader.path}__in": member_of})
        else:
            continue
        if reader.when is not None:
            found &= reader.when() if callable(reader.when) else reader.when
        q |= found
    return q


def visible_q(user: Actor | None, model: type[Model]) -> Q | None:
    """The rows of ``model`` this user may read, as a filter; None means every row."""
    if model is AuditEntry:
        return _audit_q(user)
    own = reader_q(user, model)
    if own is None:
        return None
    public = registry.public_filter(model)
    if public is None:
        return own
    if not public:  # Q(): every row is public
        return None
    return public | own


def visible(user: Actor | None, qs: QuerySet[M]) -> QuerySet[M]:
    """The part of a queryset this user may read, as one filter (no query per row). Lookups through
    many rows (an application's assignments) are taken in a subquery, so no row comes twice."""
    q = visible_q(user, qs.model)
    if q is None:
        return qs
    return qs.filter(pk__in=qs.model._default_manager.filter(q).values("pk"))


def _can_view(user: Actor, obj: Model) -> bool:
    """One query (none for a superuser); an unsaved object is nobody's to read yet."""
    if _active(user) and user.is_superuser:
        return True
    if obj.pk is None:
        return False
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def _audit_q(user: Actor | None) -> Q | None:
    """Audit entries of the objects this user reads as a reader (see the module docstring)."""
    if _active(user) and user.is_superuser:  # type: ignore[union-attr]
        return None
    q = Q(pk__in=[])
    if not _active(user):
        return q
    from django.contrib.contenttypes.models import ContentType

    for entry in registry.registrations():
        if not entry.audit:
            continue
        model = entry.model
        ct = ContentType.objects.get_for_model(model)
        own = reader_q(user, model)
        ids = model._default_manager.annotate(audit_key=Cast("pk", CharField()))
        readable = ids.filter(own) if own is not None else ids
        q |= Q(content_type=ct, object_id__in=readable.values("audit_key"))
        parent_model = registry.audit_parent_model(model)
        if parent_model is not None:
            parent_q = reader_q(user, parent_model)
            parents = parent_model._default_manager.annotate(
                audit_key=Concat(
                    Value(f"{parent_model._meta.label_lower}:"),
                    Cast("pk", CharField()),
                    output_field=CharField(),
                )
            )
            if parent_q is not None:
                parents = parents.filter(parent_q)
            gone = ~Q(object_id__in=ids.values("audit_key"))
            q |= Q(content_type=ct, parent__in=parents.values("audit_key")) & gone
    return q
