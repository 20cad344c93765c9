"""Supports at the same moment, on PostgreSQL with real concurrent requests (threads, one connection
each): one person pressing "support" in two tabs counts once; two people at once count twice. These
tests commit for real (a transactional test), so they build their own small world and the source
documents are loaded again afterwards for the tests that follow."""

from __future__ import annotations

from regija.core.services import Conflict
from regija.participation import services
from regija.participation.models import Proposal, Support
from tests.concurrency import at_once
from tests.factories import OrganisationFactory, resident


def _proposal():
    town = OrganisationFactory(slug="obcina", name="Občina", kind="municipality")
    author = resident(town, username="avtorica")
    data = services.ProposalData(organisation=town, title="Pitnik", text="Na trgu.")
    return town, services.proposal_create(author, data)


def test_two_tabs_supporting_at_once_count_once(pg):
    town, proposal = _proposal()
    person = resident(town, username="dvojni")
    for _ in range(5):
        Support.objects.all().delete()
        Proposal.objects.filter(pk=proposal.pk).update(supports_count=0)
        results = at_once(
            lambda: services.proposal_support(person, Proposal.objects.get(pk=proposal.pk)),
            lambda: services.proposal_support(person, Proposal.objects.get(pk=proposal.pk)),
        )
        assert sum(isinstance(r, Conflict) for r in results) == 1, results
        assert Support.objects.filter(proposal=proposal).count() == 1
        assert Proposal.objects.get(pk=proposal.pk).supports_count == 1


def test_two_people_supporting_at_once_count_twice(pg):
    town, proposal = _proposal()
    people = [resident(town, username=f"oseba-{i}") for i in range(2)]
    results = at_once(
        *[lambda p=p: services.proposal_support(p, Proposal.objects.get(pk=proposal.pk)) for p in people]
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 2
