"""NGSI-LD subscriptions (ETSI GS CIM 009 V1.6.1, clauses 5.2.12, 5.2.14, 5.2.15, 5.3.1, 5.8; HTTP
6.10–6.11): CRUD through the API, and notifications delivered after the commit by the Huey task (run
at once in tests) to a real HTTP receiver on 127.0.0.1 – what a subscriber sees: the POST, its headers
and its Notification. The MQTT binding against the real Mosquitto is marked external."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest

from regija.context import services
from regija.context.models import Subscription
from regija.context.subscriptions import CONTEXT_REL
from regija.core import tokens
from tests.factories import member

from .conftest import BASE, link, problem_type

CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld"
DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"


class _Receiver(http.server.BaseHTTPRequestHandler):
    got: list = []
    status: int = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).got.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """An HTTP server on 127.0.0.1 recording every POST (``receiver.got``); ``receiver.status`` is what
    it answers."""
    _Receiver.got, _Receiver.status = [], 200
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.got = _Receiver.got
    server.url = f"http://127.0.0.1:{server.server_address[1]}/notify"
    server.answer = lambda status: setattr(_Receiver, "status", status)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a request and what it left for after the commit (the notification task, at once)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def subscription(endpoint, **members):
    """A subscription as clause 5.2.12's examples have it: to OffStreetParking entities."""
    body = {
        "id": f"urn:ngsi-ld:Subscription:{uuid.uuid4().hex[:8]}",
        "type": "Subscription",
        "entities": [{"type": "OffStreetParking"}],
        "notification": {"endpoint": {"uri": endpoint, "accept": "application/json"}},
    }
    body.update(members)
    return body


def parking(n=1, spots=120, **extra):
    return {
        "id": f"urn:ngsi-ld:OffStreetParking:Downtown{n}",
        "type": "OffStreetParking",
        "availableSpotNumber": {"type": "Property", "value": spots},
        "totalSpotNumber": {"type": "Property", "value": 200},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [15.11, 46.36]}},
        **extra,
    }


def subscribe(post, body, **headers):
    response = post("post", "/subscriptions", body, **headers)
    assert response.status_code == 201, response.content
    return response


# ------------------------------------------------------------------------------------------------ CRUD


def test_create_retrieve_list_update_delete(post, get, client, editor, receiver):
    body = subscription(receiver.url, watchedAttributes=["availableSpotNumber"], q="availableSpotNumber<50")
    response = subscribe(post, body)
    assert response["Location"] == f"{BASE}/subscriptions/{body['id']}"

    one = client.get(f"{BASE}/subscriptions/{body['id']}", **editor)
    assert one.status_code == 200
    data = one.json()
    assert data["id"] == body["id"] and data["type"] == "Subscription"
    assert data["entities"] == [{"type": "OffStreetParking"}]
    assert data["watchedAttributes"] == ["availableSpotNumber"]
    assert data["q"] == "availableSpotNumber<50"
    assert data["status"] == "active"
    assert data["notification"]["endpoint"]["uri"] == receiver.url
    assert data["notification"]["timesSent"] == 0
    assert CORE in one["Link"]

    listed = client.get(f"{BASE}/subscriptions?count=true", **editor)
    assert [s["id"] for s in listed.json()] == [body["id"]]
    assert listed["NGSILD-Results-Count"] == "1"

    patched = post("patch", f"/subscriptions/{body['id']}", {"isActive": False, "throttling": 5})
    assert patched.status_code == 204, patched.content
    data = client.get(f"{BASE}/subscriptions/{body['id']}", **editor).json()
    assert data["status"] == "paused" and data["throttling"] == 5
    assert data["watchedAttributes"] == ["availableSpotNumber"]  # untouched members stay

    assert client.delete(f"{BASE}/subscriptions/{body['id']}", **editor).status_code == 204
    gone = client.get(f"{BASE}/subscriptions/{body['id']}", **editor)
    assert gone.status_code == 404 and problem_type(gone) == "ResourceNotFound"


