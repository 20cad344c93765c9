"""Two tabs voting at once count once: concurrent ballots of one person on PostgreSQL (threads, one
connection each, released together). SQLite serialises every write, so there the race cannot happen and
the test is skipped. The test commits for real; the source documents are loaded again afterwards."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from regija.budgeting import services
from regija.budgeting.models import Ballot, BallotChoice

from .world import build, proposals_on_ballot


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
def pg(_source_documents_again, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent ballots are tested on PostgreSQL (SQLite serialises every write)")


def _at_once(*jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        from django.utils import translation

        try:
            barrier.wait()
            with translation.override("en"):
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


def test_two_tabs_voting_at_once_count_once(pg, clock):
    pb = build(clock)
    made = proposals_on_ballot(pb, {"center": ["5000", "6000", "7000"]})
    a, b, c = (p.pk for p in made["center"])
    voter = pb.voter(username="dva-zavihka")
    pb.at("voting")
    for _ in range(8):  # several rounds: a second ballot would show up in one of them
        Ballot.objects.all().delete()
        results = _at_once(
            lambda: services.cast_ballot(voter, pb.process, [a, b]),
            lambda: services.cast_ballot(voter, pb.process, [c]),
        )
        assert not any(isinstance(r, Exception) for r in results), results
        assert Ballot.objects.filter(process=pb.process, voter=voter).count() == 1
        chosen = sorted(BallotChoice.objects.values_list("proposal_id", flat=True))
        assert chosen in (sorted([a, b]), [c])  # one tab's choices, never a mix or both


def test_many_tabs_of_one_voter_and_other_voters_at_once(pg, clock):
    pb = build(clock)
    made = proposals_on_ballot(pb, {"center": ["5000", "6000"]})
    a, b = (p.pk for p in made["center"])
    same = pb.voter(username="isti")
    others = [pb.voter(username=f"drug-{i}") for i in range(3)]
    pb.at("voting")
    jobs = [lambda: services.cast_ballot(same, pb.process, [a])] * 4
    jobs += [lambda u=u: services.cast_ballot(u, pb.process, [a, b]) for u in others]
    results = _at_once(*jobs)
    assert not any(isinstance(r, Exception) for r in results), results
    assert Ballot.objects.filter(process=pb.process).count() == 4
    assert BallotChoice.objects.filter(proposal_id=a).count() == 4
