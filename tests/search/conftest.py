"""The seed strategies are loaded by tests/conftest.py without signals; index them once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def search_index(django_db_setup, django_db_blocker):
    """Build the index over the five seed strategies (committed once; each test then rolls back its
    changes)."""
    from regija.search.indexing import rebuild

    with django_db_blocker.unblock():
        return rebuild()


@pytest.fixture
def indexed(search_index, db):
    """A test that reads or changes the index of the seed data."""
    return search_index
