"""Sign-in through an OpenID Connect identity provider configured by REGIJA_OIDC_PROVIDERS, against a real
provider started in the test (oidc-provider-mock: discovery, JWKS, signed ID tokens, the authorization
code flow over HTTP). A provider trusted for residency verifies it from its claims."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from regija.accounts import selectors
from regija.settings import _oidc_apps
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.external]


@pytest.fixture
def provider():
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def test_sign_in_through_the_provider_verifies_residency(client, settings, provider):
    municipality = OrganisationFactory(
        kind="municipality", name="Mestna občina Velenje", registration_number="5883369"
    )
    area = OrganisationFactory(kind="local_community", name="KS Gorica", parent=municipality)
    config = [
        {
            "id": "sipass",
            "name": "SI-PASS",
            "server_url": provider,
            "client_id": "regija",
            "secret": "skrivnost",
            "trusted_for_residency": True,
            "residency_claim": "municipality_id",
            "area_claim": "local_community",
        }
    ]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": _oidc_apps(json.dumps(config))}
    }
    # the person as the provider knows them
    requests.put(
        f"{provider}/users/oseba-1",
        json={
            "email": "meta@example.si",
            "email_verified": True,
            "name": "Meta Novak",
            "municipality_id": "5883369",
            "local_community": "KS Gorica",
        },
        timeout=10,
    ).raise_for_status()

    login_url = reverse("openid_connect_login", kwargs={"provider_id": "sipass"})
    r = client.post(login_url)
    assert r.status_code == 302 and r["Location"].startswith(provider)
    # at the provider: the person signs in (the mock's form takes the subject)
    at_provider = requests.post(r["Location"], data={"sub": "oseba-1"}, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == reverse("openid_connect_callback", kwargs={"provider_id": "sipass"})
    assert "code" in parse_qs(back.query)
    # back at Regija: allauth exchanges the code at the token endpoint and checks the ID token
    r = client.get(f"{back.path}?{back.query}")
    assert r.status_code == 302, r.content.decode()[:2000]
    user_id = client.session.get("_auth_user_id")
    assert user_id is not None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)
    assert user.email == "meta@example.si"
    assert selectors.email_confirmed(user)
    assert selectors.is_verified_resident(user, municipality) and selectors.is_verified_resident(user, area)
    assert selectors.current_residencies(user).get().method == "oidc"


def test_an_untrusted_provider_signs_in_but_does_not_verify(client, settings, provider):
    municipality = OrganisationFactory(
        kind="municipality", name="Občina Šoštanj", registration_number="5880300"
    )
    config = [
        {
            "id": "obcina",
            "name": "Občinski IdP",
            "server_url": provider,
            "client_id": "regija",
            "secret": "s",
            "residency_claim": "municipality_id",
        }
    ]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": _oidc_apps(json.dumps(config))}
    }
    requests.put(
        f"{provider}/users/oseba-2",
        json={"email": "tine@example.si", "email_verified": True, "municipality_id": "5880300"},
        timeout=10,
    ).raise_for_status()
    r = client.post(reverse("openid_connect_login", kwargs={"provider_id": "obcina"}))
    at_provider = requests.post(r["Location"], data={"sub": "oseba-2"}, allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    r = client.get(f"{back.path}?{back.query}")
    assert r.status_code == 302 and client.session.get("_auth_user_id")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email="tine@example.si")
    assert not selectors.is_verified_resident(user, municipality)
