"""Odd form values on the committee's pages are a message on the page, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from regija.calls.models import ScoreSheet, SheetStatus
from tests.factories import evaluate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("application", ["abc", "", "1.5", "9" * 30, "-1"])
def test_the_chair_finalising_an_application_id_that_is_not_one_gets_a_message(
    client, submitted, application
):
    w = evaluate(submitted, finalise=False)
    client.force_login(w.users["chair"])
    url = reverse("call_evaluation", args=[w.call.pk])
    with translation.override("en"):
        r = client.post(url, {"finalise": "1", "application": application}, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 302 and r["Location"] == url
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose an application of this call to finalise." in page.content.decode()
    assert not ScoreSheet.objects.filter(status=SheetStatus.FINAL).exists()


def test_the_chair_finalises_by_a_good_id(client, submitted):
    w = evaluate(submitted, finalise=False)
    client.force_login(w.users["chair"])
    url = reverse("call_evaluation", args=[w.call.pk])
    r = client.post(url, {"finalise": "1", "application": str(w.apps[0].pk)})
    assert r.status_code == 302
    assert ScoreSheet.objects.filter(assignment__application=w.apps[0], status=SheetStatus.FINAL).exists()
