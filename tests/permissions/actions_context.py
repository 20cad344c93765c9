"""The permission matrix's rows of the NGSI-LD broker (/ngsi-ld/v1/, regija.context): reads are open to
everyone, writes need an API token of an editor or admin of the tenant's organisation (A). Requests are
sent as a client sends them: NGSILD-Tenant, Authorization: Bearer, application/json."""

from __future__ import annotations

import json

from regija.context.models import ContextEntity

from .actions import action, page
from .world_context import ENTITY_ID, SUBSCRIPTION_ID

BASE = "/ngsi-ld/v1"
E = "E: entity of A's tenant"


def _doc(w):
    found = ContextEntity.objects.filter(pk=w.NGSI_E.pk).first()
    return json.dumps(found.doc, sort_keys=True) if found else None


def _send(method, path, body=None):
    def do(client, w, role):
        path_ = path(w) if callable(path) else path
        headers = {"HTTP_NGSILD_TENANT": "matrika-a"}
        token = w.tokens.get(role)
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if method == "get":
            return client.get(BASE + path_, **headers)
        data = "" if body is None else json.dumps(body)
        return getattr(client, method)(BASE + path_, data=data, content_type="application/json", **headers)

    return do


def ngsi(method, name, obj, path, *, body=None, probe=None, marker=None):
    action(f"{method} {name}", obj, _send(method.lower(), path, body), probe=probe, marker=marker, key=name)


ONE = f"/entities/{ENTITY_ID}"
ngsi("GET", "ngsi_entities", E, "/entities?type=Vehicle", marker=lambda w: ENTITY_ID)
ngsi(
    "POST",
    "ngsi_entities",
    "A's tenant (a new entity)",
    "/entities",
    body={
        "id": "urn:ngsi-ld:Vehicle:matrika-new",
        "type": "Vehicle",
        "speed": {"type": "Property", "value": 1},
    },
    probe=lambda w: ContextEntity.objects.filter(organisation=w.A).count(),
)
ngsi("GET", "ngsi_entity", E, ONE)
ngsi(
    "POST",
    "ngsi_query",
    E,
    "/entityOperations/query",
    body={"type": "Query", "entities": [{"type": "Vehicle"}]},
    marker=lambda w: ENTITY_ID,
)
ngsi(
    "PUT",
    "ngsi_entity",
    E + " (replaced)",
    ONE,
    body={"type": "Vehicle", "speed": {"type": "Property", "value": 2}},
    probe=_doc,
)
ngsi(
    "PATCH", "ngsi_entity", E + " (merged)", ONE, body={"speed": {"type": "Property", "value": 5}}, probe=_doc
)
ngsi("DELETE", "ngsi_entity", E, ONE, probe=_doc)
ngsi(
    "POST",
    "ngsi_attributes",
    E + " (a new attribute)",
    ONE + "/attrs",
    body={"color": {"type": "Property", "value": "red"}},
    probe=_doc,
)
ngsi(
    "PATCH",
    "ngsi_attributes",
    E + " (speed)",
    ONE + "/attrs",
    body={"speed": {"type": "Property", "value": 3}},
    probe=_doc,
)
ngsi("PATCH", "ngsi_attribute", E + " (speed's value)", ONE + "/attrs/speed", body={"value": 4}, probe=_doc)
ngsi(
    "PUT",
    "ngsi_attribute",
    E + " (speed replaced)",
    ONE + "/attrs/speed",
    body={"type": "Property", "value": 6},
    probe=_doc,
)
ngsi("DELETE", "ngsi_attribute", E + " (brandName)", ONE + "/attrs/brandName", probe=_doc)


def _tenant_ids(w):
    return sorted(ContextEntity.objects.filter(organisation=w.A).values_list("entity_id", flat=True))


