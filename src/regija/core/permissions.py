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

An editor or admin of an owning organisation may change the object; deleting whole strategies
or projects needs the admin role. A superuser may do everything. Viewers see staff pages
(consistency report, audit log) but change nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Membership, Organisation, Role

RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}
_CACHE_ATTR = "_regija_roles"


def roles(user) -> dict[int, str]:
    """Organisation id → role for this user; read once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user) -> None:
    """Drop the cached roles (after memberships change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_staff(user) -> bool:
    """May see staff pages: superusers, Django staff and members of any organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.is_staff or bool(roles(user))


def org_ids_with(user, minimum: str) -> set[int] | None:
    """Organisations where the user has at least this role; None means every organisation (superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    need = RANK[Role(minimum)]
    return {org for org, role in roles(user).items() if RANK[Role(role)] >= need}


def member_role_at_least(user, organisation_id: int, minimum: str) -> bool:
    """Whether the user has at least this role in the organisation (a superuser has every role)."""
    ids = org_ids_with(user, minimum)
    return ids is None or organisation_id in ids


def can_edit_anything(user) -> bool:
    ids = org_ids_with(user, Role.EDITOR)
    return ids is None or bool(ids)


def owner_ids(obj) -> set[int]:
    """The organisations an object belongs to (see the module docstring)."""
    from regija.projects.models import Allocation, BudgetLine, Partner, Payment, Project, StatedFigure
    from regija.strategies.models import Alignment, Indicator, Node, Observation, Strategy

    if isinstance(obj, Organisation):
        return {obj.pk}
    if isinstance(obj, Strategy):
        return _strategy_owner_ids(obj.pk) if obj.pk else set()
    if isinstance(obj, (Node, Indicator, StatedFigure)):
        return _strategy_owner_ids(obj.strategy_id)
    if isinstance(obj, Observation):
        return _strategy_owner_ids(
            Indicator.objects.values_list("strategy_id", flat=True).get(pk=obj.indicator_id)
        )
    if isinstance(obj, (Alignment, Allocation)):
        return _strategy_owner_ids(obj.declared_in_id)
    if isinstance(obj, Project):
        owners = _strategy_owner_ids(obj.strategy_id) if obj.strategy_id else set()
        if obj.holder_id:
            owners.add(obj.holder_id)
        return owners
    if isinstance(obj, (Partner, BudgetLine, Payment)):
        return owner_ids(Project.objects.only("strategy_id", "holder_id").get(pk=obj.project_id))
    path = _owning_organisation_path(type(obj))
    if path is not None:
        if path == "organisation":
            return {obj.organisation_id} if obj.organisation_id else set()
        # follow the parent as it is now (also before it is saved): the call, application, body, session …
        from django.core.exceptions import ObjectDoesNotExist

        try:
            parent = getattr(obj, path.split("__", 1)[0])
        except ObjectDoesNotExist:
            return set()
        return owner_ids(parent) if parent is not None else set()
    raise TypeError(f"no ownership rule for {type(obj).__name__}")


def _owning_organisation_path(model) -> str | None:
    """For calls and governance: the lookup from the model to the one organisation that owns it."""
    from regija.calls import models as calls
    from regija.governance import models as gov

    paths = {
        calls.Call: "organisation",
        calls.CallFund: "call__organisation",
        calls.CallDocument: "call__organisation",
        calls.EligibilityCondition: "call__organisation",
        calls.Criterion: "call__organisation",
        calls.CommitteeSeat: "call__organisation",
        calls.Application: "call__organisation",
        calls.ApplicationFund: "application__call__organisation",
        calls.ApplicationPartner: "application__call__organisation",
        calls.ApplicationPhase: "application__call__organisation",
        calls.Attachment: "application__call__organisation",
        calls.EligibilityCheck: "application__call__organisation",
        calls.Assignment: "application__call__organisation",
        calls.ScoreSheet: "assignment__application__call__organisation",
        calls.Score: "sheet__assignment__application__call__organisation",
        gov.Body: "organisation",
        gov.Term: "body__organisation",
        gov.Member: "term__body__organisation",
        gov.Session: "body__organisation",
        gov.AgendaItem: "session__body__organisation",
        gov.Decision: "session__body__organisation",
    }
    return paths.get(model)


def _strategy_owner_ids(strategy_id) -> set[int]:
    from regija.strategies.models import Strategy

    return set(
        Strategy.owners.through.objects.filter(strategy_id=strategy_id).values_list(
            "organisation_id", flat=True
        )
    )


def can(user, action: str, obj) -> bool:
    """action is 'view_staff', 'change' or 'delete'."""
    if action == "view_staff":
        need = Role.VIEWER
    elif action == "change":
        need = Role.EDITOR
    elif action == "delete":
        from regija.projects.models import Project
        from regija.strategies.models import Strategy

        need = Role.ADMIN if isinstance(obj, (Strategy, Project, Organisation)) else Role.EDITOR
    else:
        raise ValueError(action)
    allowed = org_ids_with(user, need)
    if allowed is None:
        return True
    return bool(allowed & owner_ids(obj))


def can_change(user, obj) -> bool:
    return can(user, "change", obj)


def editable(user, qs: QuerySet) -> QuerySet:
    """The part of a queryset this user may change, as one filter (no query per row)."""
    allowed = org_ids_with(user, Role.EDITOR)
    if allowed is None:
        return qs
    if not allowed:
        return qs.none()
    return qs.filter(_owner_q(qs.model, allowed)).distinct()


def _owner_q(model, allowed: set[int]) -> Q:
    from regija.projects.models import Allocation, BudgetLine, Partner, Payment, Project, StatedFigure
    from regija.strategies.models import Alignment, Indicator, Node, Observation, Strategy

    if model is Strategy:
        return Q(owners__in=allowed)
    if model in (Node, Indicator, StatedFigure):
        return Q(strategy__owners__in=allowed)
    if model is Observation:
        return Q(indicator__strategy__owners__in=allowed)
    if model in (Alignment, Allocation):
        return Q(declared_in__owners__in=allowed)
    if model is Project:
        return Q(holder__in=allowed) | Q(strategy__owners__in=allowed)
    if model in (Partner, BudgetLine, Payment):
        return Q(project__holder__in=allowed) | Q(project__strategy__owners__in=allowed)
    if model is Organisation:
        return Q(pk__in=allowed)
    path = _owning_organisation_path(model)
    if path is not None:
        return Q(**{f"{path}__in": allowed})
    raise TypeError(f"no ownership rule for {model.__name__}")
