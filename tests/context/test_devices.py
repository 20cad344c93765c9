"""Devices as the FIWARE IoT Agent JSON provisions them, and their measures ingested into the broker.

Bodies and topics follow the IoT Agent documentation: the provisioning API of iotagent-node-lib
(``POST /iot/services`` with ``{"services": [...]}``, ``POST /iot/devices`` with ``{"devices": [...]}``,
headers ``fiware-service`` / ``fiware-servicepath``) and the MQTT binding of the IoT Agent JSON user
manual (``/json/<apikey>/<deviceid>/attrs`` with a JSON object of measures, ``…/attrs/<attr>`` with
one value). The entities are read back through the NGSI-LD API as a client would."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.context import services
from regija.context.models import AttributeInstance, ContextEntity, DeadLetter, Device
from regija.core import audit
from regija.core.models import AuditEntry

from .conftest import problem_type

APIKEY = "4jggokgpepnvsb2uv4s40d59ov"
RECEIVED = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def iot(client, tokens_of):
    """Calls of the provisioning API as the tenant's editor (or as ``who``)."""

    def call(method, path, body=None, who="editor", **headers):
        headers = {
            "HTTP_FIWARE_SERVICE": "velenje-iot",
            "HTTP_FIWARE_SERVICEPATH": "/",
            **({"HTTP_AUTHORIZATION": f"Bearer {tokens_of[who]}"} if who else {}),
            **headers,
        }
        data = json.dumps(body) if body is not None else None
        kwargs = {"data": data, "content_type": "application/json"} if data is not None else {}
        return getattr(client, method)("/iot/" + path, **kwargs, **headers)

    return call


@pytest.fixture
def provisioned(iot):
    """A service group and a device, provisioned as the FIWARE tutorial "Provisioning the JSON IoT Agent"
    does: measures ``t`` (temperature, in CEL) and ``h`` (humidity) of a ``Thing``."""
    response = iot(
        "post",
        "services",
        {
            "services": [
                {"apikey": APIKEY, "cbroker": "http://orion:1026", "entity_type": "Thing", "resource": ""}
            ]
        },
    )
    assert response.status_code == 201, response.content
    response = iot(
        "post",
        "devices",
        {
            "devices": [
                {
                    "device_id": "sensor01",
                    "entity_name": "urn:ngsi-ld:Thing:sensor01",
                    "entity_type": "Thing",
                    "protocol": "PDI-IoTA-JSON",
                    "transport": "MQTT",
                    "attributes": [
                        {
                            "object_id": "t",
                            "name": "temperature",
                            "type": "Number",
                            "metadata": {"unitCode": {"type": "Text", "value": "CEL"}},
                        },
                        {"object_id": "h", "name": "humidity", "type": "Number"},
                        {"object_id": "s", "name": "state", "type": "Text"},
                    ],
                    "static_attributes": [{"name": "category", "type": "Text", "value": "sensor"}],
                }
            ]
        },
    )
    assert response.status_code == 201, response.content


def entity(get, entity_id="urn:ngsi-ld:Thing:sensor01"):
    response = get(f"/entities/{entity_id}")
    return response.status_code, (response.json() if response.status_code == 200 else None)


# ---------------------------------------------------------------------------------------------- provisioning


def test_provisioned_group_and_device_are_listed_in_the_agents_form(iot, provisioned):
    groups = iot("get", "services").json()
    assert groups["count"] == 1
    assert groups["services"][0]["apikey"] == APIKEY
    assert groups["services"][0]["entity_type"] == "Thing"
    assert groups["services"][0]["subservice"] == "/"
    found = iot("get", "devices/sensor01").json()
    assert found["device_id"] == "sensor01"
    assert found["entity_name"] == "urn:ngsi-ld:Thing:sensor01"
    assert found["attributes"][0] == {
        "object_id": "t",
        "name": "temperature",
        "type": "Number",
        "metadata": {"unitCode": {"type": "Text", "value": "CEL"}},
    }
    listed = iot("get", "devices").json()
    assert listed["count"] == 1 and listed["devices"][0]["device_id"] == "sensor01"


def test_a_device_without_entity_name_gets_the_agents_ngsi_ld_id(iot, provisioned):
    response = iot("post", "devices", {"devices": [{"device_id": "motion001", "apikey": APIKEY}]})
    assert response.status_code == 201, response.content
    assert iot("get", "devices/motion001").json()["entity_name"] == "urn:ngsi-ld:Thing:motion001"