def test_an_id_is_made_when_none_is_given_and_a_taken_id_is_refused(post, receiver):
    body = subscription(receiver.url)
    del body["id"]
    made = subscribe(post, body)
    assert made["Location"].startswith(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:")
    again = subscription(receiver.url)
    subscribe(post, again)
    taken = post("post", "/subscriptions", again)
    assert taken.status_code == 409 and problem_type(taken) == "AlreadyExists"


def test_subscriptions_are_the_tenants_editors_only(client, post, tokens_of, receiver):
    body = subscription(receiver.url)
    subscribe(post, body)
    path = f"{BASE}/subscriptions/{body['id']}"
    anonymous = client.get(path, HTTP_NGSILD_TENANT="velenje-iot")
    assert anonymous.status_code == 401
    for who in ("viewer", "other_editor"):
        headers = {"HTTP_NGSILD_TENANT": "velenje-iot", "HTTP_AUTHORIZATION": f"Bearer {tokens_of[who]}"}
        assert client.get(path, **headers).status_code == 403
        assert client.delete(path, **headers).status_code == 403
    assert Subscription.objects.filter(subscription_id=body["id"]).exists()


def test_unknown_ids_are_resource_not_found(post, client, editor):
    for method in ("get", "delete"):
        response = getattr(client, method)(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:none", **editor)
        assert response.status_code == 404 and problem_type(response) == "ResourceNotFound"
    response = post("patch", "/subscriptions/urn:ngsi-ld:Subscription:none", {"isActive": False})
    assert response.status_code == 404 and problem_type(response) == "ResourceNotFound"


@pytest.mark.parametrize(
    ("change", "member"),
    [
        ({"type": "Subscriptions"}, "type"),
        ({"id": "not a uri"}, "id"),
        ({"entities": []}, "entities"),
        ({"entities": [{"id": "urn:ngsi-ld:OffStreetParking:1"}]}, "entities[0].type"),
        ({"entities": [{"type": "OffStreetParking", "idPattern": "("}]}, "entities[0].idPattern"),
        ({"watchedAttributes": []}, "watchedAttributes"),
        ({"notificationTrigger": ["somethingHappened"]}, "notificationTrigger"),
        ({"q": "availableSpotNumber<"}, "q"),
        ({"geoQ": {"georel": "near", "geometry": "Point", "coordinates": [15, 46]}}, "geoQ.georel"),
        ({"geoQ": {"georel": "within", "geometry": "Blob", "coordinates": [15, 46]}}, "geoQ.geometry"),
        ({"isActive": "yes"}, "isActive"),
        ({"expiresAt": "tomorrow"}, "expiresAt"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
        ({"throttling": -1}, "throttling"),
        ({"notification": {}}, "notification.endpoint"),
        ({"notification": {"endpoint": {"uri": "ftp://example.org/x"}}}, "notification.endpoint.uri"),
        ({"notification": {"endpoint": {"uri": "mqtt://127.0.0.1"}}}, "notification.endpoint.uri"),
        (
            {"notification": {"endpoint": {"uri": "http://x.example", "accept": "text/plain"}}},
            "notification.endpoint.accept",
        ),
        (
            {"notification": {"format": "simplified", "endpoint": {"uri": "http://x.example"}}},
            "notification.format",
        ),
        (
            {
                "notification": {
                    "endpoint": {
                        "uri": "mqtt://127.0.0.1/t",
                        "notifierInfo": [{"key": "MQTT-QoS", "value": "3"}],
                    }
                }
            },
            "notification.endpoint.notifierInfo",
        ),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_bad_request_data_naming_the_member(post, receiver, change, member):
    body = {**subscription(receiver.url), **change}
    response = post("post", "/subscriptions", body)
    assert response.status_code == 400, response.content
    assert problem_type(response) == "BadRequestData"
    assert response.json()["detail"].startswith(member), response.json()["detail"]
    assert not Subscription.objects.exists()


def test_a_bad_update_changes_nothing(post, client, editor, receiver):
    body = subscription(receiver.url)
    subscribe(post, body)
    response = post("patch", f"/subscriptions/{body['id']}", {"isActive": True, "throttling": "often"})
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"
    assert "throttling" not in client.get(f"{BASE}/subscriptions/{body['id']}", **editor).json()


def test_unsupported_members_are_operation_not_supported(post, receiver):
    response = post("post", "/subscriptions", {**subscription(receiver.url), "csf": "p==1"})
    assert response.status_code == 422 and problem_type(response) == "OperationNotSupported"


# --------------------------------------------------------------------------------------- notifications


def test_a_change_is_notified_over_http(post, commit, receiver):
    body = subscription(receiver.url)
    subscribe(post, body)
    response = commit(post, "post", "/entities", parking())
    assert response.status_code == 201
    assert len(receiver.got) == 1
    got = receiver.got[0]
    assert got["path"] == "/notify"
    assert got["headers"]["Content-Type"] == "application/json"
    assert got["headers"]["Link"] == f'<{CORE}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
    note = got["body"]
    assert note["type"] == "Notification"
    assert note["id"].startswith("urn:ngsi-ld:Notification:")
    assert note["subscriptionId"] == body["id"]
    assert note["notifiedAt"].endswith("Z")
    assert [e["id"] for e in note["data"]] == ["urn:ngsi-ld:OffStreetParking:Downtown1"]
    assert note["data"][0]["availableSpotNumber"]["value"] == 120  # normalized, core @context's terms

    commit(
        post,
        "patch",
        "/entities/urn:ngsi-ld:OffStreetParking:Downtown1/attrs",
        {"availableSpotNumber": {"type": "Property", "value": 119}},
    )
    assert receiver.got[1]["body"]["data"][0]["availableSpotNumber"]["value"] == 119
    stored = Subscription.objects.get(subscription_id=body["id"])
    assert stored.times_sent == 2 and stored.times_failed == 0 and stored.last_success is not None


def test_ld_json_format_attributes_and_receiver_info(post, commit, receiver, context_server):
    context_server.documents["/parking.jsonld"] = {"@context": {"spots": DEFAULT + "availableSpotNumber"}}
    url = context_server.url("/parking.jsonld")
    body = subscription(
        receiver.url,
        notification={
            "attributes": ["spots"],
            "format": "keyValues",
            "endpoint": {
                "uri": receiver.url,
                "accept": "application/ld+json",
                "receiverInfo": [{"key": "X-Token", "value": "abc"}],
            },
        },
    )
    subscribe(post, body, HTTP_LINK=link(url))
    commit(post, "post", "/entities", parking(spots=7))
    got = receiver.got[0]
    assert got["headers"]["Content-Type"] == "application/ld+json"
    assert got["headers"]["X-Token"] == "abc"
    assert got["body"]["@context"] == url
    # keyValues, only the chosen attribute, named by the subscription's own @context – which each
    # entity carries too, as a JSON-LD entity does (ETSI's suite, 046_14)
    assert got["body"]["data"] == [
        {
            "id": "urn:ngsi-ld:OffStreetParking:Downtown1",
            "type": "OffStreetParking",
            "spots": 7,
            "@context": url,
        }
    ]


def test_watched_attributes_q_and_other_types(post, commit, receiver):
    subscribe(
        post,
        subscription(receiver.url, watchedAttributes=["availableSpotNumber"], q="availableSpotNumber<10"),
    )
    commit(post, "post", "/entities", parking(spots=100))  # created, q false
    assert receiver.got == []
    entity = "/entities/urn:ngsi-ld:OffStreetParking:Downtown1/attrs"
    commit(post, "patch", entity, {"totalSpotNumber": {"type": "Property", "value": 5}})  # not watched
    assert receiver.got == []
    commit(
        post, "patch", entity, {"availableSpotNumber": {"type": "Property", "value": 4}}
    )  # watched, q true
    assert len(receiver.got) == 1
    commit(
        post,
        "post",
        "/entities",
        {
            "id": "urn:ngsi-ld:Vehicle:A1",
            "type": "Vehicle",
            "availableSpotNumber": {"type": "Property", "value": 1},
        },
    )
    assert len(receiver.got) == 1  # another type


def test_id_pattern_and_triggers(post, commit, client, editor, receiver):
    subscribe(
        post,
        subscription(
            receiver.url,
            entities=[{"type": "OffStreetParking", "idPattern": "Downtown2$"}],
            notificationTrigger=["entityDeleted"],
        ),
    )
    commit(post, "post", "/entities", parking(1))
    commit(post, "post", "/entities", parking(2))
    assert receiver.got == []  # creation is no entityDeleted
    commit(client.delete, f"{BASE}/entities/urn:ngsi-ld:OffStreetParking:Downtown1", **editor)
    commit(client.delete, f"{BASE}/entities/urn:ngsi-ld:OffStreetParking:Downtown2", **editor)
    assert [g["body"]["data"][0]["id"] for g in receiver.got] == ["urn:ngsi-ld:OffStreetParking:Downtown2"]


def test_geo_q(post, commit, receiver):
    # within a box around Velenje's centre (15.11 E, 46.36 N)
    box = [[[15.0, 46.3], [15.2, 46.3], [15.2, 46.4], [15.0, 46.4], [15.0, 46.3]]]
    subscribe(
        post, subscription(receiver.url, geoQ={"georel": "within", "geometry": "Polygon", "coordinates": box})
    )
    commit(post, "post", "/entities", parking(1))
    far = parking(2)
    far["location"] = {
        "type": "GeoProperty",
        "value": {"type": "Point", "coordinates": [14.5, 46.05]},
    }  # Ljubljana
    commit(post, "post", "/entities", far)
    assert [g["body"]["data"][0]["id"] for g in receiver.got] == ["urn:ngsi-ld:OffStreetParking:Downtown1"]


def test_throttling(post, commit, receiver, time_machine):
    time_machine.move_to("2030-01-01T10:00:00Z", tick=False)
    subscribe(post, subscription(receiver.url, throttling=60))
    entity = "/entities/urn:ngsi-ld:OffStreetParking:Downtown1/attrs"
    commit(post, "post", "/entities", parking())
    time_machine.move_to("2030-01-01T10:00:30Z", tick=False)
    commit(post, "patch", entity, {"availableSpotNumber": {"type": "Property", "value": 1}})
    assert len(receiver.got) == 1  # within 60 s of the last: dropped
    time_machine.move_to("2030-01-01T10:01:01Z", tick=False)
    commit(post, "patch", entity, {"availableSpotNumber": {"type": "Property", "value": 2}})
    assert len(receiver.got) == 2


def test_paused_and_expired_subscriptions_are_not_notified(
    post, commit, client, editor, receiver, time_machine
):
    time_machine.move_to("2030-01-01T10:00:00Z", tick=False)
    paused = subscription(receiver.url, isActive=False)
    expiring = subscription(receiver.url, expiresAt="2030-01-01T11:00:00Z")
    subscribe(post, paused)
    subscribe(post, expiring)
    commit(post, "post", "/entities", parking(1))
    assert [g["body"]["subscriptionId"] for g in receiver.got] == [expiring["id"]]
    time_machine.move_to("2030-01-01T11:00:01Z", tick=False)
    assert client.get(f"{BASE}/subscriptions/{expiring['id']}", **editor).json()["status"] == "expired"
    commit(post, "post", "/entities", parking(2))
    assert len(receiver.got) == 1


def test_failures_are_counted(post, commit, client, editor, receiver):
    receiver.answer(500)
    body = subscription(receiver.url)
    subscribe(post, body)
    commit(post, "post", "/entities", parking(1))
    closed = subscription("http://127.0.0.1:9/nobody")  # the discard port: nothing listens
    subscribe(post, closed)
    commit(post, "post", "/entities", parking(2))
    failing = Subscription.objects.get(subscription_id=body["id"])
    assert failing.times_failed == 2 and failing.times_sent == 2
    assert "500" in failing.last_failure_reason
    shown = client.get(f"{BASE}/subscriptions/{body['id']}", **editor).json()["notification"]
    assert shown["status"] == "failed" and shown["timesFailed"] == 2 and "lastFailure" in shown
    refused = Subscription.objects.get(subscription_id=closed["id"])
    assert refused.times_failed == 1 and refused.last_failure_reason


def test_nothing_is_sent_for_a_change_rolled_back(post, commit, receiver):
    subscribe(post, subscription(receiver.url))
    batch = [
        parking(1),
        {
            "id": "urn:ngsi-ld:OffStreetParking:Bad",
            "type": "OffStreetParking",
            "availableSpotNumber": {"type": "Property"},
        },
    ]
    response = commit(post, "post", "/entityOperations/create", batch)
    assert response.status_code == 207
    assert [g["body"]["data"][0]["id"] for g in receiver.got] == ["urn:ngsi-ld:OffStreetParking:Downtown1"]


def test_device_ingest_is_notified(tenant, commit, receiver, post):
    from regija.context.models import Device, ServiceGroup

    group = ServiceGroup.objects.create(
        organisation=tenant, apikey=f"k{uuid.uuid4().hex[:6]}", entity_type="Thing"
    )
    Device.objects.create(
        group=group,
        device_id="s1",
        entity_id="urn:ngsi-ld:Thing:s1",
        entity_type="Thing",
        attributes=[{"object_id": "t", "name": "temperature", "type": "Number"}],
    )
    subscribe(
        post, subscription(receiver.url, entities=[{"type": "Thing"}], watchedAttributes=["temperature"])
    )
    commit(services.ingest, [(f"/json/{group.apikey}/s1/attrs", b'{"t": 21.5}')])
    commit(services.ingest, [(f"/json/{group.apikey}/s1/attrs", b'{"t": 22}')])
    values = [g["body"]["data"][0]["temperature"]["value"] for g in receiver.got]
    assert values == [21.5, 22]


def test_the_change_path_does_not_grow_with_other_subscriptions(
    post, tenant, receiver, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    assert post("post", "/entities", parking()).status_code == 201
    path = "/entities/urn:ngsi-ld:OffStreetParking:Downtown1/attrs"
    body = {"availableSpotNumber": {"type": "Property", "value": 3}}

    def queries():
        with django_capture_on_commit_callbacks(execute=False):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                post("patch", path, body)
        return len(captured)

    subscribe(post, subscription(receiver.url, q="availableSpotNumber<10"))
    few = queries()
    for n in range(200):  # subscriptions to other types, with q too
        subscribe(post, subscription(receiver.url, entities=[{"type": f"Other{n}"}], q="x<1"))
    assert queries() == few


@pytest.mark.external
def test_a_notification_over_mqtt(post, commit):
    import paho.mqtt.client as mqtt

    url = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 1883
    topic = f"regija-test/{uuid.uuid4().hex}/notify"
    got: list = []
    ready = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"regija-test-{uuid.uuid4().hex[:8]}")
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda *args: ready.set()
    client.on_message = lambda c, u, m: got.append(json.loads(m.payload))
    client.connect(host, port)
    client.loop_start()
    try:
        assert ready.wait(10)
        endpoint = {
            "uri": f"mqtt://{host}:{port}/{topic}",
            "accept": "application/json",
            "notifierInfo": [{"key": "MQTT-QoS", "value": "1"}],
        }
        body = subscription("", notification={"endpoint": endpoint})
        subscribe(post, body)
        commit(post, "post", "/entities", parking())
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        client.loop_stop()
        client.disconnect()
    assert len(got) == 1
    message = got[0]
    assert message["metadata"]["Content-Type"] == "application/json"
    assert message["body"]["type"] == "Notification"
    assert message["body"]["subscriptionId"] == body["id"]
    assert message["body"]["data"][0]["id"] == "urn:ngsi-ld:OffStreetParking:Downtown1"
    assert Subscription.objects.get(subscription_id=body["id"]).times_sent == 1


def test_a_new_token_user_in_another_tenant_sees_none(client, post, tenant, receiver):
    subscribe(post, subscription(receiver.url))
    from tests.factories import OrganisationFactory

    other = OrganisationFactory(slug="tretji", name="Tretji")
    token = tokens.create(member("editor", other, username="ed-tretji"), "ngsi")[1]
    listed = client.get(
        f"{BASE}/subscriptions", HTTP_NGSILD_TENANT="tretji", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert listed.status_code == 200 and listed.json() == []


# ------------------------------------------------- what a notification holds (clause 5.8.6, V1.6.1)

NULL = "urn:ngsi-ld:null"
PARKING = "/entities/urn:ngsi-ld:OffStreetParking:Downtown1"


def rich_parking(**extra):
    """A parking with an attribute of each kind: Property, GeoProperty, Relationship, LanguageProperty."""
    return parking(
        refOwner={"type": "Relationship", "object": "urn:ngsi-ld:Organisation:Velenje"},
        street={"type": "LanguageProperty", "languageMap": {"sl": "Rudarska cesta", "en": "Miners' road"}},
        **extra,
    )


def test_a_deleted_attribute_is_notified_as_ngsi_ld_null(post, commit, client, editor, receiver):
    # ETSI's suite 046_22_01–046_22_04, 046_22_10, 046_22_11: the entity as the deletion left it, the
    # deleted attribute in it with NGSI-LD Null as its value, object or languageMap
    subscribe(post, subscription(receiver.url, notificationTrigger=["attributeDeleted"]))
    commit(post, "post", "/entities", rich_parking())
    assert receiver.got == []  # a creation deletes nothing
    for name in ("availableSpotNumber", "refOwner", "street"):
        assert commit(client.delete, f"{BASE}{PARKING}/attrs/{name}", **editor).status_code == 204
    first, second, third = (g["body"]["data"] for g in receiver.got)
    assert first[0]["availableSpotNumber"] == {"type": "Property", "value": NULL}
    assert first[0]["totalSpotNumber"] == {"type": "Property", "value": 200}  # the rest as it is
    assert first[0]["refOwner"]["object"] == "urn:ngsi-ld:Organisation:Velenje"
    assert second[0]["refOwner"] == {"type": "Relationship", "object": NULL}
    assert "availableSpotNumber" not in second[0]  # deleted before: gone
    assert third[0]["street"] == {"type": "LanguageProperty", "languageMap": {"@none": NULL}}


def test_a_deleted_attribute_with_watched_attributes_key_values_and_sys_attrs(
    post, commit, client, editor, receiver
):
    # 046_22_01–046_22_03, 046_22_05: only a watched attribute's deletion is notified; keyValues shows
    # it as the bare null; with sysAttrs the attribute tells when it was deleted
    subscribe(
        post,
        subscription(
            receiver.url,
            notificationTrigger=["attributeDeleted"],
            watchedAttributes=["availableSpotNumber", "street"],
            notification={"format": "keyValues", "endpoint": {"uri": receiver.url}},
        ),
    )
    subscribe(
        post,
        subscription(
            receiver.url,
            notificationTrigger=["attributeDeleted"],
            notification={"sysAttrs": True, "endpoint": {"uri": receiver.url}},
        ),
    )
    commit(post, "post", "/entities", rich_parking())
    commit(client.delete, f"{BASE}{PARKING}/attrs/totalSpotNumber", **editor)
    assert len(receiver.got) == 1  # not watched by the first
    with_sys = receiver.got[0]["body"]["data"][0]["totalSpotNumber"]
    assert with_sys["value"] == NULL and with_sys["deletedAt"].endswith("Z") and "createdAt" in with_sys
    commit(client.delete, f"{BASE}{PARKING}/attrs/availableSpotNumber", **editor)
    key_values = next(g for g in receiver.got[1:] if "deletedAt" not in json.dumps(g["body"]))
    assert key_values["body"]["data"][0]["availableSpotNumber"] == NULL
    assert key_values["body"]["data"][0]["refOwner"] == "urn:ngsi-ld:Organisation:Velenje"


def test_a_deleted_entity_is_notified_with_deleted_at(post, commit, client, editor, receiver):
    # 046_21_01/02: entityDeleted – the id, the type and deletedAt (with sysAttrs createdAt and
    # modifiedAt too); 046_22_12/13: attributeDeleted of a watched attribute – that attribute as null
    plain = subscription(receiver.url, notificationTrigger=["entityDeleted"])
    with_sys = subscription(
        receiver.url,
        notificationTrigger=["entityDeleted"],
        notification={"sysAttrs": True, "endpoint": {"uri": receiver.url}},
    )
    watched = subscription(
        receiver.url, notificationTrigger=["attributeDeleted"], watchedAttributes=["availableSpotNumber"]
    )
    for body in (plain, with_sys, watched):
        subscribe(post, body)
    commit(post, "post", "/entities", rich_parking())
    assert commit(client.delete, f"{BASE}{PARKING}", **editor).status_code == 204
    by_id = {g["body"]["subscriptionId"]: g["body"]["data"][0] for g in receiver.got}
    assert set(by_id[plain["id"]]) == {"id", "type", "deletedAt"}
    assert by_id[plain["id"]]["deletedAt"].endswith("Z")
    assert set(by_id[with_sys["id"]]) == {"id", "type", "createdAt", "modifiedAt", "deletedAt"}
    assert set(by_id[watched["id"]]) == {"id", "type", "deletedAt", "availableSpotNumber"}
    assert by_id[watched["id"]]["availableSpotNumber"] == {"type": "Property", "value": NULL}


def test_show_changes_gives_the_previous_values(post, commit, client, editor, receiver):
    # clause 5.2.14 showChanges; 046_31, 046_34, 046_37, 046_40: previousValue, previousObject,
    # previousLanguageMap beside the values of the attributes updated or deleted, none on creation
    show = {"showChanges": True, "endpoint": {"uri": receiver.url}}
    subscribe(post, subscription(receiver.url, notification=show))
    subscribe(
        post,
        subscription(
            receiver.url,
            notificationTrigger=["attributeDeleted", "entityDeleted"],
            notification=show,
        ),
    )
    commit(post, "post", "/entities", rich_parking())
    assert "previous" not in json.dumps(receiver.got[0]["body"])
    commit(
        post,
        "patch",
        f"{PARKING}/attrs",
        {
            "availableSpotNumber": {"type": "Property", "value": 99},
            "refOwner": {"type": "Relationship", "object": "urn:ngsi-ld:Organisation:Celje"},
            "street": {"type": "LanguageProperty", "languageMap": {"sl": "Kidričeva cesta"}},
        },
    )
    updated = receiver.got[1]["body"]["data"][0]
    assert updated["availableSpotNumber"] == {"type": "Property", "value": 99, "previousValue": 120}
    assert updated["refOwner"] == {
        "type": "Relationship",
        "object": "urn:ngsi-ld:Organisation:Celje",
        "previousObject": "urn:ngsi-ld:Organisation:Velenje",
    }
    assert updated["street"]["previousLanguageMap"] == {"sl": "Rudarska cesta", "en": "Miners' road"}
    assert "previousValue" not in updated["totalSpotNumber"]  # not written: no change to show
    commit(client.delete, f"{BASE}{PARKING}/attrs/availableSpotNumber", **editor)
    deleted = receiver.got[2]["body"]["data"][0]["availableSpotNumber"]
    assert deleted == {"type": "Property", "value": NULL, "previousValue": 99}
    commit(client.delete, f"{BASE}{PARKING}", **editor)
    gone = receiver.got[3]["body"]["data"][0]
    assert gone["deletedAt"].endswith("Z")
    assert gone["totalSpotNumber"] == {"type": "Property", "value": NULL, "previousValue": 200}
    assert gone["location"]["previousValue"] == {"type": "Point", "coordinates": [15.11, 46.36]}
    assert gone["refOwner"] == {
        "type": "Relationship",
        "object": NULL,
        "previousObject": "urn:ngsi-ld:Organisation:Celje",
    }


def test_key_values_with_sys_attrs_and_a_type_selection(post, commit, receiver):
    # 046_17: sysAttrs in a keyValues notification gives the entity's createdAt and modifiedAt;
    # 046_16: an EntityInfo's type may be a selection of types (clause 4.17), A|B
    subscribe(
        post,
        subscription(
            receiver.url,
            entities=[{"type": "(OffStreetParking|Tower)"}],
            notification={"format": "keyValues", "sysAttrs": True, "endpoint": {"uri": receiver.url}},
        ),
    )
    commit(post, "post", "/entities", parking())
    commit(post, "post", "/entities", {"id": "urn:ngsi-ld:Tower:1", "type": "Tower", "height": 42})
    commit(post, "post", "/entities", {"id": "urn:ngsi-ld:Bridge:1", "type": "Bridge", "length": 42})
    data = [g["body"]["data"][0] for g in receiver.got]
    assert [e["id"] for e in data] == ["urn:ngsi-ld:OffStreetParking:Downtown1", "urn:ngsi-ld:Tower:1"]
    assert data[0]["createdAt"].endswith("Z") and data[0]["modifiedAt"].endswith("Z")
    assert data[0]["availableSpotNumber"] == 120
    both = post("post", "/subscriptions", subscription(receiver.url, entities=[{"type": "A;B"}]))
    assert both.status_code == 422 and problem_type(both) == "OperationNotSupported"
    bad = post("post", "/subscriptions", subscription(receiver.url, entities=[{"type": "(A|)"}]))
    assert bad.status_code == 400 and problem_type(bad) == "BadRequestData"


# ------------------------------------------------------------ periodic subscriptions (timeInterval)


def _scheduled_periodic():
    """The notify_periodic tasks Huey holds for later (immediate mode keeps them in memory): their etas."""
    from huey.contrib.djhuey import HUEY

    return sorted(t.eta for t in HUEY.scheduled() if t.name.endswith("notify_periodic"))


def test_a_periodic_subscription_is_notified_every_time_interval(
    post, commit, client, editor, receiver, time_machine
):
    # clause 5.2.12 timeInterval (046_02): a notification of every entity selected, each interval,
    # whether it changed or not; changes themselves are not notified
    from regija.context import tasks

    time_machine.move_to("2030-01-01T10:00:00Z", tick=False)
    commit(post, "post", "/entities", parking(1))
    body = subscription(receiver.url, timeInterval=10, q="availableSpotNumber>100")
    commit(subscribe, post, body)
    assert client.get(f"{BASE}/subscriptions/{body['id']}", **editor).json()["timeInterval"] == 10
    pk = Subscription.objects.get(subscription_id=body["id"]).pk
    assert _scheduled_periodic()[-1] == dt.datetime(2030, 1, 1, 10, 0, 10)  # one interval on, UTC
    commit(post, "post", "/entities", parking(2, spots=5))  # not matching q
    commit(post, "patch", f"{PARKING}/attrs", {"availableSpotNumber": {"type": "Property", "value": 110}})
    assert receiver.got == []  # no notification on changes

    assert tasks.notify_periodic.call_local(pk) == "not due"  # before its moment: nothing
    time_machine.move_to("2030-01-01T10:00:10Z", tick=False)
    assert tasks.notify_periodic.call_local(pk) == "sent"
    assert tasks.notify_periodic.call_local(pk) == "not due"  # a second task of the same period
    assert _scheduled_periodic()[-1] == dt.datetime(2030, 1, 1, 10, 0, 20)  # the next one
    time_machine.move_to("2030-01-01T10:00:20Z", tick=False)
    assert tasks.notify_periodic.call_local(pk) == "sent"
    notes = [g["body"] for g in receiver.got]
    assert [n["subscriptionId"] for n in notes] == [body["id"], body["id"]]
    for note in notes:  # the same entity twice, unchanged in between
        assert [e["id"] for e in note["data"]] == ["urn:ngsi-ld:OffStreetParking:Downtown1"]
        assert note["data"][0]["availableSpotNumber"]["value"] == 110
    stored = Subscription.objects.get(pk=pk)
    assert stored.times_sent == 2 and stored.last_success is not None

    commit(post, "patch", f"/subscriptions/{body['id']}", {"isActive": False})
    time_machine.move_to("2030-01-01T10:00:40Z", tick=False)
    assert tasks.notify_periodic.call_local(pk) == "stopped"  # paused: the chain ends
    assert len(receiver.got) == 2


def test_a_lost_periodic_notification_is_restarted(post, commit, receiver, time_machine):
    from regija.context import tasks

    time_machine.move_to("2030-01-01T10:00:00Z", tick=False)
    commit(post, "post", "/entities", parking(1))
    body = subscription(receiver.url, timeInterval=30)
    commit(subscribe, post, body)
    time_machine.move_to("2030-01-01T10:01:00Z", tick=False)
    assert tasks.restart_periodic.call_local() == 0  # due 30 s ago: not overdue yet
    time_machine.move_to("2030-01-01T10:01:31Z", tick=False)
    assert tasks.restart_periodic.call_local() == 1  # its task lost: sent now
    assert [g["body"]["subscriptionId"] for g in receiver.got] == [body["id"]]


@pytest.mark.parametrize(
    "members",
    [
        {"timeInterval": 10, "watchedAttributes": ["availableSpotNumber"]},
        {"timeInterval": 10, "throttling": 5},  # 028_05_01
        {"timeInterval": 0},
        {"timeInterval": "10"},
        {"timeInterval": 1},  # below the broker's minimum
    ],
)
def test_bad_periodic_subscriptions_are_bad_request_data(post, receiver, members):
    response = post("post", "/subscriptions", subscription(receiver.url, **members))
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"
    assert Subscription.objects.count() == 0


def test_the_minimum_time_interval_is_a_setting(post, receiver, settings):
    settings.REGIJA_NGSI_SUBSCRIPTION_MIN_INTERVAL = 1
    subscribe(post, subscription(receiver.url, timeInterval=1))


def test_a_percent_encoded_q_is_read_as_in_an_address(post, commit, receiver):
    # 046_05: the suite's subscription has q = name=="Eiffel%20Tower", as the query is in an address
    subscribe(post, subscription(receiver.url, q='name=="Velenje%20Center"'))
    commit(post, "post", "/entities", parking(1, name={"type": "Property", "value": "Velenje Center"}))
    commit(post, "post", "/entities", parking(2, name={"type": "Property", "value": "Velenje%20Center"}))
    assert [g["body"]["data"][0]["id"] for g in receiver.got] == ["urn:ngsi-ld:OffStreetParking:Downtown1"]


def test_a_page_of_subscriptions_links_the_previous_and_next_pages(post, client, editor, receiver):
    # clause 5.5.9 pagination, as ETSI's 031_02 reads it: Link rel="prev" / rel="next"
    for n in range(3):
        subscribe(post, {**subscription(receiver.url), "id": f"urn:ngsi-ld:Subscription:{n}"})

    def links(query, **headers):
        response = client.get(f"{BASE}/subscriptions/?{query}", **editor, **headers)
        assert response.status_code == 200
        found = [part.strip() for part in response.get("Link", "").split(",")]
        return [part for part in found if "json-ld#context" not in part], [s["id"] for s in response.json()]

    ld = {"HTTP_ACCEPT": "application/ld+json"}
    assert links("limit=1&offset=1", **ld) == (
        [
            '</ngsi-ld/v1/subscriptions?limit=1&offset=0>;rel="prev";type="application/ld+json"',
            '</ngsi-ld/v1/subscriptions?limit=1&offset=2>;rel="next";type="application/ld+json"',
        ],
        ["urn:ngsi-ld:Subscription:1"],
    )
    assert links("limit=1&offset=2", **ld)[0] == [
        '</ngsi-ld/v1/subscriptions?limit=1&offset=1>;rel="prev";type="application/ld+json"'
    ]
    assert links("limit=15&offset=0", **ld)[0] == [""]  # all on one page: no page links
    page, ids = links("limit=2&count=true")
    assert page == [
        '</ngsi-ld/v1/subscriptions?limit=2&offset=2&count=true>;rel="next";type="application/json"'
    ]
    assert ids == ["urn:ngsi-ld:Subscription:0", "urn:ngsi-ld:Subscription:1"]


def test_show_changes_is_not_for_key_values(post, receiver):
    # 028_09_01: the simplified form has nowhere to put a previous value
    notification = {"format": "keyValues", "showChanges": True, "endpoint": {"uri": receiver.url}}
    response = post("post", "/subscriptions", subscription(receiver.url, notification=notification))
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"


def test_a_subscription_is_read_in_the_readers_context(post, client, editor, receiver, context_server):
    # clause 5.5.7 as ETSI's 029_05_02 reads it: a Retrieve Subscription without a Link header answers
    # with the core @context – names the core context does not know as IRIs –, with one in that one's terms
    ex = "https://example.org/parking#"
    context_server.documents["/a.jsonld"] = {"@context": {"Parking": ex + "Parking", "spots": ex + "spots"}}
    context_server.documents["/b.jsonld"] = {"@context": {"P": ex + "Parking", "free": ex + "spots"}}
    a, b = context_server.url("/a.jsonld"), context_server.url("/b.jsonld")
    body = subscription(
        receiver.url,
        entities=[{"type": "Parking"}],
        watchedAttributes=["spots"],
        q='spots>10;name=="spots"',
        notification={"attributes": ["spots"], "endpoint": {"uri": receiver.url}},
    )
    subscribe(post, body, HTTP_LINK=link(a))
    address = f"{BASE}/subscriptions/{body['id']}"

    core = client.get(address, **editor)
    assert core.status_code == 200 and CORE in core["Link"]
    data = core.json()
    assert data["entities"] == [{"type": ex + "Parking"}]
    assert data["watchedAttributes"] == [ex + "spots"]
    assert data["notification"]["attributes"] == [ex + "spots"]
    assert data["q"] == f'{ex}spots>10;name=="spots"'  # a quoted value is no name

    other = client.get(address, HTTP_LINK=link(b), **editor).json()
    assert other["entities"] == [{"type": "P"}] and other["watchedAttributes"] == ["free"]
    assert other["q"] == 'free>10;name=="spots"'
    same = client.get(address, HTTP_LINK=link(a), **editor).json()
    assert same["entities"] == [{"type": "Parking"}] and same["q"] == body["q"]
    listed = client.get(
        f"{BASE}/subscriptions", HTTP_LINK=link(b), HTTP_ACCEPT="application/ld+json", **editor
    )
    assert listed.json()[0]["@context"] == b and listed.json()[0]["watchedAttributes"] == ["free"]


def test_an_update_replaces_the_notification_whole(post, client, editor, receiver):
    # clause 5.8.2 as ETSI's 029_03_01 reads it: a fragment's member replaces the subscription's, so
    # its notification must be a whole NotificationParams – one without an endpoint is 400
    body = subscription(
        receiver.url, notification={"attributes": ["availableSpotNumber"], "endpoint": {"uri": receiver.url}}
    )
    subscribe(post, body)
    address = f"/subscriptions/{body['id']}"
    bad = post("patch", address, {"notification": {"format": "keyValues"}})
    assert bad.status_code == 400 and problem_type(bad) == "BadRequestData"
    assert "endpoint" in bad.json()["detail"]
    other = "http://127.0.0.1:9/other"
    assert post("patch", address, {"notification": {"endpoint": {"uri": other}}}).status_code == 204
    notification = client.get(BASE + address, **editor).json()["notification"]
    assert notification["endpoint"] == {"uri": other}
    assert "attributes" not in notification and "format" not in notification  # replaced, not merged
