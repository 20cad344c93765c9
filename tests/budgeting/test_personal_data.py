"""GDPR in participatory budgeting: "my data" holds the person's proposals and their own ballot with its
choices (the ballot is theirs); deleting the account keeps the proposals and keeps the ballot counting,
no longer naming anyone."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from regija.accounts import services as accounts
from regija.budgeting import selectors, services
from regija.budgeting.models import Ballot

from .world import proposals_on_ballot

pytestmark = pytest.mark.django_db


def test_my_data_holds_my_proposals_and_my_own_ballot(pb, client):
    made = proposals_on_ballot(pb, {"center": ["5000", "6000", "7000"]})
    a, b, c = made["center"]
    author = a.author
    pb.at("voting")
    me = pb.voter(username="glasujem")
    ballot = services.cast_ballot(me, pb.process, [c.pk, a.pk])
    services.cast_ballot(pb.voter(username="drugi"), pb.process, [b.pk])

    client.force_login(me)
    data = json.loads(client.get(reverse("account_my_data")).content)["budgeting"]
    assert data["proposals"] == []  # she proposed nothing
    (mine,) = data["ballots"]
    assert mine["process"] == "pp-2026" and mine["area"] == "KS Center" and mine["channel"] == "online"
    assert mine["receipt"] == ballot.receipt
    assert [choice["number"] for choice in mine["choices"]] == [a.number, c.number]  # b is another's

    client.force_login(author)
    data = json.loads(client.get(reverse("account_my_data")).content)["budgeting"]
    assert [p["title"] for p in data["proposals"]] == ["center 1", "center 2", "center 3"]
    assert data["proposals"][0]["description"] == "Opis." and data["ballots"] == []


def test_a_deleted_account_s_ballot_keeps_counting_without_its_voter(pb, client):
    made = proposals_on_ballot(pb, {"center": ["5000", "6000"]})
    a, b = made["center"]
    pb.at("voting")
    leaving = pb.voter(username="odhaja")
    services.cast_ballot(leaving, pb.process, [a.pk])
    services.cast_ballot(pb.voter(username="ostaja"), pb.process, [a.pk, b.pk])
    accounts.delete_account(leaving)

    assert not Ballot.objects.filter(voter=leaving).exists()
    assert Ballot.objects.filter(process=pb.process, voter__isnull=True, batch__isnull=True).count() == 1
    counts = selectors.vote_counts(pb.process)
    assert (counts[a.pk], counts[b.pk]) == (2, 1)
    assert selectors.ballots_per_area(pb.process) == {pb.area_center.pk: 2}
    # the proposal of a person who deleted their account stays
    page = client.get(reverse("budgeting:proposal", args=["pp-2026", a.number]))
    assert page.status_code == 200 and "center 1" in page.content.decode()
