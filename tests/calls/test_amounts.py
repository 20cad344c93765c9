"""Amounts as people type them (issue 13: "a money field that misleads").

In a browser's number input "12345,67" – how a Slovenian writes twelve thousand … euros and 67 cents –
was sent as 1234567 and saved as 1.234.567,00 €. The application form now takes amounts as text and
reads them the Slovenian way; an amount that reads differently in Slovenian and English is refused
with a message saying how to write it, and the form shows an amount back as it understood it.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from regija.calls import services
from tests.factories import DURING

from .test_views import _draft_post

pytestmark = pytest.mark.django_db


def _post(client, w, typed: str, language: str = "sl"):
    app = services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")
    client.force_login(w.users["applicant"])
    answer = client.post(
        reverse("application", args=[app.pk]),
        _draft_post(app, **{"funds-0-fund": str(w.fund.pk), "funds-0-requested": typed}),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    return app, answer


@pytest.mark.parametrize("typed", ["12345,67", "12.345,67", "12 345,67", "12\u00a0345,67", "12345.67"])
def test_each_way_of_writing_twelve_thousand_euros_is_the_same_amount(client, published, clock, typed):
    clock(DURING)
    app, answer = _post(client, published, typed)
    assert answer.status_code in (200, 302)
    assert app.funds.get().requested == Decimal("12345.67")


@pytest.mark.parametrize("typed", ["12.345", "12,345", "12.345,678", "12e3", "dvanajst tisoč"])
def test_an_amount_that_could_be_read_two_ways_is_refused_with_how_to_write_it(
    client, published, clock, typed
):
    clock(DURING)
    app, answer = _post(client, published, typed, language="en")
    assert answer.status_code == 422
    page = answer.content.decode()
    assert f"“{typed}” is not an amount we can read for certain" in page
    assert "Write it as 12.345,67 or 12345,67" in page
    assert not app.funds.exists()


def test_a_negative_request_is_refused(client, published, clock):
    clock(DURING)
    app, answer = _post(client, published, "-500", language="en")
    assert answer.status_code == 422
    assert "greater than or equal to 0" in answer.content.decode()
    assert not app.funds.exists()


def test_the_amount_is_a_text_field_a_browser_does_not_rewrite_and_is_shown_back_as_understood(
    client, published, clock
):
    clock(DURING)
    app, _answer = _post(client, published, "12345,67")
    page = client.get(reverse("application", args=[app.pk])).content.decode()
    field = re.search(r'<input[^>]*name="funds-0-requested"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'inputmode="decimal"' in field
    assert 'value="12.345,67"' in field
