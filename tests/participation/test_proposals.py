"""Proposals: who makes and supports them, the threshold and the deadline of the answer, the states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.test import override_settings

from regija.core.models import AuditEntry
from regija.core.services import Conflict, Forbidden, Refused
from regija.participation import selectors, services
from regija.participation.models import Proposal, ProposalEvent, Support
from tests.factories import ProjectFactory, member, resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched by their English wording (the pages show them translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def data(place, **kw):
    return services.ProposalData(
        **{"organisation": place.town, "title": "Pitnik", "text": "Pitnik na trgu.", **kw}
    )


def test_only_verified_residents_of_the_municipality_make_proposals(place):
    for who in (place.neighbour, resident(place.other, username="sosed")):
        with pytest.raises(Forbidden, match="verified residents"):
            services.proposal_create(who, data(place))
    with pytest.raises(Forbidden, match="Confirm your e-mail"):
        services.proposal_create(place.unconfirmed, data(place))
    assert Proposal.objects.count() == 1  # the fixture's


def test_a_proposal_takes_a_node_and_a_point(place):
    p = services.proposal_create(place.resident, data(place, node=place.nodes["U1"], lat=46.36, lon=15.11))
    assert (p.node, p.lat, p.lon, p.state) == (place.nodes["U1"], 46.36, 15.11, "new")


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"title": "x" * 201}, "title"),
        ({"text": ""}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"lat": 46.0}, "lat"),
        ({"lat": 95.0, "lon": 15.0}, "lat"),
        ({"lat": 46.0, "lon": 200.0}, "lon"),
    ],
)
def test_bad_input_is_refused_with_its_field(place, kw, field):
    with pytest.raises(Refused) as err:
        services.proposal_create(place.resident, data(place, **kw))
    assert err.value.field == field
    assert Proposal.objects.count() == 1


def test_one_support_per_resident_and_the_database_holds_it_too(place):
    p = place.proposal
    services.proposal_support(place.resident, p)
    with pytest.raises(Conflict, match="already support"):
        services.proposal_support(place.resident, p)
    p.refresh_from_db()
    assert p.supports_count == 1 and Support.objects.filter(proposal=p).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(proposal=p, user=place.resident)


def test_non_residents_and_unconfirmed_accounts_cannot_support(place):
    for who in (place.neighbour, place.unconfirmed, resident(place.other, username="sosed")):
        with pytest.raises(Forbidden):
            services.proposal_support(who, place.proposal)
    assert not Support.objects.exists()


def test_a_support_is_withdrawn_while_the_proposal_is_open(place):
    p = services.proposal_support(place.resident, place.proposal)
    p = services.proposal_withdraw_support(place.resident, p)
    assert p.supports_count == 0 and not Support.objects.exists()
    with pytest.raises(Refused, match="do not support"):
        services.proposal_withdraw_support(place.resident, p)


@override_settings(REGIJA_PROPOSAL_THRESHOLD=2, REGIJA_PROPOSAL_RESPONSE_DAYS=30)
def test_at_the_threshold_the_answer_falls_due_and_is_overdue_after_the_deadline(place, clock):
    start = dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    clock(start)
    p = services.proposal_create(place.resident, data(place))
    assert p.threshold == 2
    services.proposal_support(place.resident, p)
    assert p.respond_by is None
    p = services.proposal_support(resident(place.town, username="druga"), p)
    assert p.threshold_reached_at == start and p.respond_by == start + dt.timedelta(days=30)
    clock(start + dt.timedelta(days=31))
    assert selectors.is_overdue(p) and p in selectors.overdue()
    services.proposal_transition(place.staff, p, "under_review", "Preučujemo.")
    p.refresh_from_db()
    assert not selectors.is_overdue(p) and p not in selectors.overdue()


def test_states_move_on_with_a_public_answer_and_history(place):
    p = place.proposal
    services.proposal_transition(place.staff, p, "under_review", "Preučujemo.")
    with pytest.raises(Refused) as err:
        services.proposal_transition(place.staff, p, "rejected", "  ")
    assert err.value.field == "text"
    with pytest.raises(Refused) as err:
        services.proposal_transition(place.staff, p, "implemented", "Narejeno.")
    assert err.value.field == "state"
    services.proposal_transition(place.staff, p, "accepted", "Sprejeto.")
    with pytest.raises(Refused) as err:
        services.proposal_transition(place.staff, p, "implemented", "Narejeno.")
    assert err.value.field == "project"
    project = ProjectFactory(strategy=place.strategy, code="P-1")
    services.proposal_transition(place.staff, p, "implemented", "Klopi stojijo.", project=project)
    p.refresh_from_db()
    assert (p.state, p.project, p.answer) == ("implemented", project, "Klopi stojijo.")
    assert [(e.state_from, e.state_to) for e in ProposalEvent.objects.filter(proposal=p)] == [
        ("new", "under_review"),
        ("under_review", "accepted"),
        ("accepted", "implemented"),
    ]
    ct = ContentType.objects.get_for_model(Proposal)
    assert AuditEntry.objects.filter(content_type=ct, object_id=str(p.pk), action="update").count() == 3


def test_a_decided_proposal_takes_no_supports_and_no_comments(place):
    p = place.proposal
    services.proposal_transition(place.staff, p, "rejected", "Ni v pristojnosti občine.")
    with pytest.raises(Refused, match="decided"):
        services.proposal_support(place.resident, p)
    with pytest.raises(Refused, match="decided"):
        services.comment_add(place.resident, p, "Škoda.")


def test_only_the_municipalitys_staff_review(place):
    for who in (place.resident, member("editor", place.other, username="tuja")):
        with pytest.raises(Forbidden):
            services.proposal_transition(who, place.proposal, "under_review", "Preučujemo.")
