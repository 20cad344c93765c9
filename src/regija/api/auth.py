"""Authentication of API requests with personal tokens, and the frame every API write runs in."""

from __future__ import annotations

import contextlib

from django.db import transaction
from ninja.security import HttpBearer

from regija.core import audit, tokens

from .errors import InvalidToken


class TokenAuth(HttpBearer):
    """Personal API tokens (``Authorization: Bearer rgj_…``); the token's user acts for the request."""

    def authenticate(self, request, token: str):
        user = tokens.authenticate(token.strip())
        if user is None:
            raise InvalidToken()
        # Views, permissions and the audit log all read request.user.
        request.user = user
        return user


token_auth = TokenAuth()


@contextlib.contextmanager
def writing(request):
    """One API write: attributed to the token's user in the audit log, all or nothing."""
    with audit.acting(request.user, via="api"), transaction.atomic():
        yield
