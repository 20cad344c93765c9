"""The start page lists every strategy, in Slovenian by default, with a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.interchange.importer import import_text
from regija.strategies.models import Strategy

pytestmark = pytest.mark.django_db


def test_home_lists_every_strategy_with_a_link_to_its_page(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for strategy in Strategy.objects.all():
        assert strategy.title in html
        assert f'href="/strategije/{strategy.slug}/"' in html
    assert '<html lang="sl"' in html


def test_home_in_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en"' in response.content.decode()


def _extra_strategy(i: int) -> str:
    return f"""
regija: 1
strategy: {{slug: extra-{i}, title: Extra {i}, owners: [extra-org-{i}], status: draft, source: {{title: x}}}}
organisations: [{{slug: extra-org-{i}, name: Org {i}, kind: ngo}}]
nodes: [{{code: A, level: goal, title: A}}, {{code: B, level: goal, title: B}}]
"""


def test_home_queries_do_not_grow_with_the_data(client):
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for i in range(5):
        import_text(_extra_strategy(i))
    with CaptureQueriesContext(connection) as after:
        response = client.get("/")
    assert "Extra 4" in response.content.decode()
    # without a cache every part is read: the data version and the next moment a call opens or closes;
    # the headline figures (strategies, indicators, projects, money: 4); the map's points; the latest
    # calls with their budgets (2) and decisions; the page of strategies with owners, money and
    # indicators (5); the active alerts shown as banners (1, kept per data version – regija.notify)
    assert len(after) == len(before) <= 16


def test_admin_pages_open_for_staff(admin_client):
    for url in (
        "/admin/",
        "/admin/strategies/strategy/",
        "/admin/strategies/node/",
        "/admin/projects/project/",
        "/admin/projects/fund/",
        "/admin/core/organisation/",
        "/admin/strategies/indicator/",
    ):
        assert admin_client.get(url).status_code == 200, url
    project = Strategy.objects.get(slug="las-zasavje-2023").projects.first()
    assert admin_client.get(f"/admin/projects/project/{project.pk}/change/").status_code == 200


def test_admin_is_closed_to_the_public(client):
    response = client.get("/admin/projects/project/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_indicator_admin_shows_progress_or_what_is_missing(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = (
        f"/admin/strategies/indicator/?strategy__id__exact={Strategy.objects.get(slug='zasavje-po-2027').pk}"
    )
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # 000's commuting indicator has baseline, target and one observation at the baseline: 0 % of the way
    assert "0.0 %" in html
    # Velenje-style indicators without values say what is missing instead of a figure
    assert "missing: baseline, target" in html
    other = Strategy.objects.get(slug="velenje-pametno-mesto-2022-2030").pk
    with CaptureQueriesContext(connection) as more:
        admin_client.get(f"/admin/strategies/indicator/?strategy__id__exact={other}")
    assert len(more) == len(queries)  # 40 indicators cost the same queries as 11
