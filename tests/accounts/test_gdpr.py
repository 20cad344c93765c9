"""GDPR: download all my data (mine only), delete my account (contributions stay, shown as by a deleted
account), consents with time and version."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from regija.accounts import personal_data, selectors, services
from regija.accounts.models import Consent, Deletion
from regija.core.models import ApiToken
from tests.factories import OrganisationFactory, confirmed_user, resident

pytestmark = pytest.mark.django_db


def test_my_data_holds_mine_and_never_another_s(client):
    municipality = OrganisationFactory(kind="municipality", name="Občina Šoštanj")
    me = resident(municipality, username="jaz", email="jaz@example.si", first_name="Maja")
    other = resident(municipality, username="drugi", email="drugi@example.si")
    services.give_consent(me, "terms")
    services.give_consent(other, "privacy")
    client.force_login(me)
    r = client.get(reverse("account_my_data"))
    assert (
        r.status_code == 200 and "attachment" in r["Content-Disposition"] and "no-store" in r["Cache-Control"]
    )
    data = json.loads(r.content)
    assert data["account"]["email"] == "jaz@example.si" and data["account"]["first_name"] == "Maja"
    assert [e["email"] for e in data["emails"]] == ["jaz@example.si"]
    assert data["residencies"][0]["municipality"] == "Občina Šoštanj"
    assert [(c["kind"], c["version"]) for c in data["consents"]] == [("terms", "2026-12")]
    assert "drugi" not in r.content.decode()


def test_other_apps_add_their_data_and_erase_it():
    calls = []
    personal_data.register(
        "test_notes", lambda user: {"notes": [user.pk]}, lambda user: calls.append(user.pk)
    )
    try:
        me = confirmed_user()
        assert services.export_data(me)["test_notes"] == {"notes": [me.pk]}
        services.delete_account(me)
        assert calls == [me.pk]
    finally:
        personal_data._sources.pop("test_notes")


def test_deleting_my_account_strips_it_and_keeps_it_as_a_deleted_author(client):
    municipality = OrganisationFactory(kind="municipality")
    me = resident(municipality, username="odhajam", email="odhajam@example.si", first_name="Oto")
    services.give_consent(me, "terms")
    ApiToken.objects.create(user=me, name="t", prefix="rgj_x", key_hash="h" * 64)
    assert selectors.display_name(me) == "Oto"
    client.force_login(me)
    page = client.get(reverse("account_delete"), HTTP_ACCEPT_LANGUAGE="en")
    assert "stays, shown as by a" in page.content.decode()
    r = client.post(reverse("account_delete"), {"reason": "Selim se.", "confirm": "on"})
    assert r.status_code == 302 and "_auth_user_id" not in client.session

    me.refresh_from_db()
    assert me.username == f"izbrisan-{me.pk}" and me.email == "" and me.first_name == ""
    assert not me.is_active and not me.has_usable_password()
    assert not EmailAddress.objects.filter(user=me).exists()
    assert not selectors.is_verified_resident(me, municipality)
    assert not ApiToken.objects.filter(user=me, revoked_at__isnull=True).exists()
    assert Deletion.objects.get(user=me).reason == "Selim se."
    assert Consent.objects.filter(user=me).exists()  # the record of what was agreed stays
    assert str(selectors.display_name(me)) in ("izbrisan račun", "deleted account")
    # cannot sign in again
    r = client.post(reverse("login"), {"login": "odhajam@example.si", "password": "pw-Regija-2026"})
    assert "_auth_user_id" not in client.session


def test_consents_are_withdrawn_with_the_time_and_given_again(client):
    me = confirmed_user()
    client.force_login(me)
    client.post(reverse("account_consent"), {"kind": "privacy", "action": "give"})
    client.post(reverse("account_consent"), {"kind": "privacy", "action": "withdraw"})
    consent = Consent.objects.get(user=me, kind="privacy")
    assert consent.withdrawn_at is not None and consent.given_at <= consent.withdrawn_at
    assert selectors.current_consent(me, "privacy") is None
    page = client.get(reverse("account_terms")).content.decode()
    assert "Pogoji uporabe" in page and consent.text_hash in page
