"""Two-factor authentication is required for staff roles (REGIJA_STAFF_MFA, on in production): a staff
user without it is sent to set it up before any staff page, the back office or a write through the API
with their session; with it, signing in asks for the code. Residents and viewers are not asked."""

from __future__ import annotations

import json
import time

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import reverse

from regija.core import tokens
from tests.factories import PASSWORD, confirmed_user, member

pytestmark = [pytest.mark.django_db, pytest.mark.staff_mfa]


def _code(secret: str, shift: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + shift))


def _editor():
    user = member("editor", "las-zasavje", username="urednik")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _sign_in(client, login):
    return client.post(reverse("login"), {"login": login, "password": PASSWORD})


def test_staff_without_two_factor_are_sent_to_set_it_up_then_sign_in_with_a_code(client):
    user = _editor()
    assert _sign_in(client, "urednik").status_code == 302
    for url in (reverse("account_residents"), "/admin/", reverse("project_list")):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("mfa_activate_totp")), url
    # a write through the API with the session is refused; the account's own pages work
    r = client.patch(
        "/api/v1/projects/las-zasavje-2023/JP1-01",
        data=json.dumps({"title": "X"}),
        content_type="application/json",
    )
    assert r.status_code == 403 and "dvostopenjsko preverjanje" in r.json()["detail"]
    assert client.get(reverse("account")).status_code == 302  # /racun/ too is behind it
    # allauth asks for the password again before an authenticator is added
    r = client.get(reverse("mfa_activate_totp"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_reauthenticate"))
    r = client.post(r["Location"], {"password": PASSWORD})
    assert r.status_code == 302
    page = client.get(reverse("mfa_activate_totp"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Activate Authenticator App" in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]
    r = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert r.status_code == 302
    assert client.get(reverse("account_residents")).status_code in (200, 403)
    assert client.get(reverse("project_list")).status_code == 200

    # a new sign-in asks for the code before the person is in
    client.logout()
    r = _sign_in(client, "urednik")
    assert r.status_code == 302 and r["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    with time_machine.travel(time.time() + 31, tick=False):
        r = client.post(
            reverse("mfa_authenticate"), {"code": "000000" if _code(secret) != "000000" else "111111"}
        )
        assert r.status_code == 200 and "_auth_user_id" not in client.session
        r = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
        assert r.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
        assert client.get(reverse("project_list")).status_code == 200


def test_a_back_office_sign_in_without_the_code_is_sent_to_enter_it(client):
    """Django's own admin sign-in checks only the password: the code is asked before the back office."""
    user = member(username="root", superuser=True)
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    r = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert r.status_code == 302
    r = client.get("/admin/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("mfa_reauthenticate"))


def test_api_tokens_keep_working_and_residents_are_not_asked(client):
    user = _editor()
    _token, raw = tokens.create(user, "skripta")
    r = client.patch(
        "/api/v1/projects/las-zasavje-2023/JP1-01",
        data=json.dumps({"title": "Nov naslov"}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + raw,
    )
    assert r.status_code == 200, r.content
    resident = confirmed_user(username="prebivalka")
    resident.set_password(PASSWORD)
    resident.save()
    assert _sign_in(client, "prebivalka").status_code == 302
    assert client.get(reverse("account")).status_code == 200
    assert client.get(reverse("project_list")).status_code == 200
