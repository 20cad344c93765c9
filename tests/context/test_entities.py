"""Entities and their attributes through the NGSI-LD API (clause 5.6 of ETSI GS CIM 009 V1.6.1), driven
with plain HTTP requests built as the spec shows them (its example entity of Annex C)."""

from __future__ import annotations

import copy
import json

import pytest

from regija.context.models import ContextEntity
from regija.core.models import AuditEntry

from .conftest import BASE, problem_type

VEHICLE = {
    "id": "urn:ngsi-ld:Vehicle:A4567",
    "type": "Vehicle",
    "brandName": {"type": "Property", "value": "Mercedes"},
    "isParked": {
        "type": "Relationship",
        "object": "urn:ngsi-ld:OffStreetParking:Downtown1",
        "observedAt": "2017-07-29T12:00:04Z",
        "providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:Bob"},
    },
    "speed": {"type": "Property", "value": 80, "unitCode": "KMH", "observedAt": "2017-07-29T12:00:04Z"},
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [15.1107, 46.3592]}},
    "name": {"type": "LanguageProperty", "languageMap": {"sl": "Avto", "en": "Car"}},
}
URL = "/entities/urn:ngsi-ld:Vehicle:A4567"


@pytest.fixture
def vehicle(post):
    response = post("post", "/entities", VEHICLE)
    assert response.status_code == 201, response.content
    return response


def test_create_answers_201_with_the_location_and_reads_back_as_given(vehicle, get):
    assert vehicle["Location"] == f"{BASE}{URL}"
    response = get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in response["Link"]
    assert response.json() == VEHICLE


def test_create_twice_is_already_exists(vehicle, post):
    response = post("post", "/entities", VEHICLE)
    assert response.status_code == 409
    assert problem_type(response) == "AlreadyExists"


def test_an_unknown_entity_is_resource_not_found(get, tenant):
    response = get("/entities/urn:ngsi-ld:Vehicle:none")
    assert response.status_code == 404
    assert problem_type(response) == "ResourceNotFound"


def test_key_values_and_concise(vehicle, get):
    kv = get(URL + "?options=keyValues").json()
    assert kv == {
        "id": VEHICLE["id"],
        "type": "Vehicle",
        "brandName": "Mercedes",
        "isParked": "urn:ngsi-ld:OffStreetParking:Downtown1",
        "speed": 80,
        "location": {"type": "Point", "coordinates": [15.1107, 46.3592]},
        "name": {"sl": "Avto", "en": "Car"},
    }
    concise = get(URL + "?options=concise").json()
    assert concise["brandName"] == "Mercedes"
    assert concise["speed"] == {"value": 80, "unitCode": "KMH", "observedAt": "2017-07-29T12:00:04Z"}
    assert concise["isParked"]["object"] == "urn:ngsi-ld:OffStreetParking:Downtown1"
    assert concise["isParked"]["providedBy"] == {"object": "urn:ngsi-ld:Person:Bob"}
    assert concise["location"] == {"type": "Point", "coordinates": [15.1107, 46.3592]}


def test_concise_input_is_the_same_entity(post, get):
    concise = {
        "id": "urn:ngsi-ld:Vehicle:B1",
        "type": "Vehicle",
        "brandName": "Mercedes",
        "speed": {"value": 80, "unitCode": "KMH"},
        "isParked": {"object": "urn:ngsi-ld:OffStreetParking:Downtown1"},
        "location": {"type": "Point", "coordinates": [15.1, 46.3]},
    }
    assert post("post", "/entities", concise).status_code == 201
    got = get("/entities/urn:ngsi-ld:Vehicle:B1").json()
    assert got["brandName"] == {"type": "Property", "value": "Mercedes"}
    assert got["speed"] == {"type": "Property", "value": 80, "unitCode": "KMH"}
    assert got["isParked"] == {"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:Downtown1"}
    assert got["location"]["type"] == "GeoProperty"


def test_system_attributes_only_when_asked(vehicle, get):
    plain = get(URL).json()
    assert "createdAt" not in plain and "modifiedAt" not in plain["speed"]
    full = get(URL + "?options=sysAttrs").json()
    assert full["createdAt"].endswith("Z") and full["modifiedAt"].endswith("Z")
    assert full["speed"]["createdAt"] == full["createdAt"]


def test_append_with_no_overwrite_keeps_what_exists(vehicle, post, get):
    body = {"speed": {"type": "Property", "value": 10}, "color": {"type": "Property", "value": "red"}}
    response = post("post", URL + "/attrs?options=noOverwrite", body)
    assert response.status_code == 207
    assert response.json()["updated"] == ["color"]
    assert [n["attributeName"] for n in response.json()["notUpdated"]] == ["speed"]
    got = get(URL).json()
    assert got["speed"]["value"] == 80 and got["color"]["value"] == "red"
    assert post("post", URL + "/attrs", {"speed": {"type": "Property", "value": 10}}).status_code == 204
    assert get(URL).json()["speed"] == {"type": "Property", "value": 10}


