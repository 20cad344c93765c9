"""Participatory budgeting through its services: who may propose, review and vote, the two voting rules,
the greedy result with its tie rule, paper ballots, secrecy, and the winners as projects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from regija.budgeting import selectors, services
from regija.budgeting.models import Ballot, BallotChoice, Phase, Proposal, ProposalStatus
from regija.core.models import AuditEntry
from regija.core.services import Forbidden, Refused
from regija.projects.models import BudgetLine, Project
from tests.factories import UserFactory, confirmed_user, member, resident

from .world import build, proposals_on_ballot

pytestmark = pytest.mark.django_db


def _submit(pb, user, **kw):
    data = {"title": "Klopi ob jezeru", "description": "Pet novih klopi."} | kw
    return services.proposal_submit(user, pb.process, pb.area_center, **data)


# ------------------------------------------------------------------------------------------------ proposals


def test_a_verified_resident_proposes_while_proposals_are_open(pb):
    pb.at("proposals")
    p = _submit(pb, pb.voter(), lat=46.36, lon=15.11)
    assert (p.number, p.status, p.area) == (1, ProposalStatus.SUBMITTED, pb.area_center)
    assert _submit(pb, pb.voter("hrib")).number == 2


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("unconfirmed", "confirmed e-mail"),
        ("confirmed", "verified residents of Občina Participacija"),
        ("elsewhere", "verified residents of Občina Participacija"),
    ],
)
def test_only_verified_residents_propose(pb, who, message):
    pb.at("proposals")
    user = {
        "unconfirmed": lambda: UserFactory(),
        "confirmed": lambda: confirmed_user(),
        "elsewhere": lambda: resident(),
    }[who]()
    with pytest.raises(Forbidden, match=message):
        _submit(pb, user)
    assert not Proposal.objects.exists()


def test_proposals_outside_their_phase_are_refused(pb):
    user = pb.voter()
    for phase in ("announced", "review", "voting"):
        pb.at(phase)
        with pytest.raises(Refused, match="not being collected"):
            _submit(pb, user)
    assert not Proposal.objects.exists()


def test_over_long_texts_are_refused_and_nothing_is_written(pb):
    pb.at("proposals")
    user = pb.voter()
    with pytest.raises(Refused, match="At most 200 characters") as e:
        _submit(pb, user, title="x" * 201)
    assert e.value.field == "title"
    with pytest.raises(Refused, match="At most 5000 characters"):
        _submit(pb, user, description="x" * 5001)
    with pytest.raises(Refused, match="required"):
        _submit(pb, user, title="   ")
    assert not Proposal.objects.exists()


# ------------------------------------------------------------------------------------------------- review


def test_review_needs_a_cost_within_the_budget_or_a_reason(pb):
    pb.at("proposals")
    p = _submit(pb, pb.voter())
    pb.at("review")
    with pytest.raises(Refused, match="more than the area's budget") as e:
        services.proposal_review(pb.staff, p, feasible=True, cost=Decimal("20000.01"))
    assert "€20,000.01" in e.value.message and "€20,000.00" in e.value.message
    with pytest.raises(Refused, match="required"):
        services.proposal_review(pb.staff, p, feasible=False, note="")
    assert Proposal.objects.get(pk=p.pk).status == ProposalStatus.SUBMITTED
    services.proposal_review(pb.staff, p, feasible=False, note="Zemljišče ni občinsko.")
    p.refresh_from_db()
    assert (p.status, p.cost, p.review_note) == (ProposalStatus.NOT_FEASIBLE, None, "Zemljišče ni občinsko.")


def test_only_the_municipalitys_staff_review(pb):
    pb.at("proposals")
    p = _submit(pb, pb.voter())
    pb.at("review")
    for user in (pb.voter(), member("viewer", pb.municipality), member("editor", pb.center)):
        with pytest.raises(Forbidden):
            services.proposal_review(user, p, feasible=True, cost=Decimal("100"))


def test_the_ballot_waits_for_every_review(pb):
    pb.at("proposals")
    a, _b = _submit(pb, pb.voter()), _submit(pb, pb.voter())
    pb.at("review")
    services.proposal_review(pb.staff, a, feasible=True, cost=Decimal("5000"))
    with pytest.raises(Refused, match="1 proposals still wait"):
        services.put_on_ballot(pb.staff, pb.process)
    assert not Proposal.objects.filter(status=ProposalStatus.ON_BALLOT).exists()


# ---------------------------------------------------------------------------------------------------- votes


def test_a_knapsack_ballot_fits_the_areas_budget_and_can_be_changed(pb):
    made = proposals_on_ballot(pb, {"center": ["12000", "7000", "3000"], "hrib": ["5000"]})
    c1, c2, c3 = made["center"]
    voter = pb.voter()
    pb.at("voting")
    with pytest.raises(Refused, match="cost €22,000.00 together, more than the area's budget of €20,000.00"):
        services.cast_ballot(voter, pb.process, [c1.pk, c2.pk, c3.pk])
    assert not Ballot.objects.exists()
    ballot = services.cast_ballot(voter, pb.process, [c1.pk, c2.pk])
    first_receipt = ballot.receipt
    services.cast_ballot(voter, pb.process, [c3.pk])
    assert Ballot.objects.count() == 1
    assert list(BallotChoice.objects.values_list("proposal_id", flat=True)) == [c3.pk]
    assert selectors.my_ballot(voter, pb.process).receipt != first_receipt


def test_a_voter_chooses_only_proposals_of_their_own_area(pb):
    made = proposals_on_ballot(pb, {"center": ["1000"], "hrib": ["1000"]})
    pb.at("voting")
    with pytest.raises(Refused, match="only proposals on the ballot of your area"):
        services.cast_ballot(pb.voter("hrib"), pb.process, [made["center"][0].pk])
    with pytest.raises(Refused, match="at least one"):
        services.cast_ballot(pb.voter("hrib"), pb.process, [])


def test_an_approval_ballot_has_at_most_k_choices(db, clock):
    pb = build(clock, rule="approval", k=2)
    made = proposals_on_ballot(pb, {"center": ["15000", "15000", "15000"]})
    pb.at("voting")
    ids = [p.pk for p in made["center"]]
    with pytest.raises(Refused, match=r"at most 2 proposals \(you chose 3\)"):
        services.cast_ballot(pb.voter(), pb.process, ids)
    services.cast_ballot(pb.voter(), pb.process, ids[:2])  # over the budget together: approval allows it


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("unconfirmed", "confirmed e-mail"),
        ("confirmed", "verified residents of Občina Participacija"),
        ("elsewhere", "verified residents of Občina Participacija"),
    ],
)
def test_only_verified_residents_vote(pb, who, message):
    made = proposals_on_ballot(pb, {"center": ["1000"]})
    pb.at("voting")
    user = {"unconfirmed": UserFactory, "confirmed": confirmed_user, "elsewhere": resident}[who]()
    with pytest.raises(Forbidden, match=message):
        services.cast_ballot(user, pb.process, [made["center"][0].pk])
    assert not Ballot.objects.exists()


def test_a_resident_of_a_community_without_a_vote_is_told(pb):
    made = proposals_on_ballot(pb, {"center": ["1000"]})
    from tests.factories import OrganisationFactory

    other = OrganisationFactory(kind="local_community", parent=pb.municipality)
    pb.at("voting")
    with pytest.raises(Forbidden, match="no vote in your local community"):
        services.cast_ballot(resident(pb.municipality, area=other), pb.process, [made["center"][0].pk])


def test_votes_before_and_after_the_vote_are_refused(pb):
    made = proposals_on_ballot(pb, {"center": ["1000"]})
    voter = pb.voter()
    with pytest.raises(Refused, match="Voting is not open"):
        services.cast_ballot(voter, pb.process, [made["center"][0].pk])
    pb.at("closed")
    with pytest.raises(Refused, match="Voting has closed"):
        services.cast_ballot(voter, pb.process, [made["center"][0].pk])
    assert not Ballot.objects.exists()


def test_a_ballot_is_never_in_the_audit_log(pb):
    made = proposals_on_ballot(pb, {"center": ["1000"]})
    voter = pb.voter()
    pb.at("voting")
    before = AuditEntry.objects.count()
    services.cast_ballot(voter, pb.process, [made["center"][0].pk])
    services.cast_ballot(voter, pb.process, [made["center"][0].pk])
    assert AuditEntry.objects.count() == before


# ------------------------------------------------------------------------------------------ tally and rule


def test_the_greedy_rule_with_its_tie_breaks(pb):
    """The worked example of docs/budgeting.md: budget 20 000 €."""
    made = proposals_on_ballot(pb, {"center": ["12000", "9000", "6000", "5000", "6000"]})
    a, b, c, d, e = made["center"]
    pb.at("voting")
    ballots = [[a, d]] * 4 + [[b, c]] * 3 + [[c, d]] + [[e]] * 3
    for i, choice in enumerate(ballots):
        services.cast_ballot(pb.voter(username=f"v{i}"), pb.process, [p.pk for p in choice])
    # votes: a 4, d 5, b 3, c 4, e 3; ties: a and c (4) → c cheaper first; b and e (3) → e cheaper first
    result = next(r for r in selectors.tally(pb.process) if r.area == pb.area_center)
    order = [(r.proposal.title, r.votes, r.selected, r.cumulative) for r in result.rows]
    assert order == [
        ("center 4", 5, True, Decimal("5000")),
        ("center 3", 4, True, Decimal("11000")),
        ("center 1", 4, False, None),  # 12 000 does not fit the 9 000 left
        ("center 5", 3, True, Decimal("17000")),
        ("center 2", 3, False, None),
    ]
    assert result.ballots == len(ballots) and result.left == Decimal("3000")


def test_equal_votes_and_cost_go_to_the_earlier_proposal(pb):
    made = proposals_on_ballot(pb, {"center": ["15000", "15000"]})
    first, second = made["center"]
    pb.at("voting")
    services.cast_ballot(pb.voter(username="x"), pb.process, [second.pk])
    services.cast_ballot(pb.voter(username="y"), pb.process, [first.pk])
    rows = next(r for r in selectors.tally(pb.process) if r.area == pb.area_center).rows
    assert [(r.proposal.pk, r.selected) for r in rows] == [(first.pk, True), (second.pk, False)]


# -------------------------------------------------------------------------------------------- paper ballots


def test_paper_ballots_count_with_online_ones(pb):
    made = proposals_on_ballot(pb, {"center": ["12000", "8000"]})
    a, b = made["center"]
    pb.at("voting")
    services.cast_ballot(pb.voter(), pb.process, [a.pk])
    batch = services.enter_paper_ballots(
        pb.staff, pb.process, pb.area_center, label="Volišče 1", ballots=[[b.pk], [b.pk], [a.pk, b.pk]]
    )
    services.enter_paper_ballots(pb.staff, pb.process, pb.area_center, label="Volišče 2", counts={a.pk: 2})
    assert batch.ballots == 3 and batch.entered_by == pb.staff
    counts = selectors.vote_counts(pb.process)
    assert (counts[a.pk], counts[b.pk]) == (4, 3)


def test_a_paper_batch_over_budget_is_refused_whole(pb):
    made = proposals_on_ballot(pb, {"center": ["12000", "9000"]})
    a, b = made["center"]
    pb.at("voting")
    with pytest.raises(Refused, match="more than the area's budget") as e:
        services.enter_paper_ballots(
            pb.staff, pb.process, pb.area_center, label="V1", ballots=[[a.pk], [a.pk, b.pk]]
        )
    assert e.value.field == "ballots.1"
    assert not Ballot.objects.exists()


def test_a_person_who_voted_on_paper_cannot_vote_online_and_the_reverse(pb):
    made = proposals_on_ballot(pb, {"center": ["1000"]})
    pid = made["center"][0].pk
    on_paper, online = pb.voter(username="papir"), pb.voter(username="splet")
    pb.at("voting")
    services.mark_voted_on_paper(pb.staff, pb.process, on_paper)
    with pytest.raises(Refused, match="You voted on paper"):
        services.cast_ballot(on_paper, pb.process, [pid])
    services.cast_ballot(online, pb.process, [pid])
    with pytest.raises(Refused, match="voted online"):
        services.mark_voted_on_paper(pb.staff, pb.process, online)
    assert selectors.vote_counts(pb.process)[pid] == 1


# -------------------------------------------------------------------------------------- results → projects


def _voted_and_closed(pb):
    made = proposals_on_ballot(pb, {"center": ["12000", "9000"], "hrib": ["5000"]})
    a, b = made["center"]
    (h,) = made["hrib"]
    pb.at("voting")
    services.cast_ballot(pb.voter(username="c1"), pb.process, [a.pk])
    services.cast_ballot(pb.voter(username="c2"), pb.process, [a.pk])
    services.cast_ballot(pb.voter(username="c3"), pb.process, [b.pk])
    services.cast_ballot(pb.voter("hrib", username="h1"), pb.process, [h.pk])
    pb.at("closed")
    return a, b, h


def test_results_are_published_after_the_vote_and_then_fixed(pb):
    a, b, h = _voted_and_closed(pb)
    assert pb.process.phase_at(pb.process.voting_to) == Phase.COUNTING
    services.publish_results(pb.staff, pb.process)
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "selected", b.pk: "not_selected", h.pk: "selected"}
    assert Proposal.objects.get(pk=a.pk).votes == 2
    with pytest.raises(Refused, match="published already"):
        services.publish_results(pb.staff, pb.process)
    with pytest.raises(Refused, match="until results are published"):
        services.enter_paper_ballots(pb.staff, pb.process, pb.area_center, label="late", counts={b.pk: 5})


def test_winners_become_projects_once(pb):
    a, _b, h = _voted_and_closed(pb)
    with pytest.raises(Refused, match="after the results are published"):
        services.create_projects(pb.staff, pb.process)
    services.publish_results(pb.staff, pb.process)
    created = services.create_projects(pb.staff, pb.process)
    assert len(created) == 2
    project = Proposal.objects.get(pk=a.pk).project
    assert project.holder == pb.municipality and project.strategy == pb.strategy
    assert project.status == "approved" and project.title == "center 1"
    assert [(line.fund, line.amount) for line in BudgetLine.objects.filter(project=project)] == [
        (pb.fund, Decimal("12000.00"))
    ]
    assert list(project.nodes.all()) == [pb.node]
    assert services.create_projects(pb.staff, pb.process) == []
    assert Project.objects.filter(strategy=pb.strategy).count() == 2
    assert Proposal.objects.get(pk=h.pk).project is not None


def test_publishing_results_tells_who_follows_the_budget_or_one_of_its_areas_once(
    pb, django_capture_on_commit_callbacks
):
    from regija.notify import services as notify
    from regija.notify.models import Notification

    _voted_and_closed(pb)
    of_budget, of_area, of_both, of_nothing = (confirmed_user() for _ in range(4))
    notify.follow(of_budget, pb.process)
    notify.follow(of_area, pb.area_center.organisation, email="immediate")
    notify.follow(of_both, pb.process)
    notify.follow(of_both, pb.area_center.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_results(pb.staff, pb.process)
    told = Notification.objects.filter(kind="budgeting_results")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([of_budget.pk, of_area.pk, of_both.pk])
    n = told.get(user=of_area)
    assert n.title == f"Objavljeni so rezultati participativnega proračuna »{pb.process.title}«"
    assert n.url == pb.process.get_absolute_url() and n.email == "immediate"
