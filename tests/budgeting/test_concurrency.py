"""Two tabs voting at once count once: concurrent ballots of one person on PostgreSQL (threads, one
connection each, released together). SQLite serialises every write, so there the race cannot happen and
the test is skipped. The test commits for real; the source documents are loaded again afterwards."""

from __future__ import annotations

from regija.budgeting import services
from regija.budgeting.models import Ballot, BallotChoice
from tests.concurrency import at_once

from .world import build, proposals_on_ballot


def test_two_tabs_voting_at_once_count_once(pg, clock):
    pb = build(clock)
    made = proposals_on_ballot(pb, {"center": ["5000", "6000", "7000"]})
    a, b, c = (p.pk for p in made["center"])
    voter = pb.voter(username="dva-zavihka")
    pb.at("voting")
    for _ in range(8):  # several rounds: a second ballot would show up in one of them
        Ballot.objects.all().delete()
        results = at_once(
            lambda: services.cast_ballot(voter, pb.process, [a, b]),
            lambda: services.cast_ballot(voter, pb.process, [c]),
        )
        assert not any(isinstance(r, Exception) for r in results), results
        assert Ballot.objects.filter(process=pb.process, voter=voter).count() == 1
        chosen = sorted(BallotChoice.objects.values_list("proposal_id", flat=True))
        assert chosen in (sorted([a, b]), [c])  # one tab's choices, never a mix or both


def test_many_tabs_of_one_voter_and_other_votersat_once(pg, clock):
    pb = build(clock)
    made = proposals_on_ballot(pb, {"center": ["5000", "6000"]})
    a, b = (p.pk for p in made["center"])
    same = pb.voter(username="isti")
    others = [pb.voter(username=f"drug-{i}") for i in range(3)]
    pb.at("voting")
    jobs = [lambda: services.cast_ballot(same, pb.process, [a])] * 4
    jobs += [lambda u=u: services.cast_ballot(u, pb.process, [a, b]) for u in others]
    results = at_once(*jobs)
    assert not any(isinstance(r, Exception) for r in results), results
    assert Ballot.objects.filter(process=pb.process).count() == 4
    assert BallotChoice.objects.filter(proposal_id=a).count() == 4
