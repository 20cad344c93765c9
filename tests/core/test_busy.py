"""Writes during an import wait a bounded time, then answer 503 with Retry-After and say why – never a
500, and nothing of them is stored (issue 12, point 10).

The lock is held for real by another connection: on SQLite a second sqlite3 connection that has begun
an IMMEDIATE transaction (what `regija import` holds for its whole run), on PostgreSQL a transaction
that has locked the table the write needs. SQLite needs a database file for that (the test database
is in memory), so those tests copy the test database into a file and serve the requests from it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client

from regija.core import busy, tokens
from regija.core.models import AuditEntry
from regija.strategies.models import Observation

LAS = "las-zasavje-2023"
NEW = dt.date(2024, 6, 30)
WAIT = 0.5  # the bounded wait these tests run with (REGIJA_DB_LOCK_WAIT is 10 s by default)


@pytest.fixture
def database_file(django_db_blocker, tmp_path):
    """The test database copied into a file and served from it (with a lock wait of WAIT seconds),
    for as long as the test runs; the in-memory one is back afterwards, untouched (so this test runs
    outside the usual rolled-back transaction: what it writes goes to the file)."""
    if connections["default"].vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL's locks are tested below")
    path = tmp_path / "regija.sqlite3"
    with django_db_blocker.unblock():
        memory = connections["default"]
        memory.ensure_connection()
        target = sqlite3.connect(path)
        memory.connection.backup(target)
        target.close()
        settings_dict = {**memory.settings_dict, "NAME": str(path)}
        settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "timeout": WAIT}
        on_file = type(memory)(settings_dict, "default")
        connections["default"] = on_file
        try:
            yield path
        finally:
            on_file.close()
            connections["default"] = memory


@contextmanager
def sqlite_write_lock(path):
    """Another connection holds the database's write lock, as an import does during its transaction."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def editor(member):
    return member("editor", "las-zasavje")


def _post_page(client):
    return client.post(
        f"/kazalniki/{LAS}/K1/nova-meritev/",
        {"date": NEW.isoformat(), "value": "12.5"},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER=f"http://testserver/kazalniki/{LAS}/K1/",
    )


