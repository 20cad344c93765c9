"""What every app's service functions share: the refusal they raise, the permission check, the clock.

A service function (``calls.services``, ``projects.services`` …) checks who is acting and whether the
step is allowed now, writes in one transaction, and raises ``Refused`` with a message for the user
when the step is not allowed. Pages show the message, the API answers with ``status``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _


class Refused(Exception):
    """A step that is not allowed: the message says why, in the user's language."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 409):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status  # 403 when it is about who acts, 409 when about the state, 422 about the data


class Forbidden(Refused):
    """A step this user may not take (403); without a message, a general "You may not do this."."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("You may not do this."), status=403)


def require(condition: bool, message: str | None = None) -> None:
    """Raise ``Forbidden`` (with ``message``, if given) unless ``condition`` holds – the permission check."""
    if not condition:
        raise Forbidden(message)


def now() -> dt.datetime:
    """The server's clock: the moment the request is handled, compared with deadlines and stored as such."""
    return timezone.now()
