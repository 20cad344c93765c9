"""Batch entity operations through the NGSI-LD API (ETSI GS CIM 009 V1.6.1 clauses 5.6.7–5.6.10, HTTP
binding 6.14–6.17), driven with plain HTTP requests as the spec shows them: a JSON array of entities (of
ids for delete) posted to /entityOperations/create|upsert|update|delete; 201 with the ids, 204, or
207 Multi-Status with a BatchOperationResult (5.2.16) of the ids written and a BatchEntityError (5.2.17)
– the entity's id and its Problem Details – for each entity refused."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType

from regija.context.models import ContextEntity
from regija.core.models import AuditEntry

from .conftest import BASE, problem_type

DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"


def vehicle(n: str, brand: str = "Mercedes", speed: int = 80) -> dict:
    return {
        "id": f"urn:ngsi-ld:Vehicle:{n}",
        "type": "Vehicle",
        "brandName": {"type": "Property", "value": brand},
        "speed": {"type": "Property", "value": speed},
    }


A101, A102, A103 = vehicle("A101"), vehicle("A102", "Suzuki", 81), vehicle("A103", "Maruti", 68)


def ids(*entities: dict) -> list[str]:
    return [e["id"] for e in entities]


def stored(entity_id: str) -> ContextEntity | None:
    return ContextEntity.objects.filter(entity_id=entity_id).first()


@pytest.fixture
def batch(post):
    def send(operation, body, query="", **headers):
        return post("post", f"/entityOperations/{operation}{query}", body, **headers)

    return send


@pytest.fixture
def two(batch):
    response = batch("create", [A101, A102])
    assert response.status_code == 201, response.content
    return response


def errors_of(response) -> dict[str, str]:
    """entityId → the error type of a BatchOperationResult, its Problem Details checked."""
    body = response.json()
    assert set(body) == {"success", "errors"}, body
    found = {}
    for error in body["errors"]:
        assert set(error) == {"entityId", "error"}
        problem = error["error"]
        assert {"type", "title", "status", "detail"} <= set(problem), problem
        found[error["entityId"]] = problem["type"].rsplit("/", 1)[-1]
    return found


# ---------------------------------------------------------------------------------------------- create


def test_create_all_is_201_with_the_ids(two, get):
    assert two.json() == ids(A101, A102)
    assert get("/entities/urn:ngsi-ld:Vehicle:A102").json() == A102


def test_each_entity_is_audited_as_the_tokens_user(two):
    kind = ContentType.objects.get_for_model(ContextEntity)
    for entity in ContextEntity.objects.all():
        entry = AuditEntry.objects.filter(content_type=kind, object_id=str(entity.pk)).get()
        assert entry.via == "api"
        assert entry.user.username == "editor-velenje-iot"


def test_create_partly_is_207_naming_each_failed_entity(two, batch, get):
    broken = vehicle("A104")
    broken["speed"] = {"type": "Property", "value": None}  # a Property needs a value
    response = batch("create", [A101, A103, broken])
    assert response.status_code == 207
    assert response.json()["success"] == [A103["id"]]
    assert errors_of(response) == {A101["id"]: "AlreadyExists", broken["id"]: "BadRequestData"}
    assert get("/entities/urn:ngsi-ld:Vehicle:A103").status_code == 200
    assert stored(broken["id"]) is None  # nothing of the failed entity is written
    assert stored(A101["id"]).doc[DEFAULT + "brandName"]["value"] == "Mercedes"


def test_the_same_id_twice_in_one_create_writes_it_once(batch):
    response = batch("create", [A101, vehicle("A101", "Opel")])
    assert response.status_code == 207
    assert response.json()["success"] == [A101["id"]]
    assert errors_of(response) == {A101["id"]: "AlreadyExists"}
    assert stored(A101["id"]).doc[DEFAULT + "brandName"]["value"] == "Mercedes"


def test_with_ld_json_each_entity_brings_its_own_context(batch, get):
    cars = {**A101, "@context": {"Vehicle": "http://example.org/cars/Vehicle"}}
    trucks = {**A102, "@context": {"Vehicle": "http://example.org/trucks/Vehicle"}}
    response = batch("create", [cars, trucks], content_type="application/ld+json")
    assert response.status_code == 201, response.content
    assert stored(A101["id"]).type == "http://example.org/cars/Vehicle"
    assert stored(A102["id"]).type == "http://example.org/trucks/Vehicle"


def test_with_ld_json_an_entity_without_context_fails_alone(batch):
    # 6.3.5 for each entity of a batch (ETSI suite 003_08): that entity refused with BadRequestData in the
    # BatchOperationResult, the others written
    response = batch("create", [{**A101, "@context": {}}, A102], content_type="application/ld+json")
    assert response.status_code == 207, response.content
    body = response.json()
    assert body["success"] == [A101["id"]]
    assert [e["entityId"] for e in body["errors"]] == [A102["id"]]
    assert body["errors"][0]["error"]["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    assert list(ContextEntity.objects.values_list("entity_id", flat=True)) == [A101["id"]]


def test_with_json_an_entity_with_a_context_fails_alone(batch):
    # ETSI suite 003_06: application/json and an @context in the entity – that entity refused (207)
    response = batch("create", [{**A101, "@context": {"Vehicle": "http://example.org/cars/Vehicle"}}, A102])
    assert response.status_code == 207, response.content
    body = response.json()
    assert body["success"] == [A102["id"]]
    assert [e["entityId"] for e in body["errors"]] == [A101["id"]]
    assert body["errors"][0]["error"]["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    assert list(ContextEntity.objects.values_list("entity_id", flat=True)) == [A102["id"]]


def test_with_ld_json_a_link_header_refuses_the_batch(batch):
    response = batch(
        "create",
        [{**A101, "@context": {}}],
        content_type="application/ld+json",
        HTTP_LINK='<http://127.0.0.1/c.jsonld>; rel="http://www.w3.org/ns/json-ld#context"',
    )
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert ContextEntity.objects.count() == 0


# ---------------------------------------------------------------------------------------------- upsert


def test_upsert_of_new_entities_is_201_with_the_created_ids(batch, get):
    response = batch("upsert", [A101, A102])
    assert response.status_code == 201
    assert response.json() == ids(A101, A102)
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json() == A101


def test_upsert_creates_the_new_and_replaces_the_existing(two, batch, get):
    bmw = {"id": A101["id"], "type": "Vehicle", "brandName": {"type": "Property", "value": "BMW"}}
    response = batch("upsert", [bmw, A103])
    assert response.status_code == 201
    assert response.json() == [A103["id"]]  # the ids of the entities created
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json() == bmw  # replaced: speed is gone
    assert get("/entities/urn:ngsi-ld:Vehicle:A103").json() == A103


def test_upsert_of_existing_entities_only_is_204(two, batch, get):
    response = batch("upsert", [vehicle("A101", "BMW", 95), vehicle("A102", "Suzuki", 85)])
    assert response.status_code == 204
    assert response.content == b""
    assert get("/entities/urn:ngsi-ld:Vehicle:A102").json()["speed"]["value"] == 85


def test_upsert_with_update_keeps_the_attributes_not_given(two, batch, get):
    color = {"id": A101["id"], "type": "Vehicle", "color": {"type": "Property", "value": "red"}}
    response = batch("upsert", [color], "?options=update")
    assert response.status_code == 204
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json() == {**A101, "color": color["color"]}


def test_upsert_partly_is_207(two, batch):
    broken = {**vehicle("A101"), "type": 7}
    response = batch("upsert", [broken, A103])
    assert response.status_code == 207
    assert response.json()["success"] == [A103["id"]]
    assert errors_of(response) == {A101["id"]: "BadRequestData"}
    assert stored(A101["id"]).type == DEFAULT + "Vehicle"


def test_upsert_takes_replace_or_update(batch):
    response = batch("upsert", [A101], "?options=noOverwrite")
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


# ---------------------------------------------------------------------------------------------- update


def test_update_appends_to_existing_entities_204(two, batch, get):
    response = batch(
        "update",
        [
            {"id": A101["id"], "type": "Vehicle", "speed": {"type": "Property", "value": 95}},
            {"id": A102["id"], "type": "Vehicle", "color": {"type": "Property", "value": "red"}},
        ],
    )
    assert response.status_code == 204
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json() == vehicle("A101", "Mercedes", 95)
    assert get("/entities/urn:ngsi-ld:Vehicle:A102").json()["color"]["value"] == "red"


def test_update_of_an_entity_not_there_is_207_resource_not_found(two, batch):
    response = batch("update", [vehicle("A101", "Porsche"), vehicle("A109", "Porsche")])
    assert response.status_code == 207
    assert response.json()["success"] == [A101["id"]]
    assert errors_of(response) == {"urn:ngsi-ld:Vehicle:A109": "ResourceNotFound"}
    assert stored("urn:ngsi-ld:Vehicle:A109") is None


def test_update_with_no_overwrite_keeps_the_values(two, batch, get):
    response = batch(
        "update",
        [{"id": A101["id"], "speed": 120, "color": "red"}, {"id": A102["id"], "color": "blue"}],
        "?options=noOverwrite",
    )
    # ETSI suite 005_02: an entity whose attribute was kept is told in the result (207), not a 204
    assert response.status_code == 207, response.content
    body = response.json()
    assert body["success"] == [A102["id"]]
    assert [e["entityId"] for e in body["errors"]] == [A101["id"]]
    assert body["errors"][0]["error"]["status"] == 400
    read = get("/entities/urn:ngsi-ld:Vehicle:A101").json()
    assert read["speed"]["value"] == 80
    assert read["color"]["value"] == "red"


# ---------------------------------------------------------------------------------------------- delete


def test_delete_all_is_204(two, batch):
    response = batch("delete", ids(A101, A102))
    assert response.status_code == 204
    assert ContextEntity.objects.count() == 0


def test_delete_of_an_entity_not_there_is_207(two, batch):
    response = batch("delete", [A101["id"], "urn:ngsi-ld:Vehicle:none"])
    assert response.status_code == 207
    assert response.json()["success"] == [A101["id"]]
    assert errors_of(response) == {"urn:ngsi-ld:Vehicle:none": "ResourceNotFound"}
    assert list(ContextEntity.objects.values_list("entity_id", flat=True)) == [A102["id"]]


def test_delete_takes_entity_ids(two, batch):
    response = batch("delete", [A101["id"], "not a uri"])
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert "[1]" in response.json()["detail"]
    assert ContextEntity.objects.count() == 2


# ----------------------------------------------------------------------------------------------- merge
# Batch Entity Merge (5.6.20, HTTP 6.31): each entity as Merge Entity (5.6.17) merges it


def test_merge_merges_each_entity_204(two, batch, get):
    response = batch(
        "merge",
        [
            {"id": A101["id"], "type": "Vehicle", "speed": {"type": "Property", "value": 95}},
            {"id": A102["id"], "color": {"type": "Property", "value": "red"}},  # the type may be left out
        ],
    )
    assert response.status_code == 204, response.content
    assert response.content == b""
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json() == vehicle("A101", "Mercedes", 95)
    assert get("/entities/urn:ngsi-ld:Vehicle:A102").json() == {
        **A102,
        "color": {"type": "Property", "value": "red"},
    }


def test_merge_with_ngsi_ld_null_deletes_the_attribute(two, batch, get):
    gone = {"id": A101["id"], "brandName": {"type": "Property", "value": "urn:ngsi-ld:null"}}
    assert batch("merge", [gone]).status_code == 204
    assert "brandName" not in get("/entities/urn:ngsi-ld:Vehicle:A101").json()
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json()["speed"]["value"] == 80


def test_merge_of_an_entity_not_there_is_207_resource_not_found(two, batch, get):
    response = batch("merge", [vehicle("A101", "Porsche"), vehicle("A109", "Porsche")])
    assert response.status_code == 207
    assert response.json()["success"] == [A101["id"]]
    assert errors_of(response) == {"urn:ngsi-ld:Vehicle:A109": "ResourceNotFound"}
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json()["brandName"]["value"] == "Porsche"
    assert stored("urn:ngsi-ld:Vehicle:A109") is None


# ------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("operation", ["create", "upsert", "update", "delete", "merge"])
@pytest.mark.parametrize("body", [A101, {}, json.dumps(A101["id"]), [], [None], [A101, 7]])
def test_a_body_that_is_no_array_of_entities_is_bad_request_data(batch, operation, body):
    response = batch(operation, body)
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert ContextEntity.objects.count() == 0


def test_an_entity_without_a_uri_id_is_bad_request_data_saying_which(batch):
    response = batch("create", [A101, {**A102, "id": "A102"}])
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert response.json()["detail"].startswith("[1].id")
    assert ContextEntity.objects.count() == 0


def test_a_body_not_json_is_invalid_request(batch):
    response = batch("create", "[{")
    assert response.status_code == 400
    assert problem_type(response) == "InvalidRequest"


def test_the_number_of_entities_is_bounded(batch, settings):
    settings.REGIJA_NGSI_BATCH_MAX = 2
    response = batch("create", [A101, A102, A103])
    assert response.status_code == 413
    assert "2" in response.json()["detail"]
    assert ContextEntity.objects.count() == 0
    assert batch("delete", ids(A101, A102, A103)).status_code == 413
    assert batch("create", [A101, A102]).status_code == 201


def test_the_body_size_is_bounded(batch, settings):
    settings.REGIJA_NGSI_MAX_BODY = 1000
    response = batch("create", [vehicle(f"A{n}") for n in range(20)])
    assert response.status_code == 413
    assert ContextEntity.objects.count() == 0


def test_only_post(client, editor):
    response = client.get(BASE + "/entityOperations/create", **editor)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


# ------------------------------------------------------------------------------------ tokens and tenants


@pytest.mark.parametrize("operation", ["create", "upsert", "update", "delete", "merge"])
def test_a_write_without_a_token_is_401(client, tenant, operation):
    body = ids(A101) if operation == "delete" else [A101]
    response = client.post(
        f"{BASE}/entityOperations/{operation}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_NGSILD_TENANT="velenje-iot",
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert ContextEntity.objects.count() == 0


@pytest.mark.parametrize("who", ["viewer", "other_editor"])
@pytest.mark.parametrize("operation", ["create", "upsert", "update", "delete", "merge"])
def test_only_the_tenants_editors_write(two, client, tokens_of, who, operation):
    body = ids(A101) if operation == "delete" else [vehicle("A101", "Lada"), A103]
    response = client.post(
        f"{BASE}/entityOperations/{operation}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_NGSILD_TENANT="velenje-iot",
        HTTP_AUTHORIZATION=f"Bearer {tokens_of[who]}",
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert sorted(ContextEntity.objects.values_list("entity_id", flat=True)) == ids(A101, A102)
    assert stored(A101["id"]).doc[DEFAULT + "brandName"]["value"] == "Mercedes"


def test_tenants_are_apart(two, client, tokens_of, get):
    other = {"HTTP_NGSILD_TENANT": "drugi", "HTTP_AUTHORIZATION": f"Bearer {tokens_of['other_editor']}"}
    response = client.post(
        f"{BASE}/entityOperations/delete",
        data=json.dumps(ids(A101)),
        content_type="application/json",
        **other,
    )
    assert response.status_code == 207
    assert errors_of(response) == {A101["id"]: "ResourceNotFound"}
    response = client.post(
        f"{BASE}/entityOperations/create",
        data=json.dumps([vehicle("A101", "Lada")]),
        content_type="application/json",
        **other,
    )
    assert response.status_code == 201  # the same id in another tenant is another entity
    assert get("/entities/urn:ngsi-ld:Vehicle:A101").json() == A101
    assert client.get(BASE + "/entities/urn:ngsi-ld:Vehicle:A101", HTTP_NGSILD_TENANT="drugi").json() == (
        vehicle("A101", "Lada")
    )


def test_a_lone_surrogate_is_bad_request_data_before_anything_is_written(batch):
    # valid JSON, but no Unicode text (PostgreSQL's jsonb refuses it): refused whole, on every database
    response = batch("create", [A101, vehicle("A109", "\ud800")])
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert ContextEntity.objects.count() == 0
