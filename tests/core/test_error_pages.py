"""Error pages in the site's layout and language, each with a way on (issue 13, "No dead ends")."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from regija.strategies.models import Strategy

pytestmark = pytest.mark.django_db


def test_an_unknown_address_answers_in_the_site_layout_with_a_way_on(client):
    page = client.get("/ta-stran-ne-obstaja/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Page not found" in text
    assert '<nav aria-label="Main"' in text  # the site's header and navigation, not a bare "Not Found"
    assert f'href="{reverse("home")}"' in text and f'href="{reverse("search")}"' in text


def test_the_not_found_page_speaks_slovenian_by_default(client):
    text = client.get("/ta-stran-ne-obstaja/").content.decode()
    assert '<html lang="sl"' in text
    assert "Page not found" not in text


def test_a_refusal_answers_in_the_site_layout(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("brez-clanstva", password="x"))
    strategy = Strategy.objects.get(slug="las-zasavje-2023")
    page = client.get(f"/zgodovina/strategy/{strategy.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    text = page.content.decode()
    assert "Not allowed" in text and '<nav aria-label="Main"' in text


@override_settings(DEBUG=False)
def test_the_server_error_page_needs_nothing_but_a_template(rf):
    from regija.core.busy import server_error

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        answer = server_error(rf.get("/"))
    assert answer.status_code == 500
    assert b"regija.css" in answer.content and b"Not Found" not in answer.content
