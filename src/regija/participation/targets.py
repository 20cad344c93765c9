"""What comments can hang on: a registry of targets.

Participation registers its consultations' units and its proposals, and public agenda items of council
sessions (governance); an app above participation (participatory budgeting) registers its own model the
same way in its ``AppConfig.ready()``::

    from regija.participation import targets
    targets.register(
        "budget_proposal", BudgetProposal,
        organisation=lambda p: p.process.organisation,   # who answers and moderates
        closed=lambda p, now: None if p.process.phase != "closed" else _("Commenting has ended."),
        residents_of=lambda p: None,                        # a place whose verified residents alone comment
        url=lambda p: p.get_absolute_url(),
    )

and ``services.comment_add(user, target, text)`` accepts its objects; the comment API takes
``target=budget_proposal:<id>``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet

from regija.core.models import Organisation


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    model: type[Model]
    organisation: Callable[[Any], Organisation]
    closed: Callable[[Any, dt.datetime], str | None]  # why commenting is not open now, or None
    residents_of: Callable[[Any], Organisation | None]  # only verified residents of this place comment
    url: Callable[[Any], str]
    public: Callable[[Any], bool] = lambda obj: True  # whether the target itself is public
    select: tuple[str, ...] = ()  # what ``url`` reads besides the object (read with it in lists)


_by_name: dict[str, Target] = {}
_by_model: dict[type[Model], Target] = {}


def register(
    name: str,
    model: type[Model],
    *,
    organisation: Callable[[Any], Organisation],
    closed: Callable[[Any, dt.datetime], str | None],
    residents_of: Callable[[Any], Organisation | None],
    url: Callable[[Any], str],
    public: Callable[[Any], bool] = lambda obj: True,
    select: tuple[str, ...] = (),
) -> None:
    target = Target(name, model, organisation, closed, residents_of, url, public, select)
    _by_name[name] = target
    _by_model[model] = target


def querysets() -> list[QuerySet[Any]]:
    """One queryset per kind of target, with what its ``url`` reads – to prefetch comments' targets."""
    return [t.model._default_manager.select_related(*t.select) for t in _by_model.values()]


def of(obj: Model) -> Target | None:
    """The registration of an object's model, or None when comments cannot hang on it."""
    return _by_model.get(type(obj))


def named(name: str) -> Target | None:
    return _by_name.get(name)


def find(name: str, pk: int) -> Model | None:
    """The target object ``name:pk``, or None."""
    target = _by_name.get(name)
    if target is None or not 0 < pk < 2**63:
        return None
    return target.model._default_manager.filter(pk=pk).first()


def key(obj: Model) -> str:
    """``unit:12``: how the API names a target."""
    target = _by_model[type(obj)]
    return f"{target.name}:{obj.pk}"
