"""LAS Zasavje as its 2023 report (002) gives it: bodies and terms, and the five archived calls."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_bodies_page_shows_the_three_management_board_terms(client):
    r = client.get("/organizacije/las-zasavje/organi/")
    assert r.status_code == 200
    html = r.content.decode()
    start = html.index('id="body-upravni-odbor"')
    board = html[start : html.index("</section>", start)]
    for label in ("2015–2018", "2018–2024", "2024–2027"):
        assert f"<h4>{label}" in board, label
    # the current term first
    assert board.index("2024–2027") < board.index("2018–2024") < board.index("2015–2018")


def test_sessions_of_2023_with_their_agenda(client):
    html = client.get("/organizacije/las-zasavje/organi/?leto=2023").content.decode()
    assert "izključitev pogodbenih partnerjev" in html


def test_the_five_archived_calls_are_listed(client):
    html = client.get("/razpisi/?stanje=archive&organizacija=las-zasavje").content.decode()
    for n in range(1, 6):
        assert f"{n}. javni poziv Partnerstva LAS Zasavje" in html
    api = client.get("/api/v1/calls", {"organisation": "las-zasavje", "state": "archive"}).json()
    assert api["count"] == 5


def test_results_of_an_archived_call(client):
    r = client.get("/razpisi/las-zasavje/1-javni-poziv-partnerstva-las-zasavje/rezultati/")
    assert r.status_code == 200
    assert "TIC HRASTNIK" in r.content.decode()
    body = client.get("/api/v1/calls/las-zasavje/1-javni-poziv-partnerstva-las-zasavje/results").json()
    # the report's table of the 1st call: 228 770,81 EUR approved in total
    assert body["totals"]["approved_total"] == "228770.81"


def test_committee_and_bodies_api(client):
    body = client.get("/api/v1/organisations/las-zasavje/bodies").json()
    board = next(b for b in body["bodies"] if b["slug"] == "upravni-odbor")
    assert [t["label"] for t in board["terms"]] == ["2024–2027", "2018–2024", "2015–2018"]
    sessions = client.get("/api/v1/organisations/las-zasavje/sessions", {"year": 2023}).json()
    assert sessions["count"] >= 1 and all(
        s["date"] is None or s["date"].startswith("2023") for s in sessions["items"]
    )
    assert client.get("/api/v1/organisations/nobody/bodies").status_code == 404
