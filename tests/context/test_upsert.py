"""``context.services.upsert`` – how apps above the broker keep their records as entities – and
``context.selectors.located``: create or replace (creation times kept), the tenant's editors only (or
Regija itself), refused by the data model with nothing saved; entities of given types in a box across
every tenant."""

from __future__ import annotations

import pytest

from regija.context import selectors, services
from regija.context.errors import BadRequestData
from regija.context.geo import Box
from regija.context.models import ContextEntity
from regija.core.models import AuditEntry
from regija.core.services import Forbidden
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

D = "https://uri.etsi.org/ngsi-ld/default-context/"
LOCATION = "https://uri.etsi.org/ngsi-ld/location"


def _poi(name: str, lon: float = 15.11, lat: float = 46.36) -> dict:
    return {
        D + "name": {"type": "Property", "value": name},
        LOCATION: {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }


def test_upsert_creates_then_replaces_keeping_the_creation_time(tenant):
    editor = member("editor", tenant)
    first = services.upsert(editor, tenant, "urn:ngsi-ld:PointOfInterest:a", D + "PointOfInterest", _poi("A"))
    created = first.doc[D + "name"]["createdAt"]
    again = services.upsert(editor, tenant, "urn:ngsi-ld:PointOfInterest:a", D + "PointOfInterest", _poi("B"))
    assert again.pk == first.pk and again.doc[D + "name"]["value"] == "B"
    assert again.doc[D + "name"]["createdAt"] == created
    assert ContextEntity.objects.filter(organisation=tenant).count() == 1


def test_upsert_is_for_the_tenants_editors_or_regija_itself(tenant):
    other = member("editor", OrganisationFactory(slug="drugi-upsert"))
    with pytest.raises(Forbidden):
        services.upsert(other, tenant, "urn:ngsi-ld:PointOfInterest:b", D + "PointOfInterest", _poi("B"))
    with pytest.raises(Forbidden):
        services.upsert(
            member("viewer", tenant),
            tenant,
            "urn:ngsi-ld:PointOfInterest:b",
            D + "PointOfInterest",
            _poi("B"),
        )
    entity = services.upsert(None, tenant, "urn:ngsi-ld:PointOfInterest:b", D + "PointOfInterest", _poi("B"))
    assert AuditEntry.objects.filter(object_id=str(entity.pk), actor="regija").exists()


def test_an_entity_its_model_refuses_is_not_saved(tenant):
    no_name = {LOCATION: _poi("x")[LOCATION]}  # a PointOfInterest needs a name
    with pytest.raises(BadRequestData):
        services.upsert(None, tenant, "urn:ngsi-ld:PointOfInterest:c", D + "PointOfInterest", no_name)
    assert not ContextEntity.objects.filter(entity_id="urn:ngsi-ld:PointOfInterest:c").exists()


def test_located_finds_entities_of_the_types_in_the_box_in_every_tenant(tenant):
    other = OrganisationFactory(slug="drugi-located")
    services.upsert(None, tenant, "urn:ngsi-ld:PointOfInterest:in", D + "PointOfInterest", _poi("In"))
    services.upsert(
        None, other, "urn:ngsi-ld:PointOfInterest:in2", D + "PointOfInterest", _poi("In 2", 15.12)
    )
    services.upsert(None, tenant, "urn:ngsi-ld:PointOfInterest:out", D + "PointOfInterest", _poi("Out", 16.0))
    found = selectors.located([D + "PointOfInterest"], Box(15.0, 46.3, 15.2, 46.4), limit=10)
    assert sorted(e.entity_id for e, _lon, _lat in found) == [
        "urn:ngsi-ld:PointOfInterest:in",
        "urn:ngsi-ld:PointOfInterest:in2",
    ]
    assert selectors.located([D + "Vehicle"], Box(15.0, 46.3, 15.2, 46.4), limit=10) == []