def test_provisioning_needs_an_editor_token(iot, provisioned):
    body = {"services": [{"apikey": "other", "entity_type": "Thing"}]}
    assert iot("post", "services", body, who=None).status_code == 401
    assert iot("post", "services", body, who="viewer").status_code == 403
    assert iot("post", "services", body, who="other_editor").status_code == 403
    # the API keys are secrets: reading needs the editor too
    assert iot("get", "services", who="viewer").status_code == 403
    assert iot("get", "services").json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"devices": [{"entity_type": "Thing"}]}, "devices[0].device_id"),
        ({"devices": [{"device_id": "x", "apikey": "nope"}]}, "devices[0].apikey"),
        (
            {"devices": [{"device_id": "x", "attributes": [{"object_id": "t"}]}]},
            "devices[0].attributes[0].name",
        ),
        ({"devices": [{"device_id": "x", "entity_name": "not a uri"}]}, "devices[0].entity_name"),
        ({"devices": [{"device_id": "a/b"}]}, "devices[0].device_id"),
        ({"devices": []}, "devices"),
    ],
)
def test_a_bad_device_is_refused_saying_where(iot, provisioned, body, where):
    response = iot("post", "devices", body)
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert response.json()["detail"].startswith(where), response.json()
    assert response.json()["name"] == "BAD_REQUEST"  # the IoT Agent's error member, for its clients
    assert iot("get", "devices").json()["count"] == 1  # nothing half-written


def test_a_duplicate_api_key_or_device_is_a_conflict(iot, provisioned):
    assert iot("post", "services", {"services": [{"apikey": APIKEY, "entity_type": "X"}]}).status_code == 409
    again = {"devices": [{"device_id": "sensor01", "apikey": APIKEY}]}
    assert iot("post", "devices", again).status_code == 409


def test_deleting_a_device_and_a_group(iot, provisioned):
    assert iot("delete", "devices/sensor01").status_code == 204
    assert iot("get", "devices/sensor01").status_code == 404
    assert iot("delete", "devices/sensor01").status_code == 404
    assert iot("delete", f"services?apikey={APIKEY}&resource=").status_code == 204
    assert iot("get", "services").json()["count"] == 0


def test_the_tenant_header_is_required(iot, provisioned):
    response = iot("get", "services", HTTP_FIWARE_SERVICE="")
    assert response.status_code == 400
    assert "fiware-service" in response.json()["detail"]
    assert iot("get", "services", HTTP_FIWARE_SERVICE="nobody").status_code == 404


# -------------------------------------------------------------------------------------------------- ingest


def test_a_measure_creates_the_entity_with_mapping_unit_and_time_instant(provisioned, get):
    result = services.ingest(
        [(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 21.5, "h": 40, "TimeInstant": "2026-12-07T08:15:00Z"}')],
        received_at=RECEIVED,
    )
    assert (result.measures, result.created, len(result.dead)) == (1, 1, 0)
    status, body = entity(get)
    assert status == 200
    assert body["type"] == "Thing"
    assert body["temperature"] == {
        "type": "Property",
        "value": 21.5,
        "observedAt": "2026-12-07T08:15:00Z",
        "unitCode": "CEL",
    }
    assert body["humidity"] == {"type": "Property", "value": 40, "observedAt": "2026-12-07T08:15:00Z"}
    assert body["category"] == {"type": "Property", "value": "sensor"}  # the static attribute
    assert "TimeInstant" not in body and "t" not in body


def test_without_time_instant_the_receive_time_is_observed_at(provisioned, get):
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 19}')], received_at=RECEIVED)
    assert entity(get)[1]["temperature"]["observedAt"] == "2026-12-07T09:30:00.000Z"


def test_single_measure_topics_and_the_older_topic_form(provisioned, get):
    services.ingest(
        [
            (f"/json/{APIKEY}/sensor01/attrs/t", b"22"),
            (f"/{APIKEY}/sensor01/attrs", b'{"h": 55}'),
            (f"/json/{APIKEY}/sensor01/attrs/s", b"hello"),  # no JSON: the bytes as hex (user manual)
        ],
        received_at=RECEIVED,
    )
    body = entity(get)[1]
    assert body["temperature"]["value"] == 22
    assert body["humidity"]["value"] == 55
    assert body["state"]["value"] == "68656c6c6f"