NEW = {
    "id": "urn:ngsi-ld:Vehicle:matrika-batch",
    "type": "Vehicle",
    "speed": {"type": "Property", "value": 5},
}
ngsi(
    "POST",
    "ngsi_batch_create",
    "A's tenant (new entities)",
    "/entityOperations/create",
    body=[NEW],
    probe=_tenant_ids,
)
ngsi(
    "POST",
    "ngsi_batch_upsert",
    E + " (replaced)",
    "/entityOperations/upsert",
    body=[{"id": ENTITY_ID, "type": "Vehicle", "speed": {"type": "Property", "value": 6}}],
    probe=_doc,
)
ngsi(
    "POST",
    "ngsi_batch_update",
    E + " (speed)",
    "/entityOperations/update",
    body=[{"id": ENTITY_ID, "type": "Vehicle", "speed": {"type": "Property", "value": 7}}],
    probe=_doc,
)
ngsi(
    "POST",
    "ngsi_batch_merge",
    E + " (speed)",
    "/entityOperations/merge",
    body=[{"id": ENTITY_ID, "type": "Vehicle", "speed": {"type": "Property", "value": 8}}],
    probe=_doc,
)
ngsi("POST", "ngsi_batch_delete", E, "/entityOperations/delete", body=[ENTITY_ID], probe=_doc)
ngsi("GET", "ngsi_types", "A's tenant's entity types", "/types")
ngsi("GET", "ngsi_type", "A's tenant's type Vehicle", "/types/Vehicle")
ngsi("GET", "ngsi_attribute_list", "A's tenant's attributes", "/attributes")
ngsi("GET", "ngsi_attribute_info", "A's tenant's attribute speed", "/attributes/speed")


# Subscriptions hold endpoints and their credentials (receiverInfo): read and written with a token of
# the tenant's editors and admins only.
S = "S: subscription of A's tenant"


def _subscriptions(w):
    from regija.context.models import Subscription

    return sorted(
        json.dumps([s.subscription_id, s.body], sort_keys=True)
        for s in Subscription.objects.filter(organisation=w.A)
    )


ngsi("GET", "ngsi_subscriptions", S, "/subscriptions", marker=lambda w: SUBSCRIPTION_ID)
ngsi(
    "POST",
    "ngsi_subscriptions",
    "A's tenant (a new subscription)",
    "/subscriptions",
    body={
        "id": "urn:ngsi-ld:Subscription:matrika-new",
        "type": "Subscription",
        "entities": [{"type": "Vehicle"}],
        "notification": {"endpoint": {"uri": "http://127.0.0.1:9/matrika"}},
    },
    probe=_subscriptions,
)
ngsi("GET", "ngsi_subscription", S, "/subscriptions/" + SUBSCRIPTION_ID)
ngsi(
    "PATCH",
    "ngsi_subscription",
    S + " (paused)",
    "/subscriptions/" + SUBSCRIPTION_ID,
    body={"isActive": False},
    probe=_subscriptions,
)
ngsi("DELETE", "ngsi_subscription", S, "/subscriptions/" + SUBSCRIPTION_ID, probe=_subscriptions)


# The temporal API (/ngsi-ld/v1/temporal/): E's history (its creation wrote one instance of each attribute)
def _history(w):
    from regija.context.models import AttributeInstance

    rows = AttributeInstance.objects.filter(organisation=w.A).order_by(
        "entity_id", "attribute", "observed_at"
    )
    return json.dumps([[r.entity_id, r.attribute, r.doc.get("value")] for r in rows])


def _speed_instance(w):
    from regija.context.models import AttributeInstance

    found = AttributeInstance.objects.filter(entity_id=ENTITY_ID, attribute__endswith="/speed").first()
    return f"/temporal/entities/{ENTITY_ID}/attrs/speed/{found.instance_id if found else 'none'}"


