"""Fixtures of the interchange tests: an empty database to import exports into, and the call of
tests/calls (a LAS Zasavje call with its committee, applicant and staff) to build data with the
calls workflow."""

from __future__ import annotations

import pytest

from tests.calls.conftest import clock, published, world  # noqa: F401 – fixtures used here too


@pytest.fixture
def empty_database():
    """A function that deletes every strategy, organisation and fund – first the calls, applications
    and governance bodies that hold organisations and funds – so that exports import into nothing."""

    def empty() -> None:
        from regija.calls.models import Application, ApplicationFund, Call, Score, ScoreSheet
        from regija.core.models import Organisation
        from regija.governance.models import Body
        from regija.projects.models import BudgetLine, Fund, Project
        from regija.strategies.models import Indicator, Node, Strategy

        Score.objects.all().delete()
        ScoreSheet.objects.all().delete()
        ApplicationFund.objects.all().delete()
        Application.objects.all().delete()
        Call.objects.all().delete()
        Body.objects.all().delete()
        Strategy.objects.all().delete()
        BudgetLine.objects.all().delete()
        Project.objects.all().delete()
        Fund.objects.all().delete()
        Organisation.objects.all().delete()
        assert not Node.objects.exists() and not Indicator.objects.exists()

    return empty
