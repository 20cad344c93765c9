"""Residents' side of the load benchmark's database (bench/load.py): a municipality with a public
consultation full of comments, proposals (pobude) with supports, and a participatory budget whose
results are published – so the pages of issue 16 are measured against the same page targets as the
rest, in the same database as the synthetic country.

    REGIJA_DATA_DIR=… python bench/participation_world.py     (bench/load.py runs it)

What it writes (fixed sizes, not scaled: a municipality's participation does not grow with the
country's strategies):

* ``bench-obcina`` with 10 local communities, 2 000 residents and one editor;
* the consultation ``bench-obravnava`` on an act of 60 paragraphs through the service, with 1 200
  comments (20 per paragraph: 10 first comments, 4 of them answered by the editor, each with a reply);
* 300 proposals, the first with 1 500 supports and 40 comments, the others with 0–30 supports;
* the participatory budget ``bench-pp`` (knapsack, 10 areas × 20 proposals, 20 000 ballots), its
  results published.

Rows that would come from many people (comments, supports, ballots) are written with ``bulk_create``
as bench/budgeting.py does; the objects staff create (the consultation, the process and its areas, the
publication) go through the services.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
from decimal import Decimal
from pathlib import Path

import django

CONSULTATION = "bench-obravnava"
PROCESS = "bench-pp"
MUNICIPALITY = "bench-obcina"
PROPOSALS = 300
RESIDENTS = 2000
BALLOTS = 20_000


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    django.setup()
    import time_machine
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from regija.budgeting import services as budgeting
    from regija.budgeting.models import Ballot, BallotChoice, ProposalStatus
    from regija.budgeting.models import Proposal as BudgetProposal
    from regija.core.models import Membership, Organisation
    from regija.participation import services as participation
    from regija.participation.models import Comment, Proposal, ProposalState, Support, Unit

    rng = random.Random(16)
    User = get_user_model()
    now = timezone.now()
    day = dt.timedelta(days=1)
    town = Organisation.objects.create(slug=MUNICIPALITY, name="Bench občina", kind="municipality")
    areas = [
        Organisation.objects.create(
            slug=f"bench-ks-{i}", name=f"Bench KS {i}", kind="local_community", parent=town
        )
        for i in range(10)
    ]
    staff = User.objects.create_user("bench-urednik", first_name="Uredništvo", last_name="Občine")
    Membership.objects.create(user=staff, organisation=town, role="editor")
    people = User.objects.bulk_create(
        [User(username=f"bench-r{i}", first_name="Prebivalec", last_name=str(i)) for i in range(RESIDENTS)],
        batch_size=1000,
    )

    # the consultation (through the service), then its comments as many people would write them
    consultation = participation.consultation_create(
        staff,
        participation.ConsultationData(
            organisation=town,
            title="Odlok o urejanju javnih površin",
            opens_at=now - 10 * day,
            closes_at=now + 20 * day,
            act_name="Odlok o urejanju javnih površin",
            act_paragraphs=[
                f"{i}. člen: Javne površine se urejajo tako, da so dostopne vsem prebivalcem. " * 3
                for i in range(1, 61)
            ],
            slug=CONSULTATION,
        ),
    )
    unit_type = ContentType.objects.get_for_model(Unit)
    with transaction.atomic():
        for unit in consultation.units.order_by("order"):
            roots = Comment.objects.bulk_create(
                [
                    Comment(
                        content_type=unit_type,
                        object_id=unit.pk,
                        organisation=town,
                        author=rng.choice(people),
                        text="Predlagam, da se besedilo dopolni z rokom za izvedbo. " * 2,
                        answer="Predlog bomo upoštevali v drugem branju." if i % 3 == 0 else "",
                        answered_by=staff if i % 3 == 0 else None,
                        answered_at=now if i % 3 == 0 else None,
                    )
                    for i in range(10)
                ]
            )
            Comment.objects.bulk_create(
                [
                    Comment(
                        content_type=unit_type,
                        object_id=unit.pk,
                        organisation=town,
                        parent=root,
                        depth=1,
                        author=rng.choice(people),
                        text="Se strinjam, a rok naj bo daljši.",
                    )
                    for root in roots
                ]
            )

    # proposals with supports (the counts kept on the proposal, as the service keeps them)
    proposal_type = ContentType.objects.get_for_model(Proposal)
    with transaction.atomic():
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    organisation=town,
                    title=f"Pobuda {i}: varna pot v šolo",
                    text="Prosimo za prehod za pešce in osvetlitev poti do šole. " * 4,
                    author=people[i % RESIDENTS],
                    state=ProposalState.NEW,
                    threshold=500,
                    response_days=30,
                    lat=46.36 + rng.random() / 50,
                    lon=15.11 + rng.random() / 50,
                )
                for i in range(PROPOSALS)
            ]
        )
        supports = []
        for n, p in enumerate(proposals):
            count = 1500 if n == 0 else rng.randint(0, 30)
            p.supports_count = count
            supports += [Support(proposal=p, user=u) for u in rng.sample(people, count)]
        Support.objects.bulk_create(supports, batch_size=5000)
        Proposal.objects.bulk_update(proposals, ["supports_count"])
        Comment.objects.bulk_create(
            [
                Comment(
                    content_type=proposal_type,
                    object_id=proposals[0].pk,
                    organisation=town,
                    author=rng.choice(people),
                    text="Podpiram, pot je res nevarna.",
                )
                for _ in range(40)
            ]
        )

    # the participatory budget: created, reviewed and published through the services
    start = now - 60 * day
    with time_machine.travel(start - day, tick=False):
        process = budgeting.process_create(
            staff,
            town,
            budgeting.ProcessData(
                slug=PROCESS,
                title="Bench participativni proračun",
                year=2026,
                rule="knapsack",
                proposals_from=start,
                proposals_to=start + 10 * day,
                review_to=start + 20 * day,
                voting_from=start + 30 * day,
                voting_to=start + 40 * day,
            ),
        )
        budget_areas = [budgeting.area_add(staff, process, ks, Decimal("200000.00")) for ks in areas]
    on_ballot: dict[int, list[BudgetProposal]] = {}
    number = 0
    for a in budget_areas:
        rows = []
        for j in range(20):
            number += 1
            rows.append(
                BudgetProposal(
                    process=process,
                    area=a,
                    number=number,
                    title=f"Predlog {number}: igrišče in klopi",
                    description="Ureditev igrišča, klopi in zasaditev dreves ob poti. " * 6,
                    status=ProposalStatus.ON_BALLOT,
                    cost=Decimal(5000 * (1 + (j * 7) % 20)),
                    submitted_at=start + day + dt.timedelta(minutes=number),
                )
            )
        on_ballot[a.pk] = BudgetProposal.objects.bulk_create(rows)
    voters = User.objects.bulk_create([User(username=f"bench-v{i}") for i in range(BALLOTS)], batch_size=5000)
    with transaction.atomic():
        for lo in range(0, BALLOTS, 5000):
            made = Ballot.objects.bulk_create(
                [
                    Ballot(
                        process=process,
                        area=budget_areas[i % 10],
                        voter=v,
                        receipt=f"{i:016x}",
                        cast_at=start + 31 * day,
                    )
                    for i, v in enumerate(voters[lo : lo + 5000], start=lo)
                ]
            )
            choices = []
            for b in made:
                spent = Decimal(0)
                for p in rng.sample(on_ballot[b.area_id], rng.randint(2, 5)):
                    if spent + p.cost <= Decimal("200000"):
                        spent += p.cost
                        choices.append(BallotChoice(ballot=b, proposal=p))
            BallotChoice.objects.bulk_create(choices)
    with time_machine.travel(start + 41 * day, tick=False):
        budgeting.publish_results(staff, process)
    (Path(os.environ["REGIJA_DATA_DIR"]) / "participation.json").write_text(
        json.dumps({"consultation": CONSULTATION, "proposal": proposals[0].pk, "process": PROCESS})
    )
    print(
        f"participation world: consultation {CONSULTATION} (1 200 comments), {PROPOSALS} proposals "
        f"({sum(p.supports_count for p in proposals)} supports), budget {PROCESS} ({BALLOTS} ballots)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
