"""Authentication of API requests with personal tokens."""

from __future__ import annotations

from ninja.security import HttpBearer

from regija.core import tokens

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
