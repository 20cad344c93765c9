"""The number of SQL queries of each endpoint does not grow with the data: a page of 50 costs as many
queries as a page of 1, and details stay under a fixed bound."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"

LISTS = [
    "/strategies",
    "/indicators",
    "/indicators?strategy=velenje-pametno-mesto-2022-2030&node=1",
    "/projects",
    "/projects?fund=CLLD&status=completed&sort=-amount",
    "/organisations",
    "/organisations?kind=municipality",
    "/funds",
]


def _queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = api.get(path)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", LISTS)
def test_list_queries_do_not_grow_with_the_page(api, path):
    sep = "&" if "?" in path else "?"
    one = _queries(api, f"{path}{sep}page_size=1")
    fifty = _queries(api, f"{path}{sep}page_size=50")
    assert one == fifty
    assert fifty <= 8


@pytest.mark.parametrize(
    "path, most",
    [
        (f"/strategies/{LAS}", 14),
        ("/strategies/zasavje-po-2027", 14),
        ("/strategies/velenje-pametno-mesto-2022-2030/nodes/5.1", 8),
        (f"/indicators/{LAS}/K1", 4),
        (f"/projects/{LAS}/JP1-01", 8),
        ("/projects/geo", 3),
        ("/organisations/bsc-kranj", 6),
    ],
)
def test_details_have_a_fixed_number_of_queries(api, path, most):
    assert _queries(api, path) <= most


def test_strategy_detail_queries_do_not_depend_on_the_tree(api):
    # 51 nodes and 6 projects in one, 11 nodes and 44 projects in the other: the same number of queries
    assert _queries(api, "/strategies/savinjska-integralna-zelena-regija") == _queries(
        api, f"/strategies/{LAS}"
    )
    # 156 nodes and no money at all: the fund names need not be read, one query fewer
    assert _queries(api, "/strategies/zasavje-po-2027") <= _queries(api, f"/strategies/{LAS}")
