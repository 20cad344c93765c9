"""Residents' accounts (issue 16): sign-up with consent, the confirmation e-mail, sign-in by e-mail or
username; a honeypot and a per-address limit on sign-ups; an unconfirmed account cannot post."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from regija.accounts import selectors, services
from regija.accounts.models import Consent, Profile
from regija.core.services import Refused
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db
PASSWORD = "Dolgo-geslo-2027"


def _sign_up(client, email="ana@example.si", **extra):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "consent": "on", "website": ""}
    data.update(extra)
    return client.post(reverse("account_signup"), data, HTTP_ACCEPT_LANGUAGE="en")


def test_sign_up_confirm_by_the_e_mailed_link_and_sign_in(client):
    assert reverse("account_signup") == "/racun/registracija/"
    page = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "terms of use and the privacy notice" in page and 'name="website"' in page

    r = _sign_up(client)
    assert r.status_code == 302 and r["Location"] == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email="ana@example.si")
    assert not selectors.email_confirmed(user) and not selectors.can_contribute(user)
    # the consent is on record with the text's version and hash, and the language of the sign-up
    consents = {c.kind: c for c in Consent.objects.filter(user=user)}
    assert set(consents) == {"terms", "privacy"}
    assert consents["terms"].version == "2026-12" and len(consents["terms"].text_hash) == 64
    assert Profile.objects.get(user=user).language == "en"

    # unconfirmed: signing in is refused until the link is opened
    client.logout()
    r = client.post(reverse("login"), {"login": "ana@example.si", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    link = re.search(r"https?://[^/\s]+(/racun/potrditev/\S+/)", mail.outbox[-1].body).group(1)
    r = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "ana@example.si" in r.content.decode()
    r = client.post(link)
    assert r.status_code == 302
    assert selectors.email_confirmed(user) and selectors.can_contribute(user)

    client.logout()
    r = client.post(reverse("login"), {"login": "ana@example.si", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == reverse("account")
    assert client.session["_auth_user_id"] == str(user.pk)
    page = client.get(reverse("account"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verified residency" in page and "2026-12" in page


def test_sign_in_by_username_too(client):
    user = confirmed_user(username="bor", email="bor@example.si")
    user.set_password(PASSWORD)
    user.save()
    r = client.post(reverse("login"), {"login": "bor", "password": PASSWORD})
    assert r.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_a_filled_honeypot_is_refused(client):
    r = _sign_up(client, website="http://spam.example")
    assert r.status_code == 200
    assert "filled in by a program" in r.content.decode()
    assert not get_user_model().objects.filter(email="ana@example.si").exists()
    assert mail.outbox == []


def test_sign_up_needs_the_consent(client):
    r = _sign_up(client, consent="")
    assert r.status_code == 200
    assert not get_user_model().objects.filter(email="ana@example.si").exists()


def test_too_many_sign_ups_from_one_address_get_a_429_page(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "su"}
    }
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    from django.core.cache import cache

    cache.clear()
    for i in range(2):
        client.logout()
        assert _sign_up(client, email=f"bot{i}@example.si").status_code == 302
    client.logout()
    r = _sign_up(client, email="bot3@example.si")
    assert r.status_code == 429
    assert "Too many requests of this kind came from your address" in r.content.decode()
    assert not get_user_model().objects.filter(email="bot3@example.si").exists()
    cache.clear()


def test_an_unconfirmed_account_cannot_post_and_a_fast_one_is_slowed(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "co"}
    }
    settings.REGIJA_CONTRIBUTION_LIMIT = 3
    from django.core.cache import cache

    cache.clear()
    unconfirmed = get_user_model().objects.create_user("nepotrjen", "n@example.si", PASSWORD)
    EmailAddress.objects.create(user=unconfirmed, email="n@example.si", verified=False, primary=True)
    with pytest.raises(Refused) as refused:
        services.check_contribution_allowed(unconfirmed)
    assert refused.value.status == 403 and "potrdite svoj e-poštni naslov" in refused.value.message

    person = confirmed_user()
    for _ in range(3):
        services.check_contribution_allowed(person)
    with pytest.raises(Refused) as refused:
        services.check_contribution_allowed(person)
    assert refused.value.status == 429
    cache.clear()


def test_an_applicant_confirmed_through_a_call_has_a_confirmed_address():
    """One account system: the calls' registration link confirms allauth's EmailAddress too."""
    user = get_user_model().objects.create_user("prijavitelj@example.si", "prijavitelj@example.si", PASSWORD)
    services.mark_email_confirmed(user, "prijavitelj@example.si")
    assert selectors.email_confirmed(user)
    assert EmailAddress.objects.get(user=user).primary
