"""Supports at the same moment, on PostgreSQL with real concurrent requests (threads, one connection
each): one person pressing "support" in two tabs counts once; two people at once count twice. These
tests commit for real (a transactional test), so they build their own small world and the source
documents are loaded again afterwards for the tests that follow."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from regija.core.services import Conflict
from regija.participation import services
from regija.participation.models import Proposal, Support
from tests.factories import OrganisationFactory, resident


@pytest.fixture(scope="module")
def _source_documents_again(django_db_blocker):
    yield
    from regija.calls.importer import import_files as import_governance
    from regija.interchange.importer import import_files

    from ..conftest import GOVERNANCE_FILES, SEED_FILES

    with django_db_blocker.unblock():
        import_files(SEED_FILES)
        import_governance(GOVERNANCE_FILES)


@pytest.fixture
def pg(_source_documents_again, transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL (SQLite serialises every write)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _at_once(*jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


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
        results = _at_once(
            lambda: services.proposal_support(person, Proposal.objects.get(pk=proposal.pk)),
            lambda: services.proposal_support(person, Proposal.objects.get(pk=proposal.pk)),
        )
        assert sum(isinstance(r, Conflict) for r in results) == 1, results
        assert Support.objects.filter(proposal=proposal).count() == 1
        assert Proposal.objects.get(pk=proposal.pk).supports_count == 1


def test_two_people_supporting_at_once_count_twice(pg):
    town, proposal = _proposal()
    people = [resident(town, username=f"oseba-{i}") for i in range(2)]
    results = _at_once(
        *[lambda p=p: services.proposal_support(p, Proposal.objects.get(pk=proposal.pk)) for p in people]
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert Proposal.objects.get(pk=proposal.pk).supports_count == 2
