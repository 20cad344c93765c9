"""The residents' side of the permission matrix: who proposes, votes and reviews – anonymous, an
unconfirmed account, a confirmed one, a verified resident of another municipality, a verified resident
of the municipality's other local community, a verified resident of the area, and the municipality's
staff. (tests/permissions/matrix.csv walks the same pages and API for the staff roles.)"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from regija.budgeting.models import Ballot, Proposal
from regija.core import tokens
from tests.factories import UserFactory, confirmed_user, resident

from .world import proposals_on_ballot

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "unconfirmed", "confirmed", "elsewhere", "other_area", "verified", "staff")

# action: outcome per role, in the order of ROLES
TABLE = {
    "propose": ("login", "refused", "refused", "refused", "allow", "allow", "refused"),
    "vote": ("login", "refused", "refused", "refused", "refused", "allow", "refused"),
    "review": ("login", "404", "404", "404", "404", "404", "allow"),
    "api_vote": ("401", "403", "403", "403", "422", "allow", "403"),
}


def _user(pb, role):
    return {
        "anonymous": lambda: None,
        "unconfirmed": lambda: UserFactory(),
        "confirmed": lambda: confirmed_user(),
        "elsewhere": lambda: resident(),
        "other_area": lambda: pb.voter("hrib"),
        "verified": lambda: pb.voter("center"),
        "staff": lambda: pb.staff,
    }[role]()


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_cell(client, pb, action, role):
    expected = TABLE[action][ROLES.index(role)]
    made = proposals_on_ballot(pb, {"center": ["1000"]})
    target = made["center"][0]
    user = _user(pb, role)
    if action == "propose":
        pb.process.refresh_from_db()
        pb.at("proposals")
    elif action in ("vote", "api_vote"):
        pb.at("voting")
    else:
        pb.at("review")
        Proposal.objects.filter(pk=target.pk).update(status="feasible")  # reviewed, not on the ballot yet
    if user is not None and action != "api_vote":
        client.force_login(user)
    before = (Proposal.objects.count(), Ballot.objects.count(), Proposal.objects.get(pk=target.pk).cost)
    if action == "propose":
        r = client.post(
            reverse("budgeting:propose", args=["pp-2026"]),
            {"area": pb.area_center.pk, "title": "Nov", "description": "Opis."},
        )
    elif action == "vote":
        r = client.post(reverse("budgeting:vote", args=["pp-2026"]), {"proposals": [target.pk]})
    elif action == "review":
        r = client.post(
            reverse("budgeting:review", args=["pp-2026", target.number]),
            {"decision": "feasible", "cost": "500"},
        )
    else:
        auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create(user, 't')[1]}"} if user else {}
        r = client.put(
            "/api/v1/budgeting/processes/pp-2026/my-ballot",
            data=json.dumps({"proposals": [target.number]}),
            content_type="application/json",
            **auth,
        )
    after = (Proposal.objects.count(), Ballot.objects.count(), Proposal.objects.get(pk=target.pk).cost)
    changed = before != after
    if expected == "allow":
        assert r.status_code in (200, 302) and changed, r.status_code
    elif expected == "login":
        assert r.status_code == 302 and "/prijava/" in r["Location"] and not changed
    elif expected == "refused":
        assert r.status_code in (403, 409, 422) and not changed, r.status_code
    else:
        assert r.status_code == int(expected) and not changed, r.status_code