def test_update_attributes_changes_those_it_has(vehicle, post, get):
    body = {"speed": {"type": "Property", "value": 55}, "colour": {"type": "Property", "value": "blue"}}
    response = post("patch", URL + "/attrs", body)
    assert response.status_code == 207
    assert response.json()["notUpdated"][0]["attributeName"] == "colour"
    got = get(URL).json()
    assert got["speed"] == {"type": "Property", "value": 55}
    assert "colour" not in got
    assert post("patch", URL + "/attrs", {"speed": {"type": "Property", "value": 60}}).status_code == 204


def test_partial_attribute_update_keeps_the_rest(vehicle, post, get):
    response = post("patch", URL + "/attrs/speed", {"value": 33})
    assert response.status_code == 204, response.content
    assert get(URL).json()["speed"] == {
        "type": "Property",
        "value": 33,
        "unitCode": "KMH",
        "observedAt": "2017-07-29T12:00:04Z",
    }
    response = post("patch", URL + "/attrs/speed", {"observedAt": "2024-01-01T00:00:00Z"})
    assert response.status_code == 204
    assert get(URL).json()["speed"]["value"] == 33
    assert post("patch", URL + "/attrs/nothing", {"value": 1}).status_code == 404


def test_delete_an_attribute(vehicle, client, editor, get):
    assert client.delete(BASE + URL + "/attrs/brandName", **editor).status_code == 204
    assert "brandName" not in get(URL).json()
    response = client.delete(BASE + URL + "/attrs/brandName", **editor)
    assert response.status_code == 404 and problem_type(response) == "ResourceNotFound"


def test_replace_keeps_the_id_and_the_creation_time(vehicle, post, get):
    created = get(URL + "?options=sysAttrs").json()["createdAt"]
    response = post("put", URL, {"type": "Car", "speed": {"type": "Property", "value": 5}})
    assert response.status_code == 204, response.content
    got = get(URL + "?options=sysAttrs").json()
    assert got["type"] == "Car"
    assert set(got) == {"id", "type", "speed", "createdAt", "modifiedAt"}
    assert got["createdAt"] == created


def test_delete_an_entity(vehicle, client, editor, get):
    assert client.delete(BASE + URL, **editor).status_code == 204
    assert get(URL).status_code == 404
    assert client.delete(BASE + URL, **editor).status_code == 404


def test_a_write_is_in_the_audit_log_as_the_tokens_user(vehicle):
    entity = ContextEntity.objects.get()
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType.objects.get_for_model(ContextEntity)
    entry = AuditEntry.objects.filter(content_type=kind, object_id=str(entity.pk)).get()
    assert entry.via == "api"
    assert entry.user.username == "editor-velenje-iot"


# ----------------------------------------------------------------------------------------------- bad input


def _bad(**changes):
    entity = copy.deepcopy(VEHICLE)
    entity.update(changes)
    return entity


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{not json", "InvalidRequest"),
        ("[1, 2]", "InvalidRequest"),  # not the JSON object the operation takes (ETSI suite 001_02_02)
        ("[]", "InvalidRequest"),
        (_bad(type="type"), "BadRequestData"),  # JSON-LD's @type: no type name (ETSI suite 001_02_04)
        (_bad(id="not a uri"), "BadRequestData"),
        (_bad(id=42), "BadRequestData"),
        (_bad(type=None), "BadRequestData"),
        (_bad(speed={"type": "Property", "value": None}), "BadRequestData"),
        (_bad(speed={"type": "Property"}), "BadRequestData"),
        (_bad(speed={"type": "Propertee", "value": 1}), "BadRequestData"),
        (_bad(isParked={"type": "Relationship", "object": "no uri"}), "BadRequestData"),
        (_bad(speed={"type": "Property", "value": 1, "observedAt": "yesterday"}), "BadRequestData"),
        (
            _bad(location={"type": "GeoProperty", "value": {"type": "Point", "coordinates": [200, 46]}}),
            "BadRequestData",
        ),
        (
            _bad(location={"type": "GeoProperty", "value": {"type": "Point", "coordinates": "x"}}),
            "BadRequestData",
        ),
        (
            _bad(
                location={
                    "type": "GeoProperty",
                    "value": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]},
                }
            ),
            "BadRequestData",
        ),
        (_bad(location={"type": "Property", "value": "here"}), "BadRequestData"),
        (_bad(**{"@context": "http://example.org/c.jsonld"}), "BadRequestData"),
    ],
)
def test_bad_input_is_a_problem_and_writes_nothing(post, body, error):
    response = post("post", "/entities", body)
    assert response.status_code == 400, response.content
    assert problem_type(response) == error
    assert json.loads(response.content)["detail"]
    assert not ContextEntity.objects.exists()


