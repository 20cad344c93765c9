"""GDPR in the calendar: "my data" holds the person's registrations, followed calendars and whether they
have a personal feed (never its secret); deleting the account removes them and frees the place."""

from __future__ import annotations

import json

from django.urls import reverse

from regija.accounts import services as accounts
from regija.events import services
from regija.events.models import FeedToken, Follow, Registration
from tests.factories import UserFactory


def test_my_data_holds_my_calendar_and_not_the_feed_s_secret(client, make_event, org, resident):
    event = make_event(title="Delavnica", registration=True, capacity=1)
    services.register(resident, event, language="sl")
    services.follow(resident, org, reminders=True)
    secret = services.feed_token(resident)
    other = UserFactory(username="drugi")
    services.follow(other, org)

    client.force_login(resident)
    response = client.get(reverse("account_my_data"))
    data = json.loads(response.content)["events"]
    assert [(r["event"], r["title"]) for r in data["registrations"]] == [(event.pk, "Delavnica")]
    assert [(f["organisation"], f["reminders"]) for f in data["follows"]] == [("Občina Dogodki", True)]
    assert data["personal_feed"]["exists"] is True
    assert secret not in response.content.decode()


def test_deleting_the_account_removes_the_calendar_and_frees_the_place(make_event, org, resident):
    event = make_event(registration=True, capacity=1)
    services.register(resident, event)
    services.follow(resident, org)
    services.feed_token(resident)
    accounts.delete_account(resident)
    assert not Registration.objects.filter(user=resident).exists()
    assert not Follow.objects.filter(user=resident).exists()
    assert not FeedToken.objects.filter(user=resident).exists()
    services.register(UserFactory(username="naslednja"), event)  # the place is free again
    assert Registration.objects.filter(event=event).count() == 1
