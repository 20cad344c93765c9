"""Fixtures of the governance-file tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(_default_language):
    """These tests assert the English wording of the problems (the default language is Slovenian; the
    Slovenian wording is asserted in tests/i18n/test_file_problems.py)."""
    from django.utils import translation

    with translation.override("en"):
        yield
