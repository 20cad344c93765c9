"""The person's own account through the API (/api/v1/me…): the same services as /racun/, a token's own
person only, bounded queries, and in the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from regija.accounts import selectors, services
from regija.accounts.models import Consent, Deletion, Profile
from regija.core import tokens
from tests.factories import OrganisationFactory, confirmed_user, member, resident

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _auth(user):
    return {"HTTP_AUTHORIZATION": "Bearer " + tokens.create(user, "mobilna")[1]}


def _send(client, method, path, headers, body=None):
    return getattr(client, method)(
        API + path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )


def test_me_shows_my_account_only(client, django_assert_max_num_queries):
    municipality = OrganisationFactory(kind="municipality", slug="obcina-x", name="Občina X")
    me = resident(municipality, username="jaz", email="jaz@example.si")
    services.give_consent(me, "terms")
    resident(municipality, username="drugi", email="drugi@example.si")
    headers = _auth(me)
    with django_assert_max_num_queries(15):
        r = client.get(API + "/me", **headers)
    assert r.status_code == 200
    body = r.json()
    assert body["email"] == "jaz@example.si" and body["email_confirmed"] and body["can_contribute"]
    assert [x["municipality"] for x in body["residencies"]] == ["obcina-x"]
    assert [c["kind"] for c in body["consents"]] == ["terms"]
    assert "drugi" not in r.content.decode()
    assert client.get(API + "/me").status_code == 401


def test_language_consents_residency_and_data(client):
    municipality = OrganisationFactory(kind="municipality", slug="obcina-y")
    me = confirmed_user(username="mobilni")
    headers = _auth(me)
    r = _send(client, "patch", "/me", headers, {"language": "en"})
    assert (
        r.status_code == 200
        and r.json()["language"] == "en"
        and Profile.objects.get(user=me).language == "en"
    )
    r = _send(client, "patch", "/me", headers, {"language": "xx"})
    assert r.status_code == 422
    r = _send(client, "post", "/me/consents", headers, {"kind": "privacy"})
    assert r.status_code == 200 and Consent.objects.filter(user=me, kind="privacy").count() == 1
    r = _send(client, "post", "/me/consents", headers, {"kind": "privacy", "action": "withdraw"})
    assert r.json()["consents"][0]["withdrawn_at"] is not None

    body = {"municipality": "obcina-y", "name": "Mobi", "address": "Ulica 2", "postcode": "3320 Velenje"}
    r = _send(client, "post", "/me/residency-requests", headers, body)
    assert r.status_code == 201 and r.json()["residency_requests"][0]["state"] == "waiting"
    assert _send(client, "post", "/me/residency-requests", headers, body).status_code == 409
    request = me.residency_requests.get()
    [(_r, code)] = services.print_letters(member("editor", municipality, username="obcinar"), [request])
    r = _send(client, "post", "/me/residency-code", headers, {"code": "AAAA-AAAA-AAAA"})
    assert r.status_code == 422 and "Tries left: 4" in r.content.decode()
    r = _send(client, "post", "/me/residency-code", headers, {"code": code})
    assert r.status_code == 200 and selectors.is_verified_resident(me, municipality)

    r = client.get(API + "/me/data", **headers)
    assert r.status_code == 200 and r.json()["residencies"][0]["method"] == "post"


def test_delete_needs_confirmation_and_ends_the_token(client):
    me = confirmed_user(username="brisem")
    headers = _auth(me)
    assert _send(client, "post", "/me/delete", headers, {"confirm": False}).status_code == 422
    assert _send(client, "post", "/me/delete", headers, {"confirm": True, "reason": "API"}).status_code == 204
    assert Deletion.objects.get(user=me).reason == "API"
    assert client.get(API + "/me", **headers).status_code == 401


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get(API + "/openapi.json").json()["paths"]
    for path in ("/api/v1/me", "/api/v1/me/data", "/api/v1/me/consents", "/api/v1/me/residency-code"):
        assert path in paths
