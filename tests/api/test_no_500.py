"""Odd input never ends as a server error, on SQLite or PostgreSQL: it is refused with a 4xx, or
simply matches nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from .conftest import loc_of

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
PROJECT = f"/projects/{LAS}/JP1-01"


@pytest.mark.parametrize(
    "path, params, loc",
    [
        ("/projects", {"strategy": "a\x00b"}, ["query", "strategy"]),
        ("/organisations", {"q": "\x00"}, ["query", "q"]),
        ("/indicators", {"strategy": "x\x00"}, ["query", "strategy"]),
        ("/funds", {"strategy": "\x00"}, ["query", "strategy"]),
        ("/strategies/a%00b", {}, ["path", "slug"]),
        ("/projects", {"amount_max": "1e30"}, ["query", "amount_max"]),
        ("/projects", {"year_from": "99999999999999999999"}, ["query", "year_from"]),
        # above the money maximum of the OpenAPI document (9999999999999.99, docs/api.md)
        ("/projects", {"amount_min": "99999999999999999"}, ["query", "amount_min"]),
        ("/projects/geo", {"amount_min": "99999999999999999"}, ["query", "amount_min"]),
        # null or empty where a number is expected: a 422 the document declares
        ("/search", {"q": "kultura", "offset": "null"}, ["query", "offset"]),
        ("/search", {"q": "kultura", "limit": ""}, ["query", "limit"]),
        ("/projects", {"page": "null"}, ["query", "page"]),
    ],
)
def test_refused_reads_are_422(api, path, params, loc):
    assert loc in loc_of(api.get(path, params))


@pytest.mark.parametrize(
    "path, params",
    [
        ("/projects", {"amount_min": "9999999999999.99"}),
        ("/projects/geo", {"amount_min": "9.999.999.999.999,99"}),
        ("/projects", {"page": str(10**30)}),
        ("/organisations", {"q": "%_'\"; drop table"}),
    ],
)
def test_odd_reads_match_nothing(api, path, params):
    r = api.get(path, params)
    assert r.status_code == 200
    assert r.json().get("items", r.json().get("features")) == []


@pytest.mark.parametrize(
    "body, status",
    [
        ([], 422),
        ("text", 422),
        ({"title": "a\x00b"}, 422),
        ({"lat": "NaN", "lon": 1}, 422),
        ({"status": ["idea"]}, 422),
        ({"start": 2023}, 422),
        ({}, 200),
    ],
)
def test_odd_project_patch(api, token_for, body, status):
    _u, raw = token_for("editor", "las-zasavje")
    assert api.patch(PROJECT, body, token=raw).status_code == status
    assert api.patch(PROJECT, raw_body="null", token=raw).status_code in (400, 422)
    # NaN and Infinity are not JSON
    assert api.patch(PROJECT, raw_body='{"lat": NaN, "lon": 1}', token=raw).status_code == 400
    assert loc_of(api.patch(PROJECT, raw_body='{"lat": 1e400, "lon": 1}', token=raw)) == [["body", "lat"]]


@pytest.mark.parametrize("line", [str(10**20), "-1", "0"])
def test_odd_budget_line_ids(api, token_for, line):
    _u, raw = token_for("editor", "las-zasavje")
    assert loc_of(api.patch(f"{PROJECT}/budget-lines/{line}", {"amount": "1.00"}, token=raw)) == [
        ["path", "id"]
    ]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"date": "2024-01-01", "value": "1e30"}, 422),
        ({"date": "2024-01-01", "value": "Infinity"}, 422),
        ({"date": "2024-01-01", "value": "NaN"}, 422),
        ({"date": "2024-01-01", "value": True}, 422),
        ({"date": "0000-01-01", "value": 1}, 422),
        ({"date": "9999-12-31", "value": -1.5}, 201),
        ({"date": "2024-01-01", "value": "1", "note": "a\x00"}, 422),
    ],
)
def test_odd_observations(api, token_for, body, status):
    _u, raw = token_for("editor", "las-zasavje")
    assert api.post(f"/indicators/{LAS}/K1/observations", body, token=raw).status_code == status


def test_a_body_that_is_not_json_is_a_400_the_document_declares(api, token_for, client):
    _u, raw = token_for("editor", "las-zasavje")
    r = api.patch(PROJECT, raw_body="{not json", token=raw)
    assert r.status_code == 400 and r.json() == {"detail": "Cannot parse request body"}
    spec = client.get("/api/v1/openapi.json").json()
    assert "400" in spec["paths"]["/api/v1/projects/{slug}/{code}"]["patch"]["responses"]


@pytest.mark.parametrize(
    "raw_body, valid",
    [
        ('{"amount": "9999999999999.99"}', True),
        ('{"amount": 9999999999999.99}', True),
        ('{"amount": "10000000000000.00"}', False),
        ('{"amount": 1.8e308}', False),
    ],
)
def test_money_above_the_documented_maximum_is_refused_as_the_schema_says(
    api, token_for, client, raw_body, valid
):
    """The schema's maximum is what is taken: 9999999999999.99 passes validation (and goes on to the
    next check, finding the budget line: 404), more is refused at validation with the maximum named."""
    spec = client.get("/api/v1/openapi.json").json()
    number = spec["components"]["schemas"]["PaymentIn"]["properties"]["amount"]["anyOf"][1]
    assert number["maximum"] == 9999999999999.99
    _u, raw = token_for("editor", "las-zasavje")
    with translation.override("en"):
        r = api.patch(f"{PROJECT}/budget-lines/999999", raw_body=raw_body, token=raw)
    if valid:
        assert r.status_code == 404
    else:
        assert loc_of(r) == [["body", "amount"]]
        assert "at most 9999999999999.99" in r.json()["detail"][0]["msg"]


def test_a_rule_against_the_stored_data_is_a_422_of_type_refused(api, token_for):
    """The body has the documented shape; the project's stored start refuses the end (docs/api.md)."""
    _u, raw = token_for("editor", "las-zasavje")
    assert api.patch(PROJECT, {"start": "2023", "end": "2023"}, token=raw).status_code == 200
    r = api.patch(PROJECT, {"end": "2019"}, token=raw)
    assert r.status_code == 422
    assert [(e["loc"], e["type"]) for e in r.json()["detail"]] == [(["body", "end"], "refused")]


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"lat": 46.1}, ["body", "lon"]),
        ({"lon": 15.0}, ["body", "lat"]),
        ({"lat": None, "lon": 15.0}, ["body", "lat"]),
    ],
)
def test_lat_and_lon_come_together(api, token_for, body, loc):
    _u, raw = token_for("editor", "las-zasavje")
    assert loc_of(api.patch(PROJECT, body, token=raw)) == [loc]
