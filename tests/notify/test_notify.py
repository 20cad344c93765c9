"""Subscriptions and channels, immediate e-mail and digests, alerts to an area's followers and its banner,
one-click unsubscribe, applicants' notices."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from regija.accounts.models import Profile
from regija.core.services import Forbidden, Refused
from regija.notify import services, tasks
from regija.notify.models import Delivery, DeliveryStatus, EmailMode, Notification, Subscription
from tests.factories import OrganisationFactory, confirmed_user, member

pytestmark = pytest.mark.django_db


def test_following_starts_with_a_daily_digest_and_the_list(places):
    municipality, *_ = places
    user = confirmed_user()
    sub = services.follow(user, municipality)
    assert (sub.email, sub.in_app, sub.push) == (EmailMode.DAILY, True, False)
    again = services.follow(user, municipality, email="weekly")
    assert again.pk == sub.pk and Subscription.objects.get().email == "weekly"
    assert services.unfollow(user, municipality) and not Subscription.objects.exists()


def test_a_person_changes_only_their_own_subscriptions(places):
    municipality, *_ = places
    owner, other = confirmed_user(), confirmed_user()
    sub = services.follow(owner, municipality)
    with pytest.raises(Forbidden):
        services.set_preferences(other, sub, email="off")
    with pytest.raises(Refused) as bad:
        services.set_preferences(owner, sub, email="hourly")
    assert bad.value.field == "email"


def test_announce_reaches_followers_per_channel_and_digest_collects_all_items(places, commit):
    municipality, _area, other_place, _staff = places
    at_once, daily, silent, stranger = (
        confirmed_user(username=n) for n in ("takoj", "dnevno", "tiho", "tujec")
    )
    services.follow(at_once, municipality, email="immediate")
    services.follow(daily, municipality)
    services.follow(daily, other_place)
    services.follow(silent, municipality, email="off", in_app=False)
    services.follow(stranger, other_place, email="off")
    Profile.objects.create(user=at_once, language="en")

    title = gettext_lazy("Call %(number)s published")
    commit(
        services.announce, municipality, "news", title=title, context={"number": "1/2026"}, url="/razpisi/"
    )
    commit(services.announce, other_place, "news", title=title, context={"number": "2/2026"})

    assert [m.to for m in mail.outbox] == [["takoj@example.org"]]  # at once, only who chose it
    assert mail.outbox[0].subject == "Call 1/2026 published"  # in the recipient's language (English)
    assert Notification.objects.filter(user=daily, shown=True).count() == 2
    assert not Notification.objects.filter(user=silent).exists()  # nothing on any channel
    assert Notification.objects.get(user=stranger).email == EmailMode.OFF

    mail.outbox.clear()
    sent = tasks.send_digests(EmailMode.DAILY)
    assert sent == 1  # one e-mail per person per period
    (digest,) = mail.outbox
    assert digest.to == ["dnevno@example.org"]
    with translation.override("sl"):
        expected = [str(title) % {"number": n} for n in ("1/2026", "2/2026")]
    assert all(text in digest.body for text in expected)
    assert tasks.send_digests(EmailMode.DAILY) == 0  # the items are not sent twice


def test_every_email_has_one_click_unsubscribe_and_plain_and_html(places, commit):
    municipality, *_ = places
    user = confirmed_user()
    services.follow(user, municipality, email="immediate")
    commit(services.announce, municipality, "news", title="Novica")
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/obvestila/odjava/" in url
    assert message.alternatives[0][1] == "text/html" and url in message.body


def test_one_click_unsubscribe_post_without_cookies_and_get_confirms(client, places, commit):
    municipality, *_ = places
    user = confirmed_user()
    sub = services.follow(user, municipality, email="immediate")
    token = services.unsubscribe_token(user.pk, f"sub:{sub.pk}")
    path = reverse("notify:unsubscribe", args=[token])

    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    Subscription.objects.filter(pk=sub.pk).update(email="immediate")
    assert Subscription.objects.get(pk=sub.pk).email == "immediate"  # a GET changes nothing

    from django.test import Client

    answer = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert Subscription.objects.get(pk=sub.pk).email == EmailMode.OFF
    assert client.post(reverse("notify:unsubscribe", args=["forged"])).status_code == 404


def test_alert_reaches_followers_of_the_area_and_its_municipality_not_others(client, places, commit):
    municipality, area, other_place, staff = places
    of_area, of_municipality, elsewhere, list_only = (
        confirmed_user(username=n) for n in ("breg", "obcina", "drugje", "seznam")
    )
    services.follow(of_area, area)  # a daily digest, but an alert goes at once
    services.follow(of_municipality, municipality, push=False)
    services.follow(elsewhere, other_place, email="immediate")
    services.follow(list_only, area, email="off")

    alert = commit(
        services.issue_alert,
        staff,
        area,
        title_sl="Ni vode",
        title_en="No water",
        body_sl="Do 14.00.",
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["breg@example.org", "obcina@example.org"]
    assert all(m.subject.startswith("❗") for m in mail.outbox)
    assert Notification.objects.filter(alert=alert, priority=True).count() == 3  # list_only too, in the list
    assert not Notification.objects.filter(user=elsewhere).exists()
    alert.refresh_from_db()
    assert alert.recipients == 3

    # the banner on every page while active, gone when cancelled
    assert "Ni vode" in client.get(reverse("organisation_list")).content.decode()
    commit(services.cancel_alert, staff, alert)
    assert "Ni vode" not in client.get(reverse("organisation_list")).content.decode()


def test_alert_is_the_municipality_staffs_only(places):
    municipality, area, other_place, staff = places
    outsider = member("editor", other_place, username="urednik-y")
    with pytest.raises(Forbidden):
        services.issue_alert(outsider, area, title_sl="Ni vode")
    with pytest.raises(Refused) as bad:
        services.issue_alert(staff, OrganisationFactory(kind="ngo"), title_sl="Ni vode")
    assert bad.value.field == "area"
    with pytest.raises(Refused) as empty:
        services.issue_alert(staff, area, title_sl="  ")
    assert empty.value.field == "title_sl"


def test_failed_email_is_retried_with_back_off_then_given_up_and_shown_to_staff(
    client, places, commit, settings
):
    municipality, *_ = places
    user = confirmed_user()
    services.follow(user, municipality, email="immediate")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nobody listens
    commit(services.announce, municipality, "news", title="Novica")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert (delivery.next_attempt_at - delivery.created_at).total_seconds() >= 59

    import time_machine

    for minutes in (2, 8, 34, 160):
        with time_machine.travel(delivery.created_at.timestamp() + minutes * 60 + 60):
            tasks.retry_due_deliveries()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.GAVE_UP, 5)
    assert "ConnectionRefused" in delivery.last_error or "Error" in delivery.last_error

    admin = member(superuser=True, username="skrbnik")
    client.force_login(admin)
    page = client.get(reverse("notify:deliveries")).content.decode()
    assert "Novica" in page and "ConnectionRefused" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with_commit = client.post(reverse("notify:deliveries"), {"retry": delivery.pk})
    assert with_commit.status_code == 302
    client.force_login(confirmed_user())
    assert client.get(reverse("notify:deliveries")).status_code == 403


def test_in_app_list_unread_count_and_mark_read(client, places, commit):
    municipality, *_ = places
    user = confirmed_user()
    services.follow(user, municipality)
    commit(services.announce, municipality, "news", title="Prva")
    commit(services.announce, municipality, "news", title="Druga")
    client.force_login(user)
    page = client.get(reverse("notify:notifications")).content.decode()
    assert "Prva" in page and "Druga" in page and 'class="regija-count">2' in page
    client.post(reverse("notify:read"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert 'class="regija-count"' not in client.get(reverse("notify:notifications")).content.decode()


def test_follow_button_on_an_organisation_page(client, places):
    municipality, *_ = places
    user = confirmed_user()
    client.force_login(user)
    page = client.get(municipality.get_absolute_url()).content.decode()
    assert 'action="/obvestila/spremljaj/"' in page
    client.post(reverse("notify:follow"), {"type": "core.organisation", "id": municipality.pk})
    assert Subscription.objects.filter(user=user).count() == 1
    client.post(
        reverse("notify:follow"), {"type": "core.organisation", "id": municipality.pk, "action": "unfollow"}
    )
    assert not Subscription.objects.exists()
    assert client.post(reverse("notify:follow"), {"type": "auth.user", "id": user.pk}).status_code == 404


def test_preferences_page_saves_channels(client, places):
    municipality, *_ = places
    user = confirmed_user()
    sub = services.follow(user, municipality)
    client.force_login(user)
    assert "Občina X" in client.get(reverse("notify:preferences")).content.decode()
    client.post(reverse("notify:preferences"), {f"email-{sub.pk}": "weekly", f"push-{sub.pk}": "on"})
    sub.refresh_from_db()
    assert (sub.email, sub.in_app, sub.push) == ("weekly", False, True)


def test_direct_notice_in_the_recipients_language(places, commit):
    municipality, *_ = places
    sl, en = confirmed_user(username="sl"), confirmed_user(username="en")
    Profile.objects.create(user=en, language="en")
    commit(services.notify, [sl, en], "application_received", title=gettext_lazy("Search"))
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"sl@example.org": "Iskanje", "en@example.org": "Search"}


def test_list_and_banner_reads_are_bounded(client, places, commit, django_assert_max_num_queries):
    municipality, area, _o, staff = places
    user = confirmed_user()
    services.follow(user, municipality)
    for i in range(20):
        commit(services.announce, municipality, "news", title=f"Novica {i}")
    commit(services.issue_alert, staff, area, title_sl="Ni vode")
    client.force_login(user)
    client.get(reverse("notify:notifications"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notify:notifications")).status_code == 200


def test_an_address_with_a_line_break_adds_no_header_and_its_delivery_fails(places, commit):
    municipality, *_ = places
    fine = confirmed_user(email="dobro@example.org")
    sneaky = confirmed_user(email="a@example.org\r\nBcc: vsi@example.org")
    for person in (fine, sneaky):
        services.follow(person, municipality, email="immediate")
    commit(services.announce, municipality, "news", title="Novica")
    assert [m.to for m in mail.outbox] == [["dobro@example.org"]]
    failed = Delivery.objects.get(user=sneaky)
    assert failed.status == DeliveryStatus.FAILED and "BadHeaderError" in failed.last_error