def test_later_measures_update_and_keep_the_entity(provisioned, get):
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 1}')], received_at=RECEIVED)
    services.ingest(
        [(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 2}'), (f"/json/{APIKEY}/sensor01/attrs", b'{"t": 3}')]
    )
    assert entity(get)[1]["temperature"]["value"] == 3
    assert ContextEntity.objects.count() == 1


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("/json/unknownkey/sensor01/attrs", b'{"t": 1}', "no service group"),
        (f"/json/{APIKEY}/nobody/attrs", b'{"t": 1}', "no device"),
        (f"/json/{APIKEY}/sensor01/attrs", b'{"t": 1', "not JSON"),
        (f"/json/{APIKEY}/sensor01/attrs", b'{"t": "warm"}', "no number"),
        (f"/json/{APIKEY}/sensor01/attrs", b'{"t": 20, "h": "wet"}', "no number"),  # nothing of it written
        (f"/json/{APIKEY}/sensor01/attrs", b'{"t": 1, "TimeInstant": "yesterday"}', "date-time"),
        (f"/json/{APIKEY}/sensor01/attrs", b"[1, 2]", "JSON object"),
        (f"/json/{APIKEY}/sensor01/cmdexe", b"{}", "none of"),
    ],
)
def test_what_cannot_be_applied_is_a_dead_letter_and_nothing_of_it_is_written(
    provisioned, get, topic, payload, reason
):
    result = services.ingest([(topic, payload)], received_at=RECEIVED)
    assert len(result.dead) == 1
    letter = DeadLetter.objects.get()
    assert letter.topic == topic
    assert letter.payload == payload.decode()
    assert reason in letter.reason, letter.reason
    assert entity(get)[0] == 404


def test_a_dead_letter_does_not_stop_the_rest_of_the_batch(provisioned, get):
    services.ingest(
        [
            (f"/json/{APIKEY}/sensor01/attrs", b'{"t": "warm"}'),
            (f"/json/{APIKEY}/sensor01/attrs", b'{"t": 7}'),
        ],
        received_at=RECEIVED,
    )
    assert entity(get)[1]["temperature"]["value"] == 7
    letter = DeadLetter.objects.get()
    assert (letter.apikey, letter.device_id) == (APIKEY, "sensor01")


def test_a_huge_dead_payload_is_kept_truncated(provisioned):
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", b"x" * (100 * 1024))], received_at=RECEIVED)
    letter = DeadLetter.objects.get()
    assert letter.truncated and len(letter.payload) == 64 * 1024


def test_a_batch_is_one_audit_entry(provisioned):
    before = AuditEntry.objects.count()
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", json.dumps({"t": i}).encode()) for i in range(10)])
    entries = list(AuditEntry.objects.order_by("pk")[before:])
    assert len(entries) == 1
    assert entries[0].changes["measures"] == [None, 10]
    assert entries[0].via == "worker"
    assert audit.verify().ok  # the summary is chained like every other entry


def test_a_worker_s_kept_entity_gives_way_to_another_write(
    provisioned, get, post, django_capture_on_commit_callbacks
):
    """The worker keeps the entities it wrote between batches; when the API writes one in between, the
    next batch builds on the API's version, not on the one kept."""
    kept = services.KeptEntities()
    topic = f"/json/{APIKEY}/sensor01/attrs"
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest([(topic, b'{"t": 1}')], kept_entities=kept)
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest([(topic, b'{"t": 2}')], kept_entities=kept)  # the kept entity, as it was written
    assert entity(get)[1]["temperature"]["value"] == 2
    note = {"note": {"type": "Property", "value": "checked on site"}}  # Append Entity Attributes (5.6.3)
    assert post("post", "/entities/urn:ngsi-ld:Thing:sensor01/attrs", note).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest([(topic, b'{"t": 3}')], kept_entities=kept)
    found = entity(get)[1]
    assert found["temperature"]["value"] == 3
    assert found["note"]["value"] == "checked on site"


def test_a_batch_rolled_back_is_not_kept(provisioned, get):
    kept = services.KeptEntities()
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 1}')], kept_entities=kept)
    assert kept.entities == {}  # kept only once the batch commits (here the test's transaction never does)


