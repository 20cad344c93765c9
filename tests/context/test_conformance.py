"""Deviations from ETSI GS CIM 009 V1.6.1 that the ETSI NGSI-LD conformance suite (Robot Framework)
found, each checked here against the spec's text (docs/context.md, "Conformance")."""

from __future__ import annotations

from .conftest import BASE, problem_type
from .test_subscriptions import commit, receiver  # noqa: F401 - fixtures

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


BUILDING = {
    "id": "urn:ngsi-ld:Building:b1",
    "type": "Building",
    "name": {"type": "Property", "value": "Eiffel Tower"},
    "airQualityLevel": {"type": "Property", "value": 4, "unitCode": "C62"},
    "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:Paris"},
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [2.2945, 48.8584]}},
    "street": {"type": "LanguageProperty", "languageMap": {"fr": "Quai Branly", "en": "Branly quay"}},
}
B_URL = "/entities/urn:ngsi-ld:Building:b1"


def test_merge_entity_merges_attributes_adds_new_ones_and_deletes_the_ngsi_ld_nulls(post, get):
    # 5.6.17 Merge Entity (PATCH /entities/{entityId}, 6.5.3.4): an attribute the entity has is merged
    # with the fragment's (what it gives replaces, unitCode stays), a new one is added, and one given as
    # NGSI-LD Null ("urn:ngsi-ld:null") is deleted – of each kind of attribute
    assert post("post", "/entities", BUILDING).status_code == 201
    fragment = {
        "id": "urn:ngsi-ld:Building:b1",
        "type": "Building",
        "airQualityLevel": {"type": "Property", "value": 1, "observedAt": "2024-01-01T00:00:00Z"},
        "almostFull": {"type": "Property", "value": False},
        "name": {"type": "Property", "value": "urn:ngsi-ld:null"},
        "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:null"},
        "location": {"type": "GeoProperty", "value": "urn:ngsi-ld:null"},
        "street": {"type": "LanguageProperty", "languageMap": {"@none": "urn:ngsi-ld:null"}},
    }
    assert post("patch", B_URL, fragment).status_code == 204
    assert get(B_URL).json() == {
        "id": "urn:ngsi-ld:Building:b1",
        "type": "Building",
        "airQualityLevel": {
            "type": "Property",
            "value": 1,
            "unitCode": "C62",
            "observedAt": "2024-01-01T00:00:00Z",
        },
        "almostFull": {"type": "Property", "value": False},
    }
    # an entity that is not there: 404; another id in the body than the address's: 400
    assert post("patch", "/entities/urn:ngsi-ld:Building:none", {"a": {"value": 1}}).status_code == 404
    assert post("patch", B_URL, {"id": "urn:ngsi-ld:Building:b2", "a": {"value": 1}}).status_code == 400


def test_an_ngsi_ld_null_in_an_update_or_a_partial_update_deletes_the_attribute(post, get):
    # 5.6.2 Update Entity Attributes and 5.6.4 Partial Attribute Update with NGSI-LD Null (V1.6.1)
    assert post("post", "/entities", BUILDING).status_code == 201
    update = {"name": {"type": "Property", "value": "urn:ngsi-ld:null"}, "airQualityLevel": {"value": 2}}
    assert post("patch", B_URL + "/attrs", update).status_code == 204
    null_geo = {"type": "GeoProperty", "value": "urn:ngsi-ld:null"}
    assert post("patch", B_URL + "/attrs/location", null_geo).status_code == 204
    entity = get(B_URL).json()
    assert "name" not in entity
    assert "location" not in entity
    assert entity["airQualityLevel"]["value"] == 2


