"""The REST API of participatory budgeting: public reads, a resident's proposal and ballot, the staff's
steps, refusals as the API's errors, the OpenAPI document, and bounded queries."""

from __future__ import annotations

import json

import pytest

from regija.budgeting.models import Ballot, Proposal
from regija.core import tokens

from .world import proposals_on_ballot

pytestmark = pytest.mark.django_db
API = "/api/v1/budgeting/processes"


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.create(user, 'test')[1]}"}


def _send(client, method, path, body, user):
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", **_auth(user)
    )


def test_public_reads(client, pb, django_assert_max_num_queries):
    proposals_on_ballot(pb, {"center": ["1000"] * 20, "hrib": ["2000"]})
    with django_assert_max_num_queries(8):
        page = client.get(API).json()
    assert [p["slug"] for p in page["items"]] == ["pp-2026"] and page["items"][0]["phase"] == "review"
    detail = client.get(f"{API}/pp-2026").json()
    assert [(a["organisation"]["slug"], a["budget"]) for a in detail["areas"]] == [
        ("ks-center", "20000.00"),
        ("ks-hrib", "15000.00"),
    ]
    with django_assert_max_num_queries(8):
        page = client.get(f"{API}/pp-2026/proposals?area=ks-center&page_size=100").json()
    assert page["count"] == 20 and page["items"][0]["status"] == "on_ballot"
    assert "author" not in page["items"][0] and "predlagatelj" not in json.dumps(page)
    assert client.get(f"{API}/pp-2026/proposals/21").json()["cost"] == "2000.00"
    assert client.get(f"{API}/nobeden").status_code == 404


def test_a_resident_proposes_and_votes_through_the_api(client, pb):
    pb.at("proposals")
    user = pb.voter()
    r = _send(
        client,
        "post",
        f"{API}/pp-2026/proposals",
        {"area": "ks-center", "title": "Klopi", "description": "Pet."},
        user,
    )
    assert r.status_code == 201 and r.json()["number"] == 1
    r = _send(
        client,
        "post",
        f"{API}/pp-2026/proposals",
        {"area": "ks-center", "title": "x" * 201, "description": "."},
        user,
    )
    assert r.status_code == 422 and Proposal.objects.count() == 1

    staff = pb.staff
    pb.at("review")
    r = _send(client, "post", f"{API}/pp-2026/proposals/1/review", {"feasible": True, "cost": "30000"}, staff)
    assert r.status_code == 422 and "more than the area's budget" in json.dumps(r.json())
    r = _send(client, "post", f"{API}/pp-2026/proposals/1/review", {"feasible": True, "cost": "12000"}, staff)
    assert r.status_code == 200 and r.json()["status"] == "feasible"
    r = _send(client, "post", f"{API}/pp-2026/proposals/1/review", {"feasible": True, "cost": "1"}, user)
    assert r.status_code == 403
    assert _send(client, "post", f"{API}/pp-2026/ballot", {}, staff).json() == {"on_ballot": 1}

    pb.at("voting")
    assert client.get(f"{API}/pp-2026/my-ballot", **_auth(user)).status_code == 404
    r = _send(client, "put", f"{API}/pp-2026/my-ballot", {"proposals": [1]}, user)
    assert r.status_code == 200, r.json()
    assert r.json()["proposals"] == [1] and r.json()["total"] == "12000.00"
    assert client.get(f"{API}/pp-2026/my-ballot", **_auth(user)).json()["receipt"] == r.json()["receipt"]
    r = _send(client, "put", f"{API}/pp-2026/my-ballot", {"proposals": [99]}, user)
    assert r.status_code == 422
    assert (
        client.put(f"{API}/pp-2026/my-ballot", data="{}", content_type="application/json").status_code == 401
    )

    r = _send(
        client,
        "post",
        f"{API}/pp-2026/paper-ballots",
        {"area": "ks-center", "label": "V1", "ballots": [[1], [1]]},
        staff,
    )
    assert r.status_code == 201 and r.json() == {"label": "V1", "ballots": 2}

    pb.at("closed")
    r = _send(client, "put", f"{API}/pp-2026/my-ballot", {"proposals": [1]}, user)
    assert r.status_code == 409 and "Voting has closed" in r.json()["detail"]
    assert client.get(f"{API}/pp-2026/results").json()["areas"] == []
    r = _send(client, "post", f"{API}/pp-2026/results", {}, staff)
    center = r.json()["areas"][0]
    assert center["ballots"] == 3 and center["rows"][0] == {
        "number": 1,
        "title": "Klopi",
        "votes": 3,
        "cost": "12000.00",
        "cumulative": "12000.00",
        "selected": True,
    }
    r = _send(client, "post", f"{API}/pp-2026/projects", {}, staff)
    assert len(r.json()["created"]) == 1
    assert _send(client, "post", f"{API}/pp-2026/projects", {}, staff).json() == {"created": []}
    assert client.get(f"{API}/pp-2026/proposals/1").json()["project"].endswith(f"/PP-2026-{pb.process.pk}-1/")
    assert Ballot.objects.filter(voter=user).count() == 1


def test_the_openapi_document_describes_the_budgeting_api(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/budgeting/processes/{slug}/my-ballot" in doc["paths"]
    assert set(doc["paths"]["/api/v1/budgeting/processes/{slug}/my-ballot"]) == {"get", "put"}
