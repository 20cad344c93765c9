"""The search page /iskanje/ and the API router."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.usefixtures("indexed"), pytest.mark.real_cache]

GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"


def get(client, **params):
    return client.get(reverse("search"), params, HTTP_ACCEPT_LANGUAGE="en")


def test_page_lists_results_grouped_by_kind(client):
    response = get(client, q="industrijska dediščina")
    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == ["search/results.html", "base.html"]
    assert response.context["search_query"] == "industrijska dediščina"
    assert response.context["nav"] == "search"
    html = response.content.decode()
    assert len(re.findall(r"<h1[ >]", html)) == 1
    headings = re.findall(r'<h2 id="results-(\w+)">', html)
    assert headings == ["node", "project", "organisation"]
    assert f'href="{reverse("project", args=[GORENJSKA, "2.1-P1"])}"' in html
    assert "Industrijska dediščina, naš ponos" in html
    assert 'value="industrijska dediščina"' in html  # the query stays in the search box
    total = response.context["results"].total
    assert f"{total} results for “industrijska dediščina”." in html


def test_group_headings_carry_their_totals(client):
    response = get(client, q="projekt")
    results = response.context["results"]
    html = response.content.decode()
    for group in results.groups:
        assert re.search(
            rf'<h2 id="results-{group.kind}">[^<]+<span class="muted">\({group.total}\)</span></h2>', html
        )


def test_kind_filter_shows_one_group_and_pages(client):
    response = get(client, q="projekt", kind="node")
    results = response.context["results"]
    assert [g.kind for g in results.groups] == ["node"]
    total = results.groups[0].total
    assert total > 10
    html = response.content.decode()
    assert "Show all kinds of results" in html
    if total > 50:
        assert 'rel="next"' in html
    page2 = get(client, q="projekt", kind="node", page="2")
    assert page2.status_code == 200


def test_overview_links_to_all_results_of_a_kind(client):
    response = get(client, q="projekt")
    html = response.content.decode()
    assert "?q=projekt&amp;kind=node" in html


def test_unknown_kind_and_bad_page_are_ignored(client):
    assert get(client, q="projekt", kind="nonsense").status_code == 200
    assert get(client, q="projekt", kind="node", page="x").status_code == 200


def test_nothing_found(client):
    response = get(client, q="xyzzyplugh")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was found for “xyzzyplugh”." in html
    assert "<h2" not in html.split("<main", 1)[1]


def test_empty_and_stop_word_queries(client):
    html = get(client).content.decode()
    assert "Type one or more words to search for." in html
    html = get(client, q="in na za").content.decode()
    assert "has no words to search for" in html


def test_query_is_escaped(client):
    html = get(client, q='<script>alert("x")</script>').content.decode()
    assert "<script>alert" not in html


def test_page_in_slovenian_by_default(client):
    response = client.get(reverse("search"), {"q": "občina"})
    assert response.status_code == 200
    assert '<html lang="sl"' in response.content.decode()


def test_page_query_count_is_bounded(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # session, user and the two of the search
        get(client, q="industrijske dediščine na Gorenjskem")


# --- the API router (regija/search/api.py), as mounted at /api/v1/ (regija/portal/api.py) ---------------


def test_api_search(client):
    response = client.get("/api/v1/search?q=dediščina&kind=project&limit=2")
    assert response.status_code == 200
    data = response.json()
    assert data["words"] == ["dediščina"]
    assert [g["kind"] for g in data["groups"]] == ["project"]
    group = data["groups"][0]
    assert group["total"] == 8
    assert [h["code"] for h in group["hits"]] == ["2.1-P1", "LIFE-NETOPIRJI"]
    assert group["hits"][0]["url"] == reverse("project", args=[GORENJSKA, "2.1-P1"])
    assert set(group["hits"][0]) == {"kind", "title", "code", "context", "url", "score"}


def test_api_validates_the_query(client):
    assert client.get("/api/v1/search").status_code == 422
    assert client.get("/api/v1/search?q=").status_code == 422
    assert client.get("/api/v1/search?q=" + "a" * 201).status_code == 422
    assert client.get("/api/v1/search?q=x&kind=nonsense").status_code == 422
    response = client.get("/api/v1/search?q=in+na")
    assert response.status_code == 200
    assert response.json() == {"query": "in na", "words": [], "total": 0, "groups": []}