def test_the_queries_of_a_batch_do_not_grow_with_it(iot, provisioned):
    body = {"devices": [{"device_id": f"d{i}", "apikey": APIKEY, "attributes": []} for i in range(60)]}
    assert iot("post", "devices", body).status_code == 201

    def queries(n):
        messages = [(f"/json/{APIKEY}/d{i}/attrs", b'{"t": 1}') for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            services.ingest(messages)
        return len(captured)

    queries(3)  # the first batch meets d0–d2 (the worker keeps them) and creates their entities
    assert queries(3) == queries(3)  # both update the entities of devices met before
    small, large = queries(5), queries(60)  # both meet new devices, create and update entities
    assert large == small, (small, large)
    assert ContextEntity.objects.count() == 60


def test_a_device_changed_or_deleted_counts_from_the_next_batch(iot, provisioned, get):
    """The worker keeps the devices it has met; a change of one (here its mapping, edited as the back
    office saves it) or its deletion holds for the next batch."""
    topic = f"/json/{APIKEY}/sensor01/attrs"
    services.ingest([(topic, b'{"t": 1}')], received_at=RECEIVED)
    device = Device.objects.get(device_id="sensor01")
    device.attributes = [{"object_id": "t", "name": "airTemperature", "type": "Number", "unit_code": "CEL"}]
    device.save()
    services.ingest([(topic, b'{"t": 2}')], received_at=RECEIVED)
    assert entity(get)[1]["airTemperature"]["value"] == 2
    assert iot("delete", "devices/sensor01").status_code == 204
    result = services.ingest([(topic, b'{"t": 3}')], received_at=RECEIVED)
    assert result.measures == 0
    assert [d.reason for d in result.dead] == [f"there is no device 'sensor01' with the API key {APIKEY!r}"]
    assert entity(get)[1]["airTemperature"]["value"] == 2


def test_the_ingested_entity_is_queried_like_any_other(provisioned, get):
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 30}')], received_at=RECEIVED)
    response = get("/entities?type=Thing&q=temperature>25")
    assert response.status_code == 200
    assert [e["id"] for e in response.json()] == ["urn:ngsi-ld:Thing:sensor01"]


def test_a_new_measure_moves_the_entity_in_a_query(provisioned, get):
    """The value index q prefilters on follows the ingest's bulk writes too."""
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 30}')], received_at=RECEIVED)
    services.ingest([(f"/json/{APIKEY}/sensor01/attrs", b'{"t": 12}')], received_at=RECEIVED)
    assert get("/entities?type=Thing&q=temperature>25").json() == []
    found = get("/entities?type=Thing&q=temperature==12").json()
    assert [e["id"] for e in found] == ["urn:ngsi-ld:Thing:sensor01"]


def test_a_device_s_place_is_found_by_a_geo_query_and_follows_a_moving_device(iot, provisioned, get):
    """The entity an ingested measure creates gets the geo-queries' boxes like any written through the
    API, and a measure that moves the device moves them."""
    body = {
        "devices": [
            {
                "device_id": "bus07",
                "apikey": APIKEY,
                "entity_type": "Thing",
                "attributes": [{"object_id": "p", "name": "location", "type": "geo:point"}],
            }
        ]
    }
    assert iot("post", "devices", body).status_code == 201
    near = "/entities?type=Thing&georel=near%3BmaxDistance%3D%3D300&geometry=Point&coordinates="
    at_square, at_lake = "%5B15.1109%2C46.3594%5D", "%5B15.0936%2C46.3694%5D"  # Titov trg; Velenjsko jezero
    services.ingest([(f"/json/{APIKEY}/bus07/attrs", b'{"p": "46.3595, 15.1110"}')], received_at=RECEIVED)
    assert [e["id"] for e in get(near + at_square).json()] == ["urn:ngsi-ld:Thing:bus07"]
    assert get(near + at_lake).json() == []
    services.ingest([(f"/json/{APIKEY}/bus07/attrs", b'{"p": "46.3693, 15.0937"}')], received_at=RECEIVED)
    assert get(near + at_square).json() == []
    assert [e["id"] for e in get(near + at_lake).json()] == ["urn:ngsi-ld:Thing:bus07"]


