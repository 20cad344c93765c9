"""What every service (the functions that write) raises when it will not do a write.

A service checks who acts and what is asked before it writes; when it refuses, it raises one of these
with a message for the user (in the active language) and, when one input is at fault, the path of
that field (``"date"``, ``"budget_lines.0.amount"``). Each door translates them its own way: the API
into 403 / 409 / 422, the pages and the back office into messages and form errors.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from . import permissions


class Refused(Exception):
    """The write is not done: ``message`` says why; ``field`` is the path of the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Forbidden(Refused):
    """The acting user may not do this (API: 403)."""


class Conflict(Refused):
    """The input is valid but clashes with what is stored, e.g. a second value on one date (API: 409)."""


def require(condition, message: str, *, field: str | None = None) -> None:
    """Refuse with ``message`` (about ``field``) unless ``condition`` holds."""
    if not condition:
        raise Refused(message, field=field)


def validate(instance, fields=None) -> None:
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
            raise Refused(errors[0], field=None if field == NON_FIELD_ERRORS else field) from None
        raise Refused(exc.messages[0]) from None


def require_permission(user, action: str, obj) -> None:
    """Forbidden unless ``core.permissions.can(user, action, obj)``: the one rule of who may write what."""
    if not permissions.can(user, action, obj):
        if action == "delete":
            raise Forbidden(
                _("You may not delete this: it belongs to organisations where you do not have that right.")
            )
        raise Forbidden(
            _("You may not change this: it belongs to organisations where you are not an editor or admin.")
        )