def _post_api(client, raw):
    return client.post(
        f"/api/v1/indicators/{LAS}/K1/observations",
        data=json.dumps({"date": NEW.isoformat(), "value": "12.5"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


def _nothing_written(observations: int, entries: int) -> None:
    assert Observation.objects.count() == observations
    assert not Observation.objects.filter(indicator__strategy__slug=LAS, date=NEW).exists()
    assert AuditEntry.objects.count() == entries


def test_a_page_write_during_an_import_waits_briefly_then_answers_503_and_says_an_import_runs(
    database_file, client, editor
):
    client.force_login(editor)
    observations, entries = Observation.objects.count(), AuditEntry.objects.count()
    with busy.announce_import(), sqlite_write_lock(database_file):
        started = time.monotonic()
        response = _post_page(client)
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = response.content.decode()
    assert "An import of data is running" in text and "Nothing was saved" in text
    assert '<link rel="stylesheet"' in text  # a page of the site, not a bare error
    assert f'href="http://testserver/kazalniki/{LAS}/K1/"' in text  # back to the form
    assert WAIT <= waited < WAIT + 5  # it waited for the lock, and not for long
    _nothing_written(observations, entries)
    # once the import is over, the same write goes through
    assert _post_page(client).status_code == 302
    assert Observation.objects.filter(indicator__strategy__slug=LAS, date=NEW).exists()


def test_an_api_write_during_an_import_answers_503_json_with_retry_after(database_file, client, editor):
    _token, raw = tokens.create(editor, "test")
    observations, entries = Observation.objects.count(), AuditEntry.objects.count()
    with busy.announce_import(), sqlite_write_lock(database_file):
        response = _post_api(client, raw)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "detail": "An import of data is running, so changes cannot be saved just now. "
        "Nothing was saved; try again in a minute."
    }
    _nothing_written(observations, entries)
    assert _post_api(client, raw).status_code == 201


def test_a_lock_held_by_another_writer_says_busy_without_naming_an_import(database_file, client, editor):
    client.force_login(editor)
    observations, entries = Observation.objects.count(), AuditEntry.objects.count()
    with sqlite_write_lock(database_file):
        response = _post_page(client)
    assert response.status_code == 503 and response["Retry-After"] == "10"
    text = response.content.decode()
    assert "The database is busy with another change" in text and "import" not in text
    _nothing_written(observations, entries)


def test_an_import_marker_is_seen_by_other_processes_and_goes_with_the_import(database_file):
    assert not busy.import_running()
    with busy.announce_import():
        assert busy.import_running()
    assert not busy.import_running()


def test_a_second_import_waits_for_the_first(database_file):
    said: list[str] = []
    order: list[str] = []
    first_in = threading.Event()
    release = threading.Event()

    on_file = connections["default"]

    def first():  # another process, as far as the lock goes: a connection of its own to the file
        connections["default"] = type(on_file)(on_file.settings_dict, "default")
        with busy.announce_import():
            first_in.set()
            release.wait(5)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    threading.Timer(0.2, release.set).start()
    with busy.announce_import(on_wait=lambda: said.append("waiting")):
        order.append("second in")
    thread.join()
    assert said == ["waiting"] and order == ["first done", "second in"]


@pytest.mark.django_db
def test_other_database_errors_are_not_turned_into_503():
    from django.db import DatabaseError

    class Cause(Exception):
        sqlite_errorcode = 1  # SQLITE_ERROR

    error = OperationalError("no such table: x")
    error.__cause__ = Cause()
    assert not busy.is_lock_timeout(error)
    assert not busy.is_lock_timeout(DatabaseError("database is locked"))


@pytest.mark.django_db
def test_the_wait_is_set_from_regija_db_lock_wait(settings):
    """The bound is REGIJA_DB_LOCK_WAIT seconds: SQLite's busy timeout, PostgreSQL's lock_timeout."""
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor == "sqlite":
        assert options["timeout"] == settings.REGIJA_DB_LOCK_WAIT == 10
    else:
        assert "-c lock_timeout=10000" in options["options"]


# ---------------------------------------------------------------------------------------------
# PostgreSQL: an import locks what it writes; a web write that needs it waits lock_timeout


@pytest.fixture
def pg_locked_observations():
    """Another connection holds a lock on the observations table that lets readers in and keeps
    writers out, as an import writing observations does."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout")
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{int(WAIT * 1000)}ms'")
    other = connection.copy()
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Observation._meta.db_table} IN EXCLUSIVE MODE")
    try:
        yield other
    finally:
        other.rollback()
        other.close()


@pytest.mark.django_db
def test_postgresql_page_and_api_writes_meet_a_lock_and_answer_503(pg_locked_observations, editor):
    client = Client()
    client.force_login(editor)
    _token, raw = tokens.create(editor, "test")
    observations, entries = Observation.objects.count(), AuditEntry.objects.count()
    started = time.monotonic()
    page = _post_page(client)
    waited = time.monotonic() - started
    assert page.status_code == 503 and page["Retry-After"] == "10"
    assert "The database is busy with another change" in page.content.decode()
    assert WAIT <= waited < WAIT + 5
    api = _post_api(Client(), raw)
    assert api.status_code == 503 and api["Retry-After"] == "10"
    assert api.json()["detail"].startswith("The database is busy with another change")
    _nothing_written(observations, entries)


@pytest.mark.django_db
def test_postgresql_says_an_import_is_running_when_one_is(pg_locked_observations, editor):
    other = pg_locked_observations
    with other.cursor() as cursor:  # the import's session holds the advisory lock it announces with
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", (0x5245474A, 1))
    client = Client()
    client.force_login(editor)
    response = _post_page(client)
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "An import of data is running" in response.content.decode()


@pytest.mark.django_db
def test_a_lock_timeout_outside_a_view_still_answers_503(rf):
    """handler500: a lock met on the way out (a session saved by the middleware) is not a 500 either."""
    locked = OperationalError("database is locked")
    locked.__cause__ = sqlite3.OperationalError("database is locked")
    locked.__cause__.sqlite_errorcode = 5  # SQLITE_BUSY
    request = rf.post("/odjava/", HTTP_ACCEPT_LANGUAGE="en")
    try:
        raise locked
    except OperationalError:
        response = busy.server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "10"
    try:
        raise ValueError("something else")
    except ValueError:
        assert busy.server_error(request).status_code == 500
