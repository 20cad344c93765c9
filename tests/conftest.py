"""Shared fixtures: the five source documents are loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = sorted((ROOT / "data" / "strategies").glob("*.yaml"))
EXAMPLE = ROOT / "docs" / "examples" / "example.yaml"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the source documents once; each test then runs in a transaction that is rolled back."""
    from regija.interchange.importer import import_files

    with django_db_blocker.unblock():
        import_files(SEED_FILES)


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
