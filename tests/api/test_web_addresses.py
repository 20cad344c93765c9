"""The API refuses a web address that is not http(s) with 422 naming the field (issue 12: javascript: URLs
were published as links); the other doors and the rule itself: tests/core/test_web_addresses.py."""

from __future__ import annotations

import pytest

from regija.strategies.models import Strategy

from .conftest import loc_of

pytestmark = pytest.mark.django_db

VELENJE = "velenje-pametno-mesto-2022-2030"
MOV = "mov"
ATTACK = "javascript:alert(document.cookie)"


def test_api_refuses_a_javascript_source_url_with_the_field(api, token_for):
    _user, raw = token_for("editor", MOV)
    before = Strategy.objects.get(slug=VELENJE).source_url
    response = api.patch(f"/strategies/{VELENJE}", {"source_url": ATTACK}, token=raw)
    assert ["body", "source_url"] in loc_of(response)
    assert "not javascript:" in response.json()["detail"][0]["msg"]
    assert Strategy.objects.get(slug=VELENJE).source_url == before


def test_api_changes_the_source_url_to_a_web_address(api, token_for):
    _user, raw = token_for("editor", MOV)
    response = api.patch(f"/strategies/{VELENJE}", {"source_url": "https://www.velenje.si/s.pdf"}, token=raw)
    assert response.status_code == 200, response.content
    assert response.json()["source"]["url"] == "https://www.velenje.si/s.pdf"
    assert Strategy.objects.get(slug=VELENJE).source_url == "https://www.velenje.si/s.pdf"
