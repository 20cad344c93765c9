"""Fixtures of the API tests: a JSON client, and users with a role and a personal token."""

from __future__ import annotations

import json

import pytest

BASE = "/api/v1"


@pytest.fixture
def api(client):
    """Call the API with JSON bodies: api.get("/strategies"), api.patch(url, {...}, token=raw)."""

    class Api:
        def _headers(self, token, headers):
            extra = dict(headers or {})
            if token:
                extra["HTTP_AUTHORIZATION"] = "Bearer " + token
            return extra

        def get(self, path, params=None, *, token=None, headers=None):
            return client.get(BASE + path, params or {}, **self._headers(token, headers))

        def send(self, method, path, body=None, *, token=None, headers=None, raw_body=None):
            data = raw_body if raw_body is not None else ("" if body is None else json.dumps(body))
            return getattr(client, method)(
                BASE + path, data=data, content_type="application/json", **self._headers(token, headers)
            )

        def post(self, path, body=None, **kw):
            return self.send("post", path, body, **kw)

        def put(self, path, body=None, **kw):
            return self.send("put", path, body, **kw)

        def patch(self, path, body=None, **kw):
            return self.send("patch", path, body, **kw)

        def delete(self, path, **kw):
            return self.send("delete", path, None, **kw)

    return Api()


@pytest.fixture
def token_for(member):
    """token_for("editor", "las-zasavje") → (user, raw token); token_for(superuser=True) for a superuser."""
    from regija.core import tokens

    def make(role=None, org=None, **kw):
        user = member(role, org, **kw)
        _token, raw = tokens.create(user, "tests")
        return user, raw

    return make


def loc_of(response) -> list[list]:
    """The field paths of a 422 answer."""
    assert response.status_code == 422, response.content
    return [e["loc"] for e in response.json()["detail"]]
