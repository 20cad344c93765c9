"""Each page runs the same number of SQL queries however much data there is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.core.models import Organisation
from regija.projects.models import Fund
from regija.strategies.models import Node, Strategy
from tests.factories import IndicatorFactory, NodeFactory, ObservationFactory, project_with_money

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
URLS = [
    "/",
    f"/strategije/{LAS}/",
    f"/strategije/{LAS}/JP1/",
    f"/kazalniki/{LAS}/K1/",
    f"/kazalniki/{LAS}/K1/podatki.csv",
    "/projekti/",
    f"/projekti/?strategy={LAS}&status=completed&sort=-amount",
    f"/projekti/?strategy={LAS}&node=JP&fund=CLLD&amount_min=1000",
    f"/projekti/{LAS}/JP1-01/",
    "/projekti/izvoz.xlsx?strategy=" + LAS,
    "/organizacije/",
    "/organizacije/las-zasavje/",
    "/organizacije/krc-hrastnik/",
    "/skladi/",
    f"/preverjanje/?strategy={LAS}",
    "/preverjanje/",
    "/iskanje/?q=projekti",
]


def _grow() -> None:
    """More of everything in 002: projects with lines, payments and partners, nodes, indicators, values."""
    strategy = Strategy.objects.get(slug=LAS)
    fund = Fund.objects.get(code="CLLD")
    holder = Organisation.objects.get(slug="krc-hrastnik")
    partner = Organisation.objects.get(slug="las-zasavje")
    jp1 = Node.objects.get(strategy=strategy, code="JP1")
    for i in range(12):
        node = NodeFactory(parent=jp1, code=f"X{i}", level=jp1.level, title=f"Nova {i}", order=900 + i)
        indicator = IndicatorFactory(
            node=node,
            code=f"KX{i}",
            name=f"Kazalnik {i}",
            baseline_value=0,
            target_value=10,
            order=900 + i,
            baseline_date=dt.date(2020, 1, 1),
            target_date=dt.date(2030, 1, 1),
        )
        for year in (2021, 2022, 2023):
            ObservationFactory(indicator=indicator, date=dt.date(year, 12, 31), value=year - 2020)
        for j in range(3):
            project_with_money(
                strategy=strategy,
                code=f"JP1-X{i}-{j}",
                title=f"Dodatni projekt {i}-{j}",
                holder=holder,
                status="completed",
                municipality="Hrastnik",
                order=900 + i,
                nodes=[node, jp1],
                budget=[
                    dict(fund=fund, amount=Decimal("1500.00"), secured="yes"),
                    dict(fund=fund, amount=Decimal("500.00"), secured="partly"),
                ],
                payments=[dict(fund=fund, label="1. zahtevek", amount=Decimal("700.00"), state="paid")],
                partners=[dict(organisation=partner, budget_share=Decimal("100.00"))],
            )


def _counts(client) -> dict[str, int]:
    out = {}
    for url in URLS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        out[url] = len(queries)
    return out


def test_page_queries_do_not_grow_with_the_data(client, member):
    client.force_login(member("viewer", "las-zasavje"))  # staff: the consistency page too, and no page cache
    before = _counts(client)
    _grow()
    after = _counts(client)
    assert after == before
    assert max(before.values()) <= 25
