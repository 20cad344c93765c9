"""GET /projects takes the list page's ProjectFilters: the same names give the same projects in the
same order, and the same bad input is refused – here as 422 naming the parameter."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from regija.projects import selectors
from regija.projects.filters import ProjectFilters

from .conftest import loc_of

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"


def _all_pages(api, query: str) -> list[tuple[str, str]]:
    out, page = [], 1
    while True:
        r = api.get(
            f"/projects?{query}&page_size=7&page={page}" if query else f"/projects?page_size=7&page={page}"
        )
        assert r.status_code == 200, r.content
        body = r.json()
        out += [(p["strategy"], p["code"]) for p in body["items"]]
        if body["next"] is None:
            return out
        page += 1


@pytest.mark.parametrize(
    "query",
    [
        "",
        f"strategy={GORENJSKA}",
        f"strategy={LAS}&node=JP5",
        f"strategy={LAS}&node=SLR",
        "fund=CLLD",
        "fund=INTERREG",
        "status=idea",
        "status=approved&status=in_progress",
        "holder=bsc-kranj",
        "municipality=tr%C5%BEi%C4%8D",
        "year_from=2020",
        "year_to=2018",
        "year_from=2019&year_to=2021",
        "amount_min=50000",
        "amount_max=20000",
        "amount_min=1.200,50",
        "amount_min=10000&amount_max=100000&sort=-amount",
        "sort=title",
        "sort=-start",
        "sort=holder",
        "sort=amount",
        f"strategy={GORENJSKA}&status=idea&sort=-title",
        "strategy=unknown-slug",
        f"strategy={LAS}&node=unknown",
    ],
)
def test_same_projects_in_the_same_order_as_the_list_page(api, query):
    filters, errors = ProjectFilters.from_querydict(QueryDict(query))
    assert not errors
    expected = [(p.strategy.slug, p.code) for p in filters.apply(selectors.project_queryset())]
    assert _all_pages(api, query) == expected


def test_count_matches(api):
    filters = ProjectFilters(fund="CLLD", status=["completed"])
    body = api.get("/projects", {"fund": "CLLD", "status": "completed"}).json()
    assert body["count"] == filters.apply(selectors.project_queryset()).count() > 0


@pytest.mark.parametrize(
    "params, loc",
    [
        ({"status": "foo"}, ["query", "status", 0]),
        ({"status": ["idea", "foo"]}, ["query", "status", 1]),
        ({"amount_min": "abc"}, ["query", "amount_min"]),
        ({"amount_max": "-5"}, ["query", "amount_max"]),
        ({"amount_min": "1.005"}, ["query", "amount_min"]),
        ({"year_from": "abc"}, ["query", "year_from"]),
        ({"year_to": "1800"}, ["query", "year_to"]),
        ({"sort": "price"}, ["query", "sort"]),
        ({"page": "0"}, ["query", "page"]),
        ({"page_size": "101"}, ["query", "page_size"]),
        ({"page_size": "many"}, ["query", "page_size"]),
    ],
)
def test_bad_filter_is_422_naming_the_parameter(api, params, loc):
    r = api.get("/projects", params)
    assert loc in loc_of(r)
    for err in r.json()["detail"]:
        assert set(err) == {"loc", "msg", "type"} and err["msg"]


def test_checks_across_filters_are_422(api):
    for params in (
        {"node": "JP1"},
        {"year_from": "2022", "year_to": "2020"},
        {"amount_min": "10", "amount_max": "5"},
    ):
        r = api.get("/projects", params)
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["query"]
