"""GDPR: what a person follows, their notifications, push browsers and deliveries are in "download my
data" (theirs only) and go with their account."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from regija.accounts import services as accounts
from regija.notify import services
from regija.notify.models import (
    Attachment,
    Delivery,
    Notification,
    Preference,
    PushSubscription,
    Subscription,
)
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db


def _browser(user, n):
    return PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example.org/{n}", p256dh="k", auth="a", user_agent="Firefox"
    )


def test_my_data_holds_what_i_follow_and_was_told_and_not_another_s(client, places, commit):
    municipality, area, *_ = places
    me, other = confirmed_user(), confirmed_user()
    services.follow(me, area, email="immediate", push=True)
    services.follow(other, municipality, email="weekly")
    services.set_direct_email(me, False)
    _browser(me, 1)
    _browser(other, 2)
    commit(services.announce, area, "news", title="Zapora ceste v KS Breg")
    commit(services.announce, municipality, "news", title="Seja sveta")
    ics = [("dogodek-1.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")]
    commit(services.notify, me, "event_reminder", title="Opomnik", attachments=lambda lang: ics)

    client.force_login(me)
    data = json.loads(client.get(reverse("account_my_data")).content)["notifications"]
    assert [(s["topic"], s["topic_name"], s["email"], s["push"]) for s in data["subscriptions"]] == [
        ("core.organisation", "KS Breg", "immediate", True)
    ]
    assert data["email_about_my_applications"] is False
    assert [(n["title"], n["attachments"]) for n in data["notifications"]] == [
        ("Zapora ceste v KS Breg", []),
        ("Opomnik", ["dogodek-1.ics"]),
    ]
    assert [b["endpoint"] for b in data["push_browsers"]] == ["https://push.example.org/1"]
    assert sorted(d["channel"] for d in data["deliveries"]) == ["email", "push"]
    assert "Seja sveta" not in json.dumps(data) and "push.example.org/2" not in json.dumps(data)


def test_deleting_the_account_deletes_its_notify_data_only(places, commit):
    municipality, area, *_ = places
    me, other = confirmed_user(), confirmed_user()
    for person in (me, other):
        services.follow(person, area, email="immediate")
    services.set_direct_email(me, False)
    _browser(me, 1)
    _browser(other, 2)
    commit(services.announce, area, "news", title="Zapora ceste")
    ics = [("dogodek-1.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")]
    commit(services.notify, [me, other], "event_reminder", title="Opomnik", attachments=lambda lang: ics)

    accounts.delete_account(me)
    assert list(Attachment.objects.values_list("notification__user", flat=True)) == [other.pk]

    for model in (Subscription, Notification, Delivery, PushSubscription, Preference):
        assert not model.objects.filter(user=me).exists(), model.__name__
    assert Subscription.objects.filter(user=other).count() == 1
    assert Notification.objects.filter(user=other).count() == 2
    assert Delivery.objects.filter(user=other).count() == 2
    assert PushSubscription.objects.filter(user=other).count() == 1
