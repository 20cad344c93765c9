"""Who may change what: one rule, used by the back office, the staff pages and the API alike.

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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias, TypeVar

from django.db.models import Model, QuerySet

from . import registry
from .models import Membership, Role

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
    """action is 'view_staff', 'change', 'delete' or 'manage' (money and outcomes: programme staff)."""
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
