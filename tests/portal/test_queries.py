"""Each page runs the same number of SQL queries however much data there is."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.core.models import Organisation
from regija.projects.models import Fund
from regija.strategies.models import Node, Strategy
from tests.factories import (
    CallFactory,
    DecisionFactory,
    IndicatorFactory,
    NodeFactory,
    ObservationFactory,
    StrategyFactory,
    project_with_money,
)

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
URLS = [
    "/",
    "/?pogled=tabela",
    f"/strategije/{LAS}/",
    f"/strategije/{LAS}/JP1/",
    f"/kazalniki/{LAS}/K1/",
    f"/kazalniki/{LAS}/K1/podatki.csv",
    "/projekti/",
    "/projekti/?pogled=zemljevid",
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


def _more_strategies() -> None:
    """Six more strategies, each with a goal, an indicator and a project with money and a place, and
    more calls (open ones among them) and decisions of bodies: what the start page sums and lists."""
    owner = Organisation.objects.get(slug="las-zasavje")
    fund = Fund.objects.get(code="CLLD")
    now = dt.datetime.now(dt.UTC)
    for i in range(6):
        strategy = StrategyFactory(owners=[owner], title=f"Dodatna strategija {i}")
        goal = NodeFactory(strategy=strategy, code=f"C{i}", level="goal", title=f"Cilj {i}")
        IndicatorFactory(node=goal, code=f"KD{i}", name=f"Kazalnik {i}", baseline_value=0, target_value=5)
        project_with_money(
            strategy=strategy,
            code=f"D{i}",
            title=f"Projekt {i}",
            holder=owner,
            municipality="Hrastnik",
            nodes=[goal],
            budget=[dict(fund=fund, amount=Decimal("1000.00"), secured="yes")],
            payments=[dict(fund=fund, label="izplačilo", amount=Decimal("100.00"), state="paid")],
        )
        CallFactory(
            organisation=owner,
            status="published",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=10 + i),
        )
        DecisionFactory(session__body__organisation=owner, session__date=dt.date(2024, 1, 1 + i))


def test_home_queries_do_not_grow_with_strategies_projects_calls_and_decisions(client, member):
    client.force_login(member("viewer", "las-zasavje"))  # no page cache: every part is read
    urls = ["/", "/?pogled=tabela"]

    def count() -> dict[str, int]:
        out = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            out[url] = len(queries)
        return out

    before = count()
    _more_strategies()
    after = count()
    assert after == before
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "11 strategies" in text and "Dodatna strategija 5" in text
    assert "No call is open at the moment." not in text  # the open calls lead the list now
