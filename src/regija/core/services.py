"""What every app's service functions share: the refusals they raise, the permission checks, the clock.

A service function (``strategies.services``, ``projects.services``, ``calls.services`` …) checks who
is acting and whether the step is allowed now, validates, writes in one transaction (the audit log
records it, attributed to who acts) – or raises one of these refusals with a message for the user (in
the active language) and, when one input is at fault, the path of that field (``"date"``,
``"budget_lines.0.amount"``). Each door translates them its own way by ``status``: the API into
403 / 409 / 422 answers (``regija.api.errors.refusals``), pages and the back office into messages
and form errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, permissions

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .permissions import Actor


class Refused(Exception):
    """A step that is not done: ``message`` says why; ``field`` is the path of the input at fault.

    ``status`` is 422 when an input is at fault (a field is named), else 409: the step is not allowed
    in the present state; it may be given explicitly."""

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status if status is not None else (422 if field else 409)


class Forbidden(Refused):
    """A step this user may not take (403); without a message, a general "You may not do this."."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("You may not do this."), status=403)


class Conflict(Refused):
    """The input is valid but clashes with what is stored, e.g. a second value on one date (409)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, field=field, status=409)


def require(condition: bool, message: str | None = None) -> None:
    """Raise ``Forbidden`` (with ``message``, if given) unless ``condition`` holds – a permission check."""
    if not condition:
        raise Forbidden(message)


def require_permission(user: Actor, action: str, obj: Model) -> None:
    """Forbidden unless ``core.permissions.can(user, action, obj)``: the one rule of who may write what."""
    if not permissions.can(user, action, obj):
        if action == "delete":
            raise Forbidden(
                _("You may not delete this: it belongs to organisations where you do not have that right.")
            )
        raise Forbidden(
            _("You may not change this: it belongs to organisations where you are not an editor or admin.")
        )


def validate(instance: Model, fields: Iterable[str] | None = None) -> None:
    """The model's own field rules (length, choices, required, …) for ``fields`` (all when None), refused
    with the first problem and its field; uniqueness and constraints are the service's explicit checks."""
    exclude = None
    if fields is not None:
        exclude = {f.name for f in instance._meta.get_fields()} - set(fields)
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.message_dict.items()))
            raise Refused(errors[0], field=None if field == NON_FIELD_ERRORS else field, status=422) from None
        raise Refused(exc.messages[0], status=422) from None


def now() -> dt.datetime:
    """The server's clock: the moment the request is handled, compared with deadlines and stored as such."""
    return timezone.now()


def record_save(user: User, obj: Model, *, via: str = "admin") -> None:
    """Save a record as a back-office form changed it: the one rule of who may change what is checked on
    the *new* values too (an editor cannot move a project to another organisation's strategy), in one
    transaction, attributed in the audit log. The form has validated the fields."""
    require_permission(user, "change", obj)
    with transaction.atomic(), audit.acting(user, via=via):
        obj.save()


def record_delete(user: User, objects: Iterable[Model], *, via: str = "admin") -> int:
    """Delete records – one, or those a back-office action selected – all or none: each must be one the
    user may delete (``delete_role`` of its app's registration). Returns how many."""
    objects = list(objects)
    for obj in objects:
        require_permission(user, "delete", obj)
    with transaction.atomic(), audit.acting(user, via=via):
        for obj in objects:
            obj.delete()
    return len(objects)
