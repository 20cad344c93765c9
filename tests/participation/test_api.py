"""The participation API: the same rules as the pages; hidden content never in an answer."""

from __future__ import annotations

import datetime as dt

import pytest

from regija.core import tokens
from regija.participation import services
from regija.participation.models import Comment, Support
from tests.factories import resident

pytestmark = pytest.mark.django_db


def token(user):
    return tokens.create(user, "tests")[1]


def test_reads_are_public(place, api):
    r = api.get("/consultations")
    assert r.status_code == 200 and r.json()["items"][0]["slug"] == place.consultation.slug
    detail = api.get(f"/consultations/{place.consultation.slug}").json()
    assert [u["label"] for u in detail["units"]] == ["C1", "U1", "U2"] and detail["open"] is True
    assert api.get("/proposals").json()["items"][0]["title"] == "Klopi v parku"
    assert api.get(f"/proposals/{place.proposal.pk}").json()["state"] == "new"
    assert api.get("/proposals/999999").status_code == 404


def test_a_comment_through_the_api_and_refusals_as_the_pages_give_them(place, api):
    unit = place.consultation.units.get(label="U1")
    body = {"target": f"unit:{unit.pk}", "text": "Strinjam se."}
    assert api.post("/comments", body).status_code == 401
    assert api.post("/comments", body, token=token(place.unconfirmed)).status_code == 403
    r = api.post("/comments", body, token=token(place.neighbour))
    assert r.status_code == 201 and r.json()["text"] == "Strinjam se."
    long = api.post("/comments", {**body, "text": "a" * 3001}, token=token(place.neighbour))
    assert long.status_code == 422 and long.json()["detail"][0]["loc"] == ["body", "text"]
    unknown = api.post("/comments", {**body, "target": "unit:0"}, token=token(place.neighbour))
    assert unknown.status_code == 422
    assert Comment.objects.count() == 1


def test_a_hidden_comment_is_given_without_text_or_author_to_everyone(place, api):
    unit = place.consultation.units.get(label="U1")
    c = services.comment_add(place.neighbour, unit, "Skrivnost 123")
    staff = token(place.staff)
    hidden = api.post(f"/comments/{c.pk}/hide", {"reason": "oglaševanje"}, token=staff)
    assert hidden.status_code == 200
    for who in (None, staff):
        items = api.get("/comments", {"target": f"unit:{unit.pk}"}, token=who).json()["items"]
        assert items == [
            {
                **items[0],
                "hidden": True,
                "hidden_reason": "oglaševanje",
                "text": None,
                "author": None,
                "mentions": [],
            }
        ]
        assert "Skrivnost" not in str(items)
    assert api.post(f"/comments/{c.pk}/unhide", token=token(place.resident)).status_code == 403
    assert api.post(f"/comments/{c.pk}/unhide", token=staff).json()["text"] == "Skrivnost 123"


def test_report_and_answer_through_the_api(place, api):
    unit = place.consultation.units.get(label="U1")
    c = services.comment_add(place.neighbour, unit, "Vprašanje")
    assert (
        api.post(f"/comments/{c.pk}/report", {"reason": "spam"}, token=token(place.resident)).status_code
        == 201
    )
    again = api.post(f"/comments/{c.pk}/report", {"reason": "spam"}, token=token(place.resident))
    assert again.status_code == 409
    assert (
        api.put(f"/comments/{c.pk}/answer", {"text": "Odgovor"}, token=token(place.resident)).status_code
        == 403
    )
    assert api.put(f"/comments/{c.pk}/answer", {"text": "Odgovor"}, token=token(place.staff)).json()[
        "answer"
    ] == ("Odgovor")


def test_proposals_through_the_api(place, api):
    r = api.post(
        "/proposals",
        {
            "organisation": "obcina-velenje",
            "title": "Pitnik",
            "text": "Na trgu.",
            "node": "osnutek-strategije:U1",
        },
        token=token(place.resident),
    )
    assert r.status_code == 201 and r.json()["node"] == "osnutek-strategije:U1"
    refused = api.post(
        "/proposals",
        {"organisation": "obcina-velenje", "title": "X", "text": "Y"},
        token=token(place.neighbour),
    )
    assert refused.status_code == 403
    pk = place.proposal.pk
    voter = token(place.resident)
    assert api.post(f"/proposals/{pk}/support", token=voter).json() == {"supports": 1, "supported": True}
    assert api.post(f"/proposals/{pk}/support", token=voter).status_code == 409
    assert api.delete(f"/proposals/{pk}/support", token=voter).json() == {"supports": 0, "supported": False}
    no_reason = api.post(
        f"/proposals/{pk}/state", {"state": "rejected", "text": ""}, token=token(place.staff)
    )
    assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["loc"] == ["body", "text"]
    ok = api.post(
        f"/proposals/{pk}/state", {"state": "rejected", "text": "Ni izvedljivo."}, token=token(place.staff)
    )
    assert ok.status_code == 200 and ok.json()["history"][0]["state_to"] == "rejected"
    assert api.post(f"/proposals/{pk}/support", token=voter).status_code == 409
    assert Support.objects.count() == 0


def test_a_consultation_through_the_api_and_its_report(place, api, clock):
    body = {
        "organisation": "obcina-velenje",
        "title": "Odlok",
        "opens_at": "2027-06-01T00:00:00+02:00",
        "closes_at": "2027-06-30T00:00:00+02:00",
        "act_name": "Odlok o redu",
        "act_text": "1. člen\n\n2. člen",
    }
    assert api.post("/consultations", body, token=token(place.resident)).status_code == 403
    r = api.post("/consultations", body, token=token(place.staff))
    assert r.status_code == 201 and [u["label"] for u in r.json()["units"]] == ["1.", "2."]
    slug = r.json()["slug"]
    assert api.get(f"/consultations/{slug}/report").status_code == 404
    assert api.post(f"/consultations/{slug}/report", token=token(place.staff)).status_code == 409
    clock(dt.datetime(2027, 7, 1, tzinfo=dt.UTC))
    published = api.post(f"/consultations/{slug}/report", token=token(place.staff))
    assert published.status_code == 200 and published.json()["comments"] == 0


def test_lists_read_in_a_bounded_number_of_queries(place, api, django_assert_max_num_queries):
    unit = place.consultation.units.get(label="U1")
    for i in range(5):
        who = resident(place.town, username=f"prebivalec-{i}")
        p = services.proposal_create(
            who, services.ProposalData(organisation=place.town, title=f"P{i}", text="T")
        )
        services.proposal_support(who, p)
        services.comment_add(who, unit, f"Komentar @metka {i}")
    for path, params in (
        ("/proposals", {}),
        ("/consultations", {}),
        ("/comments", {"target": f"unit:{unit.pk}"}),
    ):
        with django_assert_max_num_queries(8):
            assert api.get(path, params).status_code == 200
