"""Shared fixtures: the five source documents are loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.concurrency"]  # the PostgreSQL race fixtures (pg, source_documents_again)

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = sorted((ROOT / "data" / "strategies").glob("*.yaml"))
GOVERNANCE_FILES = sorted((ROOT / "data" / "governance").glob("*.yaml"))
EXAMPLE = ROOT / "docs" / "examples" / "example.yaml"
BUNDLE = ROOT / "data" / "datasets" / "datasets.yaml"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, _session_lake):
    """Load the source documents once (strategies, then governance, then the bundled statistics as
    datasets in the session's lake); each test then runs in a transaction that is rolled back."""
    from django.test import override_settings

    from regija.calls.importer import import_files as import_governance
    from regija.interchange.importer import import_files
    from regija.lake.bundle_loader import load_bundle

    with django_db_blocker.unblock():
        import_files(SEED_FILES)
        import_governance(GOVERNANCE_FILES)
        lake = {"REGIJA_LAKE_URL": str(_session_lake / "files"), "REGIJA_LAKE_CACHE": _session_lake / "cache"}
        with override_settings(**lake):
            load_bundle(BUNDLE)


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def write_file(tmp_path):
    """Write text to a named file and return its path."""

    def write(text: str, name: str = "strategy.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread; every test starts in Slovenian."""
    from django.utils import translation

    translation.activate("sl")
    yield
    translation.activate("sl")


@pytest.fixture(autouse=True)
def _page_cache(request, settings):
    """Tests roll back their transactions, so the data version never moves: cached pages would go stale
    between tests, and within a test after a write made outside ``django_capture_on_commit_callbacks``.
    So most tests run without a cache. Tests marked ``real_cache`` (whole read-only modules, and
    tests/core/test_caching.py) run with a real one, emptied before and after each test, under this
    release's key prefix – as served; ``real_cache(False)`` takes one test of such a module out (one
    that counts the queries of rendering a page, say)."""
    marker = request.node.get_closest_marker("real_cache")
    if marker is not None and marker.args != (False,):
        from django.core.cache import cache

        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "tests",
                "KEY_PREFIX": settings.REGIJA_RELEASE,
            }
        }
        cache.clear()
        yield
        cache.clear()
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        yield


@pytest.fixture(scope="session")
def _collected_static(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


@pytest.fixture(autouse=True)
def _static_root(settings, _collected_static):
    """Tests never read the checkout's var/static (which `regija up` fills with hashed names): pages
    link the plain names. A test that collects (`regija up`) sets its own STATIC_ROOT."""
    settings.STATIC_ROOT = _collected_static


@pytest.fixture(scope="session", autouse=True)
def _jobs_run_at_once():
    """Background jobs run in the test's own process, at once, as REGIJA_TASKS_IMMEDIATE=true does."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(scope="session")
def _session_lake(tmp_path_factory):
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(autouse=True)
def _lake(settings, _session_lake):
    """Tests never write the checkout's var/lake: the lake is a folder of the test session."""
    settings.REGIJA_LAKE_URL = str(_session_lake / "files")
    settings.REGIJA_LAKE_CACHE = _session_lake / "cache"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing a password the production way takes ~1 s per user; tests make many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member():
    """Make a user with a role in an organisation: member("editor", "mov") → a logged-in-able user
    (tests.factories.member)."""
    from tests.factories import member

    return member


@pytest.fixture
def clock():
    """Move the server clock: clock(moment) – every timezone.now() after it returns that moment
    (tests.factories.Clock); back to the real time after the test."""
    from tests.factories import Clock

    moving = Clock()
    yield moving
    moving.stop()


@pytest.fixture(autouse=True)
def _staff_mfa(request, settings):
    """Staff must use two-factor authentication (REGIJA_STAFF_MFA, on in production); tests sign staff in
    with force_login, so it is off – except in tests marked ``staff_mfa`` (tests/accounts)."""
    settings.REGIJA_STAFF_MFA = request.node.get_closest_marker("staff_mfa") is not None
