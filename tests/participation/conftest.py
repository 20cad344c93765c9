"""A municipality with a draft strategy, its staff and residents, an open consultation of the strategy
and a proposal – built through participation's services."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from regija.participation import services
from tests.api.conftest import api  # noqa: F401 - the JSON client of the API tests
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    confirmed_user,
    member,
    resident,
    strategy_with_nodes,
)


@dataclasses.dataclass
class Place:
    town: object
    other: object
    strategy: object
    nodes: dict
    staff: object
    resident: object
    neighbour: object  # a confirmed person, not a resident
    unconfirmed: object
    consultation: object
    proposal: object


@pytest.fixture
def place(db):
    town = OrganisationFactory(slug="obcina-velenje", name="Mestna občina Velenje", kind="municipality")
    other = OrganisationFactory(slug="obcina-soseda", name="Občina Soseda", kind="municipality")
    strategy, nodes = strategy_with_nodes(
        [("C1", "goal", [("U1", "measure"), ("U2", "measure")])],
        slug="osnutek-strategije",
        title="Osnutek strategije",
        status="draft",
        owners=[town],
    )
    staff = member("editor", town, username="uradnica")
    person = resident(town, username="metka")
    neighbour = confirmed_user(username="janez")

    unconfirmed = UserFactory(username="nepotrjen")
    now = timezone.now()
    consultation = services.consultation_create(
        staff,
        services.ConsultationData(
            organisation=town,
            title="Javna obravnava osnutka",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=14),
            strategy=strategy,
        ),
    )
    proposal = services.proposal_create(
        person, services.ProposalData(organisation=town, title="Klopi v parku", text="Več klopi ob jezeru.")
    )
    return Place(town, other, strategy, nodes, staff, person, neighbour, unconfirmed, consultation, proposal)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (notify's queued deliveries) as a committed transaction would."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run
