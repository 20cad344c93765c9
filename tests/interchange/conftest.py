"""Fixtures of the interchange tests: an empty database to import exports into. Data made with the
calls workflow comes from the builders of tests/factories.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def empty_database():
    """A function that deletes every strategy, organisation and fund – first the calls, applications,
    governance bodies and datasets that hold organisations and funds – so that exports import into
    nothing."""

    def empty() -> None:
        from regija.calls.models import Application, ApplicationFund, Call, Score, ScoreSheet
        from regija.core.models import Organisation
        from regija.governance.models import Body
        from regija.lake.models import Dataset
        from regija.projects.models import BudgetLine, Fund, Project
        from regija.strategies.models import Indicator, Node, Strategy

        Score.objects.all().delete()
        ScoreSheet.objects.all().delete()
        ApplicationFund.objects.all().delete()
        Application.objects.all().delete()
        Call.objects.all().delete()
        Body.objects.all().delete()
        Dataset.objects.all().delete()
        Strategy.objects.all().delete()
        BudgetLine.objects.all().delete()
        Project.objects.all().delete()
        Fund.objects.all().delete()
        Organisation.objects.all().delete()
        assert not Node.objects.exists() and not Indicator.objects.exists()

    return empty


@pytest.fixture(autouse=True)
def _english(_default_language):
    """These tests assert the English wording of the problems (the default language is Slovenian; the
    Slovenian wording is asserted in tests/i18n/test_file_problems.py)."""
    from django.utils import translation

    with translation.override("en"):
        yield
