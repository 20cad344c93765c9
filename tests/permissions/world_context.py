"""The permission matrix's world of the NGSI-LD broker: one entity E in the tenant of A (``matrika-a``),
created through the broker's service as a superuser."""

from __future__ import annotations

ENTITY_ID = "urn:ngsi-ld:Vehicle:matrika-e"
DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"


def build(w, users) -> None:
    from regija.context import services

    attrs = {
        DEFAULT + "brandName": {"type": "Property", "value": "Mercedes"},
        DEFAULT + "speed": {"type": "Property", "value": 80},
    }
    w["NGSI_E"] = services.create(users["superuser"], w["A"], ENTITY_ID, DEFAULT + "Vehicle", attrs)
    build_subscription(w, users)


SUBSCRIPTION_ID = "urn:ngsi-ld:Subscription:matrika-s"


def build_subscription(w, users) -> None:
    """A subscription S of A's tenant (to a closed local port: nothing is delivered), for the rows of
    /subscriptions."""
    from regija.context import services, subscriptions
    from regija.core.services import now

    body = {
        "id": SUBSCRIPTION_ID,
        "type": "Subscription",
        "entities": [{"type": "Vehicle"}],
        "notification": {"endpoint": {"uri": "http://127.0.0.1:9/matrika"}},
    }
    parsed = subscriptions.parse(body, lambda names: {n: DEFAULT + n for n in names}, now=now())
    w["NGSI_S"] = services.create_subscription(users["superuser"], w["A"], parsed, None)


def build_devices(w) -> None:
    """A service group (API key) and a device of A's tenant, for the IoT Agent provisioning API's rows."""
    from regija.context.models import Device, ServiceGroup

    group = ServiceGroup.objects.create(organisation=w["A"], apikey="matrika-key", entity_type="Vehicle")
    w["IOT_D"] = Device.objects.create(
        group=group, device_id="matrika-d1", entity_id="urn:ngsi-ld:Vehicle:matrika-d1", entity_type="Vehicle"
    )
