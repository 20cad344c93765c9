"""GDPR in participation: "my data" holds the person's comments, proposals, supports and reports (and
nobody else's); deleting the account keeps what they wrote, shown as by a deleted account, and their
supports keep counting without naming anyone."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from regija.accounts import services as accounts
from regija.participation import services
from regija.participation.models import Comment, Proposal, Support
from tests.factories import resident

pytestmark = pytest.mark.django_db


def _world(place):
    """Metka (the fixture's resident, author of "Klopi v parku") comments, supports Ana's proposal and
    reports Janez's comment; Janez mentions her."""
    ana = resident(place.town, username="ana")
    fountain = services.proposal_create(
        ana, services.ProposalData(organisation=place.town, title="Pitnik na trgu", text="Pitnik.")
    )
    services.proposal_support(place.resident, fountain)
    services.proposal_support(ana, fountain)
    mine = services.comment_add(place.resident, place.proposal, "Klopi naj bodo lesene.")
    theirs = services.comment_add(place.neighbour, place.proposal, "Se strinjam, @metka, a ne povsod.")
    services.comment_report(place.resident, theirs, "Žaljivo.")
    return fountain, mine, theirs


def test_my_data_holds_my_participation_and_nobody_else_s(client, place):
    fountain, mine, theirs = _world(place)
    client.force_login(place.resident)
    data = json.loads(client.get(reverse("account_my_data")).content)["participation"]
    assert [c["text"] for c in data["comments"]] == ["Klopi naj bodo lesene."]
    assert data["comments"][0]["on"] == f"proposal:{place.proposal.pk}"
    assert [p["title"] for p in data["proposals"]] == ["Klopi v parku"]
    assert data["proposals"][0]["text"] == "Več klopi ob jezeru."
    assert [s["title"] for s in data["supports"]] == ["Pitnik na trgu"]
    assert [(r["comment"], r["reason"]) for r in data["comment_reports"]] == [(theirs.pk, "Žaljivo.")]
    assert "ne povsod" not in json.dumps(data)  # Janez's comment is his, not hers


def test_deleting_the_account_keeps_contributions_as_a_deleted_account_s(client, place):
    fountain, mine, theirs = _world(place)
    assert list(theirs.mentions.all()) == [place.resident]
    accounts.delete_account(place.resident, reason="Selim se.")

    page = client.get(reverse("participation:proposal", args=[place.proposal.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Klopi v parku" in html and "Klopi naj bodo lesene." in html  # contributions stay
    assert "deleted account" in html and "metka" not in html.replace("@metka", "")
    assert f"/sodelovanje/osebe/izbrisan-{place.resident.pk}/" not in html  # no page of a deleted person
    listing = client.get(reverse("participation:proposals"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "deleted account" in listing

    api = client.get(
        "/api/v1/comments", {"target": f"proposal:{place.proposal.pk}"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    authors = {c["text"]: c["author"] for c in api["items"]}
    assert authors["Klopi naj bodo lesene."] == "deleted account"
    assert (
        client.get(f"/api/v1/proposals/{place.proposal.pk}", HTTP_ACCEPT_LANGUAGE="en").json()["author"]
        == "deleted account"
    )

    # the support keeps counting, naming no one; the mention no longer points at the person
    fountain = Proposal.objects.get(pk=fountain.pk)
    assert fountain.supports_count == 2 and Support.objects.filter(proposal=fountain).count() == 2
    assert Support.objects.filter(proposal=fountain, user__isnull=True).count() == 1
    assert not Support.objects.filter(user=place.resident).exists()
    assert list(Comment.objects.get(pk=theirs.pk).mentions.all()) == []