def test_a_huge_body_is_refused(post, settings):
    settings.REGIJA_NGSI_MAX_BODY = 10_000
    body = _bad(note={"type": "Property", "value": "x" * 20_000})
    response = post("post", "/entities", body)
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert not ContextEntity.objects.exists()


def test_another_media_type_is_refused(post):
    response = post("post", "/entities", "id=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert not ContextEntity.objects.exists()


def test_an_unknown_method_is_405(client):
    response = client.patch(BASE + "/entities", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert "POST" in response["Allow"]


# ------------------------------------------------------------------------------------- tenants and tokens


def test_reads_are_open_writes_need_a_token(vehicle, client):
    read = client.get(BASE + URL, HTTP_NGSILD_TENANT="velenje-iot")
    assert read.status_code == 200
    response = client.post(
        BASE + "/entities",
        data=json.dumps(_bad(id="urn:ngsi-ld:Vehicle:X")),
        content_type="application/json",
        HTTP_NGSILD_TENANT="velenje-iot",
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    response = client.delete(
        BASE + URL, HTTP_NGSILD_TENANT="velenje-iot", HTTP_AUTHORIZATION="Bearer rgj_wrong"
    )
    assert response.status_code == 401
    assert ContextEntity.objects.count() == 1


@pytest.mark.parametrize("who", ["viewer", "other_editor"])
def test_only_the_tenants_editors_write(vehicle, client, tokens_of, who):
    auth = {"HTTP_NGSILD_TENANT": "velenje-iot", "HTTP_AUTHORIZATION": f"Bearer {tokens_of[who]}"}
    response = client.delete(BASE + URL, **auth)
    assert response.status_code == 403
    assert response.json()["detail"]
    assert ContextEntity.objects.count() == 1


def test_tenants_are_apart(vehicle, client, get):
    assert client.get(BASE + URL).status_code == 404  # the default tenant has no such entity
    response = client.get(BASE + URL, HTTP_NGSILD_TENANT="nobody")
    assert response.status_code == 404
    assert problem_type(response) == "NonexistentTenant"


def test_the_default_tenant_is_written_by_superusers_only(client, tokens_of):
    from regija.core import tokens
    from tests.factories import member

    entity = json.dumps(_bad(id="urn:ngsi-ld:Vehicle:D1"))
    editor = {"HTTP_AUTHORIZATION": f"Bearer {tokens_of['editor']}"}
    assert (
        client.post(BASE + "/entities", entity, content_type="application/json", **editor).status_code == 403
    )
    root = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create(member(superuser=True, username='root'), 'x')[1]}"}
    assert client.post(BASE + "/entities", entity, content_type="application/json", **root).status_code == 201
    assert client.get(BASE + "/entities/urn:ngsi-ld:Vehicle:D1").status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"id": "urn:ngsi-ld:T:1", "type": "T", "a": {"type": "Property", "value": NaN}}', 400),
        ('{"id": "urn:ngsi-ld:T:1", "type": "T", "a": {"type": "Property", "value": "x\\u0000y"}}', 400),
        ('{"id": "urn:ngsi-ld:T:1", "type": "T", "a": {"type": "Property", "value": "x\\ud800y"}}', 400),
        ('{"id": "urn:ngsi-ld:T:1", "type": "T", "a": ' + "[" * 100_000 + "]" * 100_000 + "}", 400),
    ],
)
def test_json_no_database_takes_is_refused(post, body, status):
    response = post("post", "/entities", body)
    assert response.status_code == status
    assert response.json()["status"] == status
    assert not ContextEntity.objects.exists()


def test_an_escaped_surrogate_pair_is_one_character(post, get):
    body = '{"id": "urn:ngsi-ld:T:1", "type": "T", "a": {"type": "Property", "value": "\\ud83d\\ude97"}}'
    assert post("post", "/entities", body).status_code == 201
    assert get("/entities/urn:ngsi-ld:T:1").json()["a"]["value"] == "\U0001f697"


def test_sub_attributes_nested_too_deep_are_refused(post):
    attr = {"type": "Property", "value": 1}
    for _ in range(40):
        attr = {"type": "Property", "value": 1, "sub": attr}
    response = post("post", "/entities", {"id": "urn:ngsi-ld:T:1", "type": "T", "a": attr})
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"
