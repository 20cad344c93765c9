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
