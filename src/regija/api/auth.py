"""Authentication of API requests with personal tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ninja.security import HttpBearer

from regija.core import tokens

from .errors import InvalidToken

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


class TokenAuth(HttpBearer):
    """Personal API tokens (``Authorization: Bearer rgj_…``); the token's user acts for the request."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user: User | None = tokens.authenticate(token.strip())
        if user is None:
            raise InvalidToken()
        # Views, permissions and the audit log all read request.user.
        request.user = user
        return user


token_auth = TokenAuth()