def test_a_notification_links_a_context_of_one_url_in_an_array(post, commit, receiver, context_server):  # noqa: F811 - the fixtures
    # 6.3.5 / 5.3.1 with Content-Type application/json: the notification's @context is in the Link
    # header – also when the subscription gave it as ["<url>"] (the ETSI suite's samples do)
    context_server.documents["/room.jsonld"] = {
        "@context": {"Room": "https://example.org/Room", "temperature": "https://example.org/temperature"}
    }
    url = context_server.url("/room.jsonld")
    body = {
        "id": "urn:ngsi-ld:Subscription:rooms",
        "type": "Subscription",
        "entities": [{"type": "Room"}],
        "notification": {"endpoint": {"uri": receiver.url, "accept": "application/json"}},
        "@context": [url],
    }
    assert post("post", "/subscriptions", body, content_type="application/ld+json").status_code == 201
    room = {**ROOM, "@context": [url]}
    assert commit(post, "post", "/entities", room, content_type="application/ld+json").status_code == 201
    got = receiver.got[0]
    assert (
        got["headers"]["Link"]
        == f'<{url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    )
    assert got["body"]["data"][0]["temperature"]["value"] == 21


def test_a_patch_may_send_its_body_as_merge_patch_json(post, get):
    # 6.3.4: PATCH requests take application/merge-patch+json (RFC 7396) as well as application/json
    assert post("post", "/entities", BUILDING).status_code == 201
    fragment = {"value": 3}
    merge_patch = "application/merge-patch+json"
    assert (
        post("patch", B_URL + "/attrs/airQualityLevel", fragment, content_type=merge_patch).status_code == 204
    )
    assert post("patch", B_URL, {"almostFull": {"value": True}}, content_type=merge_patch).status_code == 204
    entity = get(B_URL).json()
    assert entity["airQualityLevel"]["value"] == 3
    assert entity["almostFull"] == {"type": "Property", "value": True}
    # other operations keep application/json and application/ld+json only
    assert (
        post(
            "post", "/entities", {**BUILDING, "id": "urn:ngsi-ld:Building:b2"}, content_type=merge_patch
        ).status_code
        == 415
    )


def test_replace_attribute_replaces_the_attribute_whole(post, get):
    # 5.6.19 Replace Attribute (PUT /entities/{entityId}/attrs/{attrId}, 6.6.3.3): the attribute is
    # replaced by the body's – its unitCode gone, as it is not in the body –; 404 without the attribute
    assert post("post", "/entities", BUILDING).status_code == 201
    new = {"type": "Property", "value": 2, "observedAt": "2024-01-01T00:00:00Z"}
    assert post("put", B_URL + "/attrs/airQualityLevel", new).status_code == 204
    assert get(B_URL).json()["airQualityLevel"] == new
    assert post("put", B_URL + "/attrs/noSuchAttribute", new).status_code == 404
    assert post("put", "/entities/urn:ngsi-ld:Building:none/attrs/name", new).status_code == 404


# the suite's vehicle (data/temporalEntities/2020-08-vehicle-temporal-representation.jsonld)
VEHICLE = "urn:ngsi-ld:Vehicle:1"


def _vehicle(post):
    def at(hh_mm, value):
        return {"type": "Property", "value": value, "observedAt": f"2020-08-01T{hh_mm}:00Z"}

    body = {
        "id": VEHICLE,
        "type": "Vehicle",
        "speed": [at("12:03", 120), at("12:05", 80), at("12:07", 100)],
        "fuelLevel": [at("12:03", 67), at("13:05", 53), at("14:07", 40)],
    }
    assert post("post", "/temporal/entities", body).status_code == 201


def test_the_temporal_api_writes_its_times_without_a_zero_fraction(post, get):
    # 4.5.9's examples and the suite (020_10, 021_14) write "2020-08-01T12:03:00Z"; the instances were
    # given in several forms – a zero fraction is not written, a fraction that is not zero is
    body = {
        "id": VEHICLE,
        "type": "Vehicle",
        "speed": [
            {"type": "Property", "value": 120, "observedAt": "2020-08-01T12:03:00.000Z"},
            {"type": "Property", "value": 80, "observedAt": "2020-08-01T14:05:00+02:00"},
            {"type": "Property", "value": 100, "observedAt": "2020-08-01T12:07:00.250Z"},
        ],
    }
    assert post("post", "/temporal/entities", body).status_code == 201
    found = get(f"/temporal/entities/{VEHICLE}?options=temporalValues").json()
    assert found["speed"]["values"] == [
        [120, "2020-08-01T12:03:00Z"],
        [80, "2020-08-01T12:05:00Z"],
        [100, "2020-08-01T12:07:00.250Z"],
    ]
    # the normalised representation gives each instance as it was written (4.5.7)
    normalised = get(f"/temporal/entities/{VEHICLE}").json()
    assert [i["observedAt"] for i in normalised["speed"]] == [
        "2020-08-01T12:03:00.000Z",
        "2020-08-01T14:05:00+02:00",
        "2020-08-01T12:07:00.250Z",
    ]


def test_aggregation_periods_start_at_the_first_instance_or_at_time_at(post, get):
    # the suite's 020_11 (no time range: from the first instance) and 021_17 (timerel=after: from timeAt)
    _vehicle(post)
    found = get(
        f"/temporal/entities/{VEHICLE}?options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=PT1H"
    )
    assert found.status_code == 200, found.content
    assert found.json()["speed"] == {
        "type": "Property",
        "avg": [[100.0, "2020-08-01T12:03:00Z", "2020-08-01T13:03:00Z"]],
    }
    assert found.json()["fuelLevel"]["avg"] == [
        [67.0, "2020-08-01T12:03:00Z", "2020-08-01T13:03:00Z"],
        [53.0, "2020-08-01T13:03:00Z", "2020-08-01T14:03:00Z"],
        [40.0, "2020-08-01T14:03:00Z", "2020-08-01T15:03:00Z"],
    ]
    daily = get(f"/temporal/entities/{VEHICLE}?aggrMethods=min,max&aggrPeriodDuration=P1D").json()
    assert daily["speed"]["min"] == [[80.0, "2020-08-01T12:03:00Z", "2020-08-02T12:03:00Z"]]
    assert daily["fuelLevel"]["max"] == [[67.0, "2020-08-01T12:03:00Z", "2020-08-02T12:03:00Z"]]
    after = get(
        "/temporal/entities?type=Vehicle&timerel=after&timeAt=2020-08-01T11:30:00Z"
        "&aggrMethods=totalCount&aggrPeriodDuration=PT1H"
    ).json()
    assert after[0]["fuelLevel"]["totalCount"] == [
        [1, "2020-08-01T11:30:00Z", "2020-08-01T12:30:00Z"],
        [1, "2020-08-01T12:30:00Z", "2020-08-01T13:30:00Z"],
        [1, "2020-08-01T13:30:00Z", "2020-08-01T14:30:00Z"],
    ]


def test_a_language_property_s_simplified_values_are_language_map_objects(post, get):
    # 4.5.9: "a JSON Object containing a single Attribute with a key called languageMap" (suite 020_12_02)
    body = {
        "id": VEHICLE,
        "type": "Vehicle",
        "street": [
            {
                "type": "LanguageProperty",
                "languageMap": {"fr": "Grand Place"},
                "observedAt": "2020-08-01T12:03:00Z",
            }
        ],
    }
    assert post("post", "/temporal/entities", body).status_code == 201
    found = get(f"/temporal/entities/{VEHICLE}?options=temporalValues").json()
    assert found["street"] == {
        "type": "LanguageProperty",
        "languageMaps": [[{"languageMap": {"fr": "Grand Place"}}, "2020-08-01T12:03:00Z"]],
    }


def test_modify_attribute_instance_takes_the_instance_as_its_body(post, get):
    # 5.6.14 / 6.22.3.1: the body is an Attribute fragment – the instance (suite 016_01); an unknown
    # entity, attribute or instance is 404 (016_03)
    _vehicle(post)
    first = get(f"/temporal/entities/{VEHICLE}").json()["speed"][0]
    fragment = {"type": "Property", "value": 129, "observedAt": "2020-08-01T12:03:00Z"}
    path = f"/temporal/entities/{VEHICLE}/attrs/speed/{first['instanceId']}"
    assert post("patch", path, fragment).status_code == 204
    again = get(f"/temporal/entities/{VEHICLE}").json()["speed"][0]
    assert (again["instanceId"], again["value"]) == (first["instanceId"], 129)
    for missing in [
        f"/temporal/entities/urn:ngsi-ld:Vehicle:none/attrs/speed/{first['instanceId']}",
        f"/temporal/entities/{VEHICLE}/attrs/speed2/{first['instanceId']}",
        f"/temporal/entities/{VEHICLE}/attrs/speed/urn:ngsi-ld:01234567890123456789",
    ]:
        response = post("patch", missing, fragment)
        assert response.status_code == 404, missing
        assert problem_type(response) == "ResourceNotFound"
    # an attribute name that is none is 400 before any look-up (016_02_05)
    response = post("patch", f"/temporal/entities/{VEHICLE}/attrs/invalid(Id/{first['instanceId']}", fragment)
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"


def test_deleting_a_temporal_attribute_deletes_the_default_instance_s_instances(post, get, client, editor):
    # 5.6.13: without datasetId (and deleteAll) the default instance – those with a datasetId stay (015_01)
    fuel = "urn:ngsi-ld:Vehicle:12345-fuel"
    body = {
        "id": VEHICLE,
        "type": "Vehicle",
        "fuelLevel": [
            {"type": "Property", "value": 67, "observedAt": "2020-09-01T12:03:00Z"},
            {"type": "Property", "value": 40, "observedAt": "2020-09-01T14:07:00Z", "datasetId": fuel},
        ],
        "speed": [{"type": "Property", "value": 120, "observedAt": "2020-09-01T12:03:00Z"}],
    }
    assert post("post", "/temporal/entities", body).status_code == 201
    path = f"{BASE}/temporal/entities/{VEHICLE}/attrs/fuelLevel"
    assert client.delete(path, **editor).status_code == 204
    left = get(f"/temporal/entities/{VEHICLE}").json()["fuelLevel"]
    assert [(i["value"], i.get("datasetId")) for i in left] == [(40, fuel)]
    assert client.delete(f"{path}?datasetId={fuel}", **editor).status_code == 204
    assert "fuelLevel" not in get(f"/temporal/entities/{VEHICLE}").json()
    assert post("post", f"/temporal/entities/{VEHICLE}/attrs", body).status_code == 204
    assert client.delete(f"{path}?deleteAll=true", **editor).status_code == 204
    assert "fuelLevel" not in get(f"/temporal/entities/{VEHICLE}").json()
    assert client.delete(path, **editor).status_code == 404


def test_a_query_needs_a_type_attrs_q_or_a_geo_query(post, get):
    # 5.7.2.4 / 5.7.4.4 (V1.6.1): ids alone are no query – BadRequestData (suite 019_03_05, 021_24)
    assert post("post", "/entities", ROOM).status_code == 201
    for path in [
        "/entities?id=urn:ngsi-ld:Room:1",
        "/temporal/entities?id=urn:ngsi-ld:Room:1&timerel=after&timeAt=2020-07-01T12:05:00Z",
    ]:
        response = get(path)
        assert response.status_code == 400, path
        assert problem_type(response) == "BadRequestData"
    assert get("/entities?type=Room&id=urn:ngsi-ld:Room:1").status_code == 200
    # id and type are no attribute names (019_03_03)
    response = get("/entities?attrs=id,type")
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"


def test_attrs_naming_none_of_the_entity_s_attributes_is_not_found(post, get):
    # 5.7.1.4 and 5.7.3.4: the entity has none of the attributes asked for – ResourceNotFound (suite
    # 018_03_02, 020_08_01)
    assert post("post", "/entities", ROOM).status_code == 201
    response = get("/entities/urn:ngsi-ld:Room:1?attrs=property_not_found")
    assert response.status_code == 404 and problem_type(response) == "ResourceNotFound"
    assert get("/entities/urn:ngsi-ld:Room:1?attrs=temperature,property_not_found").status_code == 200
    response = get("/temporal/entities/urn:ngsi-ld:Room:1?attrs=unknownAttribute")
    assert response.status_code == 404 and problem_type(response) == "ResourceNotFound"
    assert get("/temporal/entities/urn:ngsi-ld:Room:1?attrs=temperature").status_code == 200


def test_an_entity_selector_s_type_may_list_several_types(post):
    # a Query's EntitySelector with "type": "Room,Vehicle" selects entities of either type, as the type
    # parameter of GET /entities does (suite 019_02_05)
    assert post("post", "/entities", ROOM).status_code == 201
    car = {"id": "urn:ngsi-ld:Vehicle:1", "type": "Vehicle", "speed": {"type": "Property", "value": 80}}
    assert post("post", "/entities", car).status_code == 201
    query = {"type": "Query", "entities": [{"type": "Room,Vehicle"}]}
    response = post("post", "/entityOperations/query", query)
    assert response.status_code == 200, response.content
    assert sorted(e["id"] for e in response.json()) == ["urn:ngsi-ld:Room:1", "urn:ngsi-ld:Vehicle:1"]
