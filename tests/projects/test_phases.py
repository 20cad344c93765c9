"""One phase model: an application's planned phases and an operation's phases share their fields,
their rule (a phase ends after it starts) and their copy on approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from regija.calls.models import ApplicationPhase
from regija.projects.models import Phase, Project, ProjectPhase
from tests.factories import ProjectPhaseFactory

pytestmark = pytest.mark.django_db


def _fields(model) -> list[tuple[str, str]]:
    return [(f.name, type(f).__name__) for f in model._meta.concrete_fields if f.name in Phase.PLAN_FIELDS]


def test_both_phase_models_have_the_fields_and_the_rule_of_one_definition():
    assert _fields(ApplicationPhase) == _fields(ProjectPhase) != []
    names = {c.name for model in (ApplicationPhase, ProjectPhase) for c in model._meta.constraints}
    assert names == {"calls_applicationphase_ends_after_start", "projects_projectphase_ends_after_start"}


def test_a_phase_ends_after_it_starts():
    phase = ProjectPhase(title="1. faza", start=dt.date(2027, 6, 1), end=dt.date(2027, 5, 31))
    with pytest.raises(ValidationError) as invalid:
        phase.clean()
    assert "end" in invalid.value.message_dict
    ProjectPhase(title="1. faza", start=dt.date(2027, 6, 1), end=dt.date(2027, 6, 1)).clean()
    ProjectPhase(title="1. faza", end=dt.date(2027, 6, 1)).clean()
    project = Project.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectPhaseFactory(project=project, title="x", start=dt.date(2027, 6, 1), end=dt.date(2027, 1, 1))


def test_the_copy_keeps_title_dates_and_amount_in_order():
    project = Project.objects.first()
    planned = [
        ApplicationPhase(
            title="Priprava", start=dt.date(2027, 6, 1), end=dt.date(2027, 8, 31), amount=Decimal("100.50")
        ),
        ApplicationPhase(title="Izvedba", amount=None),
    ]
    before = project.phases.count()
    copies = ProjectPhase.copy_from(project, planned)
    assert [(p.order, p.title, p.start, p.end, p.amount) for p in copies] == [
        (0, "Priprava", dt.date(2027, 6, 1), dt.date(2027, 8, 31), Decimal("100.50")),
        (1, "Izvedba", None, None, None),
    ]
    assert project.phases.count() == before + 2
