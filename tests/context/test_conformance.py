"""Deviations from ETSI GS CIM 009 V1.6.1 that the ETSI NGSI-LD conformance suite (Robot Framework)
found, each checked here against the spec's text (docs/context.md, "Conformance")."""

from __future__ import annotations

from .conftest import BASE, problem_type

ROOM = {
    "id": "urn:ngsi-ld:Room:1",
    "type": "Room",
    "temperature": {"type": "Property", "value": 21, "observedAt": "2026-12-07T10:00:00Z"},
}


def test_the_collections_answer_at_the_spec_s_resource_uris_with_the_trailing_slash(post, get, editor):
    # Table 6.2-1 names the collections "/entities/", "/entities/{entityId}/attrs/", "/subscriptions/",
    # "/types/", "/attributes/", "/temporal/entities/" and "/temporal/entities/{entityId}/attrs/".
    created = post("post", "/entities/", ROOM)
    assert created.status_code == 201, created.content
    assert created["Location"] == f"{BASE}/entities/urn:ngsi-ld:Room:1"
    assert [e["id"] for e in get("/entities/?type=Room").json()] == ["urn:ngsi-ld:Room:1"]
    more = {"humidity": {"type": "Property", "value": 40}}
    assert post("post", "/entities/urn:ngsi-ld:Room:1/attrs/", more).status_code == 204
    assert get("/entities/urn:ngsi-ld:Room:1").json()["humidity"] == {"type": "Property", "value": 40}
    assert get("/types/").json()["typeList"] == ["Room"]
    assert sorted(get("/attributes/").json()["attributeList"]) == ["humidity", "temperature"]

    subscription = {
        "id": "urn:ngsi-ld:Subscription:rooms",
        "type": "Subscription",
        "entities": [{"type": "Room"}],
        "notification": {"endpoint": {"uri": "http://127.0.0.1:9/notify"}},
    }
    assert post("post", "/subscriptions/", subscription).status_code == 201
    assert [s["id"] for s in get("/subscriptions/", **editor).json()] == ["urn:ngsi-ld:Subscription:rooms"]

    history = {
        "id": "urn:ngsi-ld:Room:2",
        "type": "Room",
        "temperature": [{"type": "Property", "value": 19, "observedAt": "2026-12-07T09:00:00Z"}],
    }
    assert post("post", "/temporal/entities/", history).status_code == 201
    later = {"temperature": [{"type": "Property", "value": 20, "observedAt": "2026-12-07T11:00:00Z"}]}
    assert post("post", "/temporal/entities/urn:ngsi-ld:Room:2/attrs/", later).status_code == 204
    found = get("/temporal/entities/?type=Room&options=temporalValues").json()
    values = {e["id"]: [v for v, _ in e["temperature"]["values"]] for e in found}
    assert values["urn:ngsi-ld:Room:2"] == [19, 20]


def test_an_id_in_the_address_that_is_no_uri_is_bad_request_data(client, editor, get):
    # 5.6.6, 5.7.1, 5.8.3 …: "If the Entity Id is not present or it is not a valid URI, then an error of
    # type BadRequestData shall be raised" – not ResourceNotFound: no entity could ever have that id.
    for method, path in [
        ("get", "/entities/thisisaninvaliduri"),
        ("delete", "/entities/thisisaninvaliduri"),
        ("delete", "/entities/thisisaninvaliduri/attrs/speed"),
        ("get", "/subscriptions/thisisaninvaliduri"),
        ("get", "/temporal/entities/thisisaninvaliduri"),
        ("delete", "/temporal/entities/urn:ngsi-ld:Room:1/attrs/speed/thisisaninvaliduri"),
    ]:
        response = getattr(client, method)(BASE + path, **editor)
        assert response.status_code == 400, (method, path, response.content)
        assert problem_type(response) == "BadRequestData", (method, path)
    assert get("/entities/urn:ngsi-ld:Room:none").status_code == 404


def test_the_temporal_evolution_of_several_attributes_by_attrs(post, get):
    # 5.7.3 / 5.7.4 with attrs naming two attributes: both attributes' instances (on SQLite this was a
    # server error – a UNION of LIMITed queries, which SQLite cannot run)
    body = {
        "id": "urn:ngsi-ld:Vehicle:1",
        "type": "Vehicle",
        "speed": [
            {"type": "Property", "value": 80, "observedAt": "2020-08-01T12:03:00Z"},
            {"type": "Property", "value": 90, "observedAt": "2020-08-01T12:05:00Z"},
        ],
        "fuelLevel": [{"type": "Property", "value": 67, "observedAt": "2020-08-01T12:03:00Z"}],
    }
    assert post("post", "/temporal/entities", body).status_code == 201
    one = get("/temporal/entities/urn:ngsi-ld:Vehicle:1?attrs=fuelLevel,speed&options=temporalValues")
    assert one.status_code == 200, one.content
    assert [v for v, _ in one.json()["speed"]["values"]] == [80, 90]
    assert [v for v, _ in one.json()["fuelLevel"]["values"]] == [67]
    many = get(
        "/temporal/entities?type=Vehicle&attrs=speed,fuelLevel&timerel=after&timeAt=2020-08-01T12:00:00Z"
    )
    assert many.status_code == 200, many.content
    assert [len(e["speed"]) for e in many.json()] == [2]


def test_geojson_is_answered_by_retrieve_and_query_entities_only(post, get, editor):
    # 6.3.4: application/geo+json is a representation of Retrieve Entity and Query Entities; another
    # operation asked for it alone is 406, and with JSON listed too it answers JSON
    assert post("post", "/entities", ROOM).status_code == 201
    geo = {"HTTP_ACCEPT": "application/geo+json"}
    assert get("/entities/urn:ngsi-ld:Room:1", **geo)["Content-Type"] == "application/geo+json"
    assert get("/entities?type=Room", **geo)["Content-Type"] == "application/geo+json"
    for path, headers in [
        ("/temporal/entities?type=Room", {}),
        ("/types", {}),
        ("/attributes", {}),
        ("/subscriptions", editor),
    ]:
        response = get(path, **{**headers, **geo})
        assert response.status_code == 406, (path, response.content)
        assert problem_type(response) == "about:blank"  # 406 has no NGSI-LD error type
        both = get(path, **{**headers, "HTTP_ACCEPT": "application/geo+json, application/json"})
        assert both.status_code == 200, path
        assert both["Content-Type"] == "application/json"