T_ONE = f"/temporal/entities/{ENTITY_ID}"
H = "E's history"
ngsi("GET", "ngsi_temporal_entities", H, "/temporal/entities?type=Vehicle", marker=lambda w: ENTITY_ID)
ngsi(
    "POST",
    "ngsi_temporal_entities",
    "A's tenant (a new temporal entity)",
    "/temporal/entities",
    body={
        "id": "urn:ngsi-ld:Vehicle:matrika-t",
        "type": "Vehicle",
        "speed": [{"type": "Property", "value": 1, "observedAt": "2026-01-01T00:00:00Z"}],
    },
    probe=_history,
)
ngsi("GET", "ngsi_temporal_entity", H, T_ONE)
ngsi("DELETE", "ngsi_temporal_entity", H, T_ONE, probe=_history)
ngsi(
    "POST",
    "ngsi_temporal_attributes",
    H + " (instances added)",
    T_ONE + "/attrs",
    body={"speed": [{"type": "Property", "value": 9, "observedAt": "2026-01-01T00:00:00Z"}]},
    probe=_history,
)
ngsi("DELETE", "ngsi_temporal_attribute", H + " (brandName)", T_ONE + "/attrs/brandName", probe=_history)
ngsi(
    "PATCH",
    "ngsi_temporal_instance",
    H + " (an instance of speed)",
    _speed_instance,
    body={"speed": {"type": "Property", "value": 3}},
    probe=_history,
)
ngsi("DELETE", "ngsi_temporal_instance", H + " (an instance of speed)", _speed_instance, probe=_history)
ngsi(
    "POST",
    "ngsi_temporal_query",
    H,
    "/temporal/entityOperations/query",
    body={"type": "Query", "entities": [{"type": "Vehicle"}]},
    marker=lambda w: ENTITY_ID,
)


# The IoT Agent provisioning API (/iot/, regija.context.iot): API keys are secrets, so reading needs the
# tenant's editor too. The tenant is the fiware-service header.
G = "G: service group (API key) of A's tenant"
D = "D: device of A's tenant"


def _iot(method, path, body=None):
    def do(client, w, role):
        headers = {"HTTP_FIWARE_SERVICE": "matrika-a", "HTTP_FIWARE_SERVICEPATH": "/"}
        token = w.tokens.get(role)
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if method == "get":
            return client.get("/iot/" + path, **headers)
        data = "" if body is None else json.dumps(body)
        return getattr(client, method)("/iot/" + path, data=data, content_type="application/json", **headers)

    return do


def _groups(w):
    from regija.context.models import ServiceGroup

    return sorted(ServiceGroup.objects.filter(organisation=w.A).values_list("apikey", flat=True))


def _devices(w):
    from regija.context.models import Device

    return sorted(Device.objects.filter(group__organisation=w.A).values_list("device_id", flat=True))


def iot(method, name, obj, path, *, body=None, probe=None):
    action(f"{method} {name}", obj, _iot(method.lower(), path, body), probe=probe, key=name)


iot("GET", "iot_services", G, "services")
iot(
    "POST",
    "iot_services",
    "A's tenant (a new service group)",
    "services",
    body={"services": [{"apikey": "matrika-new", "entity_type": "Vehicle"}]},
    probe=_groups,
)
iot("DELETE", "iot_services", G, "services?apikey=matrika-key", probe=_groups)
iot("GET", "iot_devices", D, "devices")
iot(
    "POST",
    "iot_devices",
    "A's tenant (a new device in G)",
    "devices",
    body={"devices": [{"device_id": "matrika-d2", "apikey": "matrika-key"}]},
    probe=_devices,
)
iot("GET", "iot_device", D, "devices/matrika-d1")
iot("DELETE", "iot_device", D, "devices/matrika-d1", probe=_devices)


# The city-data pages (/mestni-podatki/): the broker's entities are public data, so every page of them is
# open to everyone, as the NGSI-LD API's reads are.
CITY = f"/mestni-podatki/matrika-a/{ENTITY_ID}/"
page("GET", "city_data", "-", "/mestni-podatki/", marker=lambda w: "/mestni-podatki/Vehicle/")
page("GET", "city_type", E, "/mestni-podatki/Vehicle/", marker=lambda w: ENTITY_ID)
page("GET", "city_feed", E, "/mestni-podatki/Vehicle/podatki.json", marker=lambda w: ENTITY_ID)
page("GET", "city_entity", E, CITY)
page("GET", "city_entity_jsonld", E, CITY + "stanje.jsonld")
page("GET", "city_entity_geojson", E, CITY + "stanje.geojson")
page("GET", "city_entity_history", E, CITY + "zgodovina.csv")