def test_a_measure_that_breaks_its_smart_data_model_is_a_dead_letter(iot, provisioned, get):
    """A device whose entity is of a Smart Data Model type is checked like an API write: in a strict
    tenant a measure the model refuses is not written and its dead letter says why."""
    body = {
        "devices": [
            {
                "device_id": "spot01",
                "apikey": APIKEY,
                "entity_name": "urn:ngsi-ld:ParkingSpot:spot01",
                "entity_type": "ParkingSpot",
                "attributes": [{"object_id": "s", "name": "status", "type": "Text"}],
                "static_attributes": [
                    {"name": "category", "type": "Property", "value": ["onStreet"]},
                    {
                        "name": "refParkingSite",
                        "type": "Relationship",
                        "value": "urn:ngsi-ld:OnStreetParking:titov-trg",
                    },
                    {
                        "name": "location",
                        "type": "GeoProperty",
                        "value": {"type": "Point", "coordinates": [15.1110, 46.3595]},
                    },
                ],
            }
        ]
    }
    assert iot("post", "devices", body).status_code == 201
    result = services.ingest(
        [
            (f"/json/{APIKEY}/spot01/attrs", b'{"s": "free"}'),
            (f"/json/{APIKEY}/spot01/attrs", b'{"s": "parked"}'),  # not one of the model's states
        ],
        received_at=RECEIVED,
    )
    assert (result.measures, len(result.dead)) == (1, 1), [d.reason for d in result.dead]
    assert "status" in DeadLetter.objects.get().reason
    assert entity(get, "urn:ngsi-ld:ParkingSpot:spot01")[1]["status"]["value"] == "free"


def test_what_one_batch_writes_into_the_history(provisioned):
    """Each measured attribute (and each static attribute) of each message of a batch is one instance of
    the history (ETSI GS CIM 009 clause 4.5.7): its observedAt from TimeInstant or the receive time,
    createdAt = modifiedAt = the receive time, its numeric value for the aggregations, and the instance
    in the normalised form with a urn:ngsi-ld:<uuid> instanceId."""
    services.ingest(
        [
            (
                f"/json/{APIKEY}/sensor01/attrs",
                b'{"t": 21.5, "s": "ok", "TimeInstant": "2026-12-07T08:15:00Z"}',
            ),
            (f"/json/{APIKEY}/sensor01/attrs", b'{"h": 40}'),
        ],
        received_at=RECEIVED,
    )
    vocab, thing = (
        "https://uri.etsi.org/ngsi-ld/default-context/",
        "https://uri.etsi.org/ngsi-ld/default-context/Thing",
    )
    received, observed = "2026-12-07T09:30:00.000Z", "2026-12-07T08:15:00Z"
    rows = AttributeInstance.objects.order_by("pk")
    stored = [
        (
            r.organisation.slug,
            r.entity_id,
            r.entity_type,
            r.attribute,
            r.observed_at,
            r.created_at,
            r.modified_at,
            r.value,
            {k: v for k, v in r.doc.items() if k != "instanceId"},
        )
        for r in rows
    ]
    at_0815 = dt.datetime(2026, 12, 7, 8, 15, tzinfo=dt.UTC)
    common = ("velenje-iot", "urn:ngsi-ld:Thing:sensor01", thing)
    stamps = {"createdAt": received, "modifiedAt": received}
    static = {"type": "Property", "value": "sensor", **stamps}
    assert stored == [
        (
            *common,
            vocab + "temperature",
            at_0815,
            RECEIVED,
            RECEIVED,
            21.5,
            {"type": "Property", "value": 21.5, "observedAt": observed, "unitCode": "CEL", **stamps},
        ),
        (
            *common,
            vocab + "state",
            at_0815,
            RECEIVED,
            RECEIVED,
            None,
            {"type": "Property", "value": "ok", "observedAt": observed, **stamps},
        ),
        (*common, vocab + "category", RECEIVED, RECEIVED, RECEIVED, None, static),
        (
            *common,
            vocab + "humidity",
            RECEIVED,
            RECEIVED,
            RECEIVED,
            40.0,
            {"type": "Property", "value": 40, "observedAt": received, **stamps},
        ),
        (*common, vocab + "category", RECEIVED, RECEIVED, RECEIVED, None, static),
    ]
    ids = [r.instance_id for r in rows]
    assert [r.doc["instanceId"] for r in rows] == ids and len(set(ids)) == len(ids)
    for ident in ids:
        # a version 7 UUID (RFC 9562): time-ordered
        assert ident.startswith("urn:ngsi-ld:") and uuid.UUID(ident.removeprefix("urn:ngsi-ld:")).version == 7
