"""The permission matrix's world is built once per module, inside a transaction rolled back at the end;
each cell runs in a savepoint of it (pytest-django's ``db``), so a cell's write never reaches the next."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory, _session_lake):
    from .world import build

    media = tmp_path_factory.mktemp("matrix-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    lake = {"REGIJA_LAKE_URL": str(_session_lake / "files"), "REGIJA_LAKE_CACHE": _session_lake / "cache"}
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast, **lake),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build()
            world.sessions = _sessions(world)
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _sessions(world) -> dict[str, str]:
    """A signed-in session per role, made once with the world: a cell only sets its cookie."""
    from django.conf import settings
    from django.test import Client

    sessions = {}
    for role, user in world.users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


@pytest.fixture(scope="module")
def matrix_client(world):
    """One test client for the whole matrix: its handler (the middleware chain) is built once."""
    from django.test import Client

    return Client()
