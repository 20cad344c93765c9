"""Entity types and attributes discovery (ETSI GS CIM 009 V1.6.1 clauses 5.7.5–5.7.10, HTTP binding
6.25–6.28), driven with plain HTTP requests as the spec's examples of Annex C (C.5.7–C.5.12) show them:
the example.org vehicle and parking vocabulary in a Link @context, names the context has given back as
short names, the others as full IRIs."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import link, problem_type

VOCAB = {
    "@context": {
        "Vehicle": "http://example.org/vehicle/Vehicle",
        "brandName": "http://example.org/vehicle/brandName",
        "isParked": "http://example.org/vehicle/isParked",
        "speed": "http://example.org/vehicle/speed",
        "OffStreetParking": "http://example.org/parking/OffStreetParking",
        "availableSpotNumber": "http://example.org/parking/availableSpotNumber",
        "totalSpotNumber": "http://example.org/parking/totalSpotNumber",
        "isNextToBuilding": "http://example.org/parking/isNextToBuilding",
    }
}
POINT = {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [-8.5, 41.2]}}


def vehicle(n: str, brand: str) -> dict:
    return {
        "id": f"urn:ngsi-ld:Vehicle:{n}",
        "type": "Vehicle",
        "brandName": {"type": "Property", "value": brand},
        "isParked": {"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:Downtown1"},
        "location": POINT,
        "speed": {"type": "Property", "value": 80},
    }


ENTITIES = [
    vehicle("A4567", "Mercedes"),
    vehicle("B9211", "Volvo"),
    {
        "id": "urn:ngsi-ld:OffStreetParking:Downtown1",
        "type": "OffStreetParking",
        "availableSpotNumber": {"type": "Property", "value": 121},
        "isNextToBuilding": {"type": "Relationship", "object": "urn:ngsi-ld:Building:B1"},
        "location": POINT,
        "totalSpotNumber": {"type": "Property", "value": 200},
    },
    {
        "id": "urn:ngsi-ld:ParkingSpot:S1",
        "type": "http://example.org/parking/ParkingSpot",
        "location": POINT,
        "http://example.org/parking/status": {"type": "Property", "value": "free"},
    },
]


@pytest.fixture
def vocab(context_server):
    context_server.documents["/vehicle.jsonld"] = VOCAB
    return link(context_server.url("/vehicle.jsonld"))


@pytest.fixture
def fleet(post, vocab):
    response = post("post", "/entityOperations/create", ENTITIES, HTTP_LINK=vocab)
    assert response.status_code == 201, response.content


def test_available_entity_types(fleet, get, vocab):
    # C.5.7: GET /types → an EntityTypeList (5.2.24)
    response = get("/types", HTTP_LINK=vocab)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert vocab.split(">")[0][1:] in response["Link"]
    body = response.json()
    assert body["type"] == "EntityTypeList"
    assert body["id"].startswith("urn:ngsi-ld:EntityTypeList:")
    assert sorted(body["typeList"]) == sorted(
        ["Vehicle", "OffStreetParking", "http://example.org/parking/ParkingSpot"]
    )


def test_without_the_context_the_names_are_full_iris(fleet, get):
    assert sorted(get("/types").json()["typeList"]) == [
        "http://example.org/parking/OffStreetParking",
        "http://example.org/parking/ParkingSpot",
        "http://example.org/vehicle/Vehicle",
    ]


def test_details_of_available_entity_types(fleet, get, vocab):
    # C.5.8: GET /types?details=true → EntityType (5.2.25) objects
    body = get("/types?details=true", HTTP_LINK=vocab).json()
    found = {t["id"]: t for t in body}
    assert set(found) == {
        "http://example.org/vehicle/Vehicle",
        "http://example.org/parking/OffStreetParking",
        "http://example.org/parking/ParkingSpot",
    }
    vehicle_type = found["http://example.org/vehicle/Vehicle"]
    assert vehicle_type["type"] == "EntityType"
    assert vehicle_type["typeName"] == "Vehicle"
    assert sorted(vehicle_type["attributeNames"]) == ["brandName", "isParked", "location", "speed"]
    assert sorted(found["http://example.org/parking/OffStreetParking"]["attributeNames"]) == [
        "availableSpotNumber",
        "isNextToBuilding",
        "location",
        "totalSpotNumber",
    ]
    spot = found["http://example.org/parking/ParkingSpot"]
    assert spot["typeName"] == "http://example.org/parking/ParkingSpot"
    assert sorted(spot["attributeNames"]) == ["http://example.org/parking/status", "location"]


@pytest.mark.parametrize("name", ["Vehicle", quote("http://example.org/vehicle/Vehicle", safe="")])
def test_available_entity_type_information(fleet, get, vocab, name):
    # C.5.9: GET /types/Vehicle (or by its full IRI) → EntityTypeInfo (5.2.26)
    response = get(f"/types/{name}", HTTP_LINK=vocab)
    assert response.status_code == 200, response.content
    body = response.json()
    details = sorted(body.pop("attributeDetails"), key=lambda a: a["attributeName"])
    assert body == {
        "id": "http://example.org/vehicle/Vehicle",
        "type": "EntityTypeInfo",
        "typeName": "Vehicle",
        "entityCount": 2,
    }
    assert details == [
        {
            "id": "http://example.org/vehicle/brandName",
            "type": "Attribute",
            "attributeName": "brandName",
            "attributeTypes": ["Property"],
        },
        {
            "id": "http://example.org/vehicle/isParked",
            "type": "Attribute",
            "attributeName": "isParked",
            "attributeTypes": ["Relationship"],
        },
        {
            "id": "https://uri.etsi.org/ngsi-ld/location",
            "type": "Attribute",
            "attributeName": "location",
            "attributeTypes": ["GeoProperty"],
        },
        {
            "id": "http://example.org/vehicle/speed",
            "type": "Attribute",
            "attributeName": "speed",
            "attributeTypes": ["Property"],
        },
    ]


def test_an_entity_type_without_entities_is_resource_not_found(fleet, get, vocab):
    response = get("/types/Bicycle", HTTP_LINK=vocab)
    assert response.status_code == 404
    assert problem_type(response) == "ResourceNotFound"


def test_available_attributes(fleet, get, vocab):
    # C.5.10: GET /attributes → an AttributeList (5.2.27)
    body = get("/attributes", HTTP_LINK=vocab).json()
    assert body["type"] == "AttributeList"
    assert body["id"].startswith("urn:ngsi-ld:AttributeList:")
    assert sorted(body["attributeList"]) == [
        "availableSpotNumber",
        "brandName",
        "http://example.org/parking/status",
        "isNextToBuilding",
        "isParked",
        "location",
        "speed",
        "totalSpotNumber",
    ]


def test_details_of_available_attributes(fleet, get, vocab):
    # C.5.11: GET /attributes?details=true → Attribute (5.2.28) objects
    found = {a["attributeName"]: a for a in get("/attributes?details=true", HTTP_LINK=vocab).json()}
    assert sorted(found["location"]["typeNames"]) == sorted(
        ["Vehicle", "OffStreetParking", "http://example.org/parking/ParkingSpot"]
    )
    assert found["location"]["id"] == "https://uri.etsi.org/ngsi-ld/location"
    assert found["location"]["attributeCount"] == 4
    assert found["location"]["attributeTypes"] == ["GeoProperty"]
    status = found["http://example.org/parking/status"]
    assert status["id"] == "http://example.org/parking/status"
    assert status["type"] == "Attribute"
    assert status["typeNames"] == ["http://example.org/parking/ParkingSpot"]


@pytest.mark.parametrize("name", ["brandName", quote("http://example.org/vehicle/brandName", safe="")])
def test_available_attribute_information(fleet, get, vocab, name):
    # C.5.12: GET /attributes/brandName → an Attribute (5.2.28)
    response = get(f"/attributes/{name}", HTTP_LINK=vocab)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": "http://example.org/vehicle/brandName",
        "type": "Attribute",
        "attributeName": "brandName",
        "attributeTypes": ["Property"],
        "typeNames": ["Vehicle"],
        "attributeCount": 2,
    }


def test_an_attribute_no_entity_has_is_resource_not_found(fleet, get, vocab):
    response = get("/attributes/color", HTTP_LINK=vocab)
    assert response.status_code == 404
    assert problem_type(response) == "ResourceNotFound"


def test_ld_json_answers_carry_the_context(fleet, get, vocab):
    body = get("/types", HTTP_LINK=vocab, HTTP_ACCEPT="application/ld+json").json()
    assert "@context" in body
    assert "Vehicle" in body["typeList"]


def test_details_is_true_or_false(fleet, get):
    response = get("/types?details=yes")
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert get("/attributes?details=false").json()["type"] == "AttributeList"


def test_tenants_are_apart(fleet, client, get):
    # the default tenant and another organisation have none of the tenant's types and attributes
    assert client.get("/ngsi-ld/v1/types").json()["typeList"] == []
    assert client.get("/ngsi-ld/v1/attributes", HTTP_NGSILD_TENANT="drugi").json()["attributeList"] == []
    assert client.get("/ngsi-ld/v1/types/Vehicle").status_code == 404
    assert get("/types/Vehicle").status_code == 404  # without the context Vehicle is another IRI


def test_the_query_count_does_not_grow_with_the_entities(post, get, vocab, tenant):
    paths = [
        "/types",
        "/types?details=true",
        "/types/Vehicle",
        "/attributes",
        "/attributes?details=true",
        "/attributes/speed",
    ]

    def queries() -> list[int]:
        counts = []
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                response = get(path, HTTP_LINK=vocab)
            assert response.status_code == 200, (path, response.content)
            counts.append(len(captured))
        return counts

    assert post("post", "/entityOperations/create", ENTITIES[:1], HTTP_LINK=vocab).status_code == 201
    few = queries()
    many = [vehicle(f"X{n}", "Škoda") for n in range(60)] + ENTITIES[1:]
    assert post("post", "/entityOperations/create", many, HTTP_LINK=vocab).status_code == 201
    assert queries() == few
    assert get("/types/Vehicle", HTTP_LINK=vocab).json()["entityCount"] == 62
