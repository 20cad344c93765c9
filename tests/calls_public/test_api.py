"""API of calls and governance: lists, details, results, state filter, drafts, personal data, queries."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import FundFactory, OrganisationFactory, recorded_application

from .conftest import DAY, NOW, make_call

pytestmark = pytest.mark.django_db
API = "/api/v1"


def get(client, path, **params):
    return client.get(API + path, params)


def test_list_and_state_filter(client, calls):
    r = get(client, "/calls", organisation="las-preizkus")
    assert r.status_code == 200
    body = r.json()
    slugs = [c["slug"] for c in body["items"]]
    assert "osnutek" not in slugs and body["count"] == 6
    assert slugs[0] == "odprt"  # open first
    item = body["items"][0]
    assert item["state"] == "open" and item["group"] == "open"
    assert item["budget"] == [{"fund": "CLLD", "amount": "100000.00"}]
    assert item["closes_at"].startswith("2030-06-25T12:00:00+02:00")
    states = {
        s: {c["slug"] for c in get(client, "/calls", state=s, organisation="las-preizkus").json()["items"]}
        for s in ("open", "upcoming", "closed", "archive")
    }
    assert states == {
        "open": {"odprt"},
        "upcoming": {"prihajajoci"},
        "closed": {"zaprt", "ocenjen", "odlocen"},
        "archive": {"arhiviran"},
    }
    assert get(client, "/calls", state="draft").status_code == 422


def test_state_moves_with_the_clock_and_the_etag_too(client, calls, frozen, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "calls"}
    }
    call = calls["open"]
    frozen.move_to(call.closes_at - DAY / 86400)
    first = get(client, "/calls", state="open")
    assert "odprt" in [c["slug"] for c in first.json()["items"]]
    assert client.get(API + "/calls", {"state": "open"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    frozen.move_to(call.closes_at + DAY / 86400)
    after = client.get(API + "/calls", {"state": "open"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert "odprt" not in [c["slug"] for c in after.json()["items"]]
    detail = get(client, "/calls/las-preizkus/odprt").json()
    assert detail["state"] == "closed"


def test_page_cache_does_not_outlive_a_deadline(client, calls, frozen, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}
    }
    call = calls["open"]
    frozen.move_to(call.closes_at - DAY / 86400)
    assert call.title in client.get("/razpisi/?stanje=open").content.decode()
    frozen.move_to(call.closes_at + DAY / 86400)
    assert call.title not in client.get("/razpisi/?stanje=open").content.decode()


def test_detail(client, calls):
    r = get(client, "/calls/las-preizkus/odprt")
    assert r.status_code == 200
    body = r.json()
    assert [c["name"] for c in body["criteria"]] == ["Inovativnost", "Trajnost"]
    assert body["max_points"] == "100" and body["results_url"] is None
    decided = get(client, "/calls/las-preizkus/odlocen").json()
    assert decided["committee"]["members"][0] == {"name": "Ana Predsednica", "role": "chair"}
    assert decided["results_url"].endswith("/api/v1/calls/las-preizkus/odlocen/results")


def test_draft_is_absent(client, calls):
    assert get(client, "/calls/las-preizkus/osnutek").status_code == 404
    assert get(client, "/calls/las-preizkus/osnutek/results").status_code == 404
    assert get(client, "/calls/las-preizkus/nobena").json() == {
        "detail": "Not found: call 'las-preizkus/nobena'."
    }


def test_results(client, calls):
    assert get(client, "/calls/las-preizkus/odprt/results").status_code == 404
    r = get(client, "/calls/las-preizkus/odlocen/results")
    assert r.status_code == 200
    body = r.json()
    assert [a["number"] for a in body["approved"]] == [1, 2, 3]
    assert [a["number"] for a in body["not_selected"]] == [4, 5]
    first = body["approved"][0]
    assert first["average_score"] == "80" and first["rank"] == 1 and first["paid"] == "15000.00"
    assert first["instrument"] == {"kind": "decision", "number": "330-1/2030", "date": "2030-01-10"}
    withdrawn = body["approved"][2]
    assert withdrawn["operation"]["withdrawn"] and "odstopil" in withdrawn["operation"]["withdrawal_reason"]
    assert body["totals"]["approved_total"] == "70000.00" and body["totals"]["paid"] == "20000.00"
    assert body["totals"]["withdrawn"] == "10000.00"
    assert body["not_selected"][0]["reason"] == "Ni doseglo praga točk."


def test_results_never_name_a_natural_person(client, calls):
    text = get(client, "/calls/las-preizkus/odlocen/results").content.decode()
    for secret in ("Janez Zasebnik", "janez-zasebnik", "Zasebna ulica", "Mojca Partnerka", "mojca-partnerka"):
        assert secret not in text
    body = json.loads(text)
    person = body["approved"][1]["applicant"]
    assert person == {"person": True, "name": None, "slug": None}
    assert body["approved"][0]["partners"] == [
        {"person": True, "name": None, "slug": None, "role": "partner"}
    ]
    assert body["approved"][0]["applicant"]["name"] == "Podjetje Ena d.o.o."


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(API + path).status_code == 200
    return len(ctx)


def _more_calls(org, n=8):
    applicant = OrganisationFactory(slug="prijavitelj-vec", name="Prijavitelj", kind="ngo")
    clld = FundFactory(code="CLLD")
    for i in range(n):
        call = make_call(
            org,
            f"dodatni-{i}",
            ["published", "decided", "archived"][i % 3],
            opens=NOW - (i + 5) * DAY,
            closes=NOW + (i - 3) * DAY,
        )
        for j in range(3):
            recorded_application(
                call,
                applicant,
                number=j + 1,
                title=f"V{i}-{j}",
                status="approved" if j else "rejected",
                funds=[(clld, 100, 100 if j else None)],
            )


@pytest.mark.parametrize("path", ["/calls", "/calls?state=closed", "/calls?organisation=las-preizkus"])
def test_list_queries_do_not_grow(client, calls, org, path):
    sep = "&" if "?" in path else "?"
    before = _queries(client, f"{path}{sep}page_size=1"), _queries(client, f"{path}{sep}page_size=50")
    _more_calls(org)
    after = _queries(client, f"{path}{sep}page_size=1"), _queries(client, f"{path}{sep}page_size=50")
    assert before[0] == before[1] == after[0] == after[1]
    assert before[0] <= 8


def test_results_queries_do_not_grow(client, calls, org):
    path = "/calls/las-preizkus/odlocen/results"
    before = _queries(client, path)
    page_before = len_page_queries(client, "/razpisi/las-preizkus/odlocen/rezultati/")
    call = calls["decided"]
    for i in range(10):
        recorded_application(
            call,
            calls["company"],
            number=100 + i,
            title=f"Dodatna {i}",
            status="rejected",
            decision_reason="Pod pragom.",
        )
    for a in calls["applications"][:2]:
        a.pk = None
        a.number = a.number + 200
        a.project = None
        a.save()
    assert _queries(client, path) == before
    assert len_page_queries(client, "/razpisi/las-preizkus/odlocen/rezultati/") == page_before
    assert before <= 15


def len_page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_page_queries_do_not_grow(client, calls, org):
    urls = [
        "/razpisi/",
        "/razpisi/?stanje=closed",
        "/razpisi/las-preizkus/odprt/",
        "/razpisi/las-preizkus/odlocen/",
    ]
    before = [len_page_queries(client, u) for u in urls]
    _more_calls(org)
    assert [len_page_queries(client, u) for u in urls] == before
    assert max(before) <= 15
