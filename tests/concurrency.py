"""Races tested with real concurrent writers on PostgreSQL (a plugin of tests/conftest.py): threads with
a connection each, released together. SQLite serialises every write, so there the races cannot happen
and these tests are skipped. They commit for real (transactional tests), so each builds its own small
world, and the source documents are loaded again after the module for the tests that follow."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation


@pytest.fixture(scope="module")
def source_documents_again(django_db_blocker):
    yield
    from regija.calls.importer import import_files as import_governance
    from regija.interchange.importer import import_files

    from .conftest import GOVERNANCE_FILES, SEED_FILES

    with django_db_blocker.unblock():
        import_files(SEED_FILES)
        import_governance(GOVERNANCE_FILES)


@pytest.fixture
def pg(source_documents_again, transactional_db, settings):
    """A transactional test on PostgreSQL (skipped on SQLite), with a fast password hasher."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL (SQLite serialises every write)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at_once(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads released together; each gives its result or the exception it raised
    (refusals in English: the language is per thread), and closes its own database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            with translation.override("en"):
                results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
