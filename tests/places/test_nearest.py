"""Nearest places: the same answer as measuring every place (brute force), whatever the density; the
broker's chargers and parking among them; a bounded number of queries whatever the number of places."""

from __future__ import annotations

import random

import pytest

from regija.context import services as context_services
from regija.context.datamodels import DEFAULT_CONTEXT
from regija.places import geo, selectors
from regija.places.models import Place

from .conftest import HALL, destination

pytestmark = pytest.mark.django_db


def _bulk(org, n: int, seed: int, spread_m: float, category: str = "aed") -> list[Place]:
    rnd = random.Random(seed)
    places = []
    for i in range(n):
        lat, lon = destination(*HALL, rnd.uniform(0, 360), rnd.uniform(0, spread_m))
        places.append(Place(organisation=org, code=f"{category}-{seed}-{i}", category=category, name=f"P{i}",
                            latitude=lat, longitude=lon))  # fmt: skip
    return Place.objects.bulk_create(places)


@pytest.mark.parametrize(("n", "spread"), [(5, 200), (300, 2_000), (300, 60_000)])
def test_the_nearest_are_those_a_full_measure_finds(org, n, spread):
    _bulk(org, n, seed=n + spread, spread_m=spread)
    _bulk(org, 50, seed=1, spread_m=500, category="wifi")  # another category, near: never in the answer
    rnd = random.Random(7)
    for _ in range(5):
        lat, lon = destination(*HALL, rnd.uniform(0, 360), rnd.uniform(0, spread))
        found = selectors.nearest(lat, lon, category="aed", limit=10)
        every = sorted(
            (geo.haversine(lon, lat, p.longitude, p.latitude), p.pk)
            for p in Place.objects.filter(category="aed")
        )
        assert [n.place.pk for n in found] == [pk for _d, pk in every[:10]]
        assert [round(n.distance, 3) for n in found] == [round(d, 3) for d, _pk in every[:10]]


def test_chargers_come_live_from_the_broker_with_their_distance(org, make_place):
    make_place("aed-1", *destination(*HALL, 0, 100))
    near = destination(*HALL, 90, 250)
    context_services.create(
        _superuser(), None, "urn:ngsi-ld:EVChargingStation:polnilnica-1",
        DEFAULT_CONTEXT + "EVChargingStation",
        {
            DEFAULT_CONTEXT + "name": {"type": "Property", "value": "Polnilnica Rdeča dvorana"},
            DEFAULT_CONTEXT + "socketType": {"type": "Property", "value": ["Type2"]},
            DEFAULT_CONTEXT + "allowedVehicleType": {"type": "Property", "value": ["car"]},
            DEFAULT_CONTEXT + "capacity": {"type": "Property", "value": 2},
            DEFAULT_CONTEXT + "status": {"type": "Property", "value": "working"},
            "https://uri.etsi.org/ngsi-ld/location": {
                "type": "GeoProperty", "value": {"type": "Point", "coordinates": [near[1], near[0]]}},
        },
    )  # fmt: skip
    found = selectors.nearest(*HALL, category="ev-charging", limit=5)
    assert [(n.name, n.live is not None) for n in found] == [("Polnilnica Rdeča dvorana", True)]
    assert found[0].distance == pytest.approx(250, abs=0.5) and found[0].direction in ("east", "vzhod")
    everything = selectors.nearest(*HALL, limit=5)
    assert [n.name for n in everything] == ["aed-1", "Polnilnica Rdeča dvorana"]


def _superuser():
    from tests.factories import UserFactory

    return UserFactory(is_superuser=True, is_staff=True)


def test_the_queries_do_not_grow_with_the_places(org, django_assert_max_num_queries):
    _bulk(org, 20, seed=3, spread_m=3000)
    with django_assert_max_num_queries(8):
        selectors.nearest(*HALL, category="aed", limit=10)
    _bulk(org, 2000, seed=4, spread_m=3000)
    with django_assert_max_num_queries(8):
        assert len(selectors.nearest(*HALL, category="aed", limit=10)) == 10
    with django_assert_max_num_queries(10):
        assert len(selectors.nearest(*HALL, limit=10)) == 10


def test_a_typed_address_street_or_place_is_found_without_a_geocoder_outside(org, make_place):
    make_place(
        "knjiznica", 46.3601, 15.1136, category="wifi", name="Knjižnica Velenje", address="Šaleška cesta 21"
    )
    assert selectors.find("Titov trg 1")[0].label == "Titov trg"  # the bundled street, the house number aside
    assert selectors.find("saleska cesta")[0].label == "Šaleška cesta"  # without accents and case
    assert selectors.find("Knjižnica Velenje")[0] == selectors.Spot("Knjižnica Velenje", 46.3601, 15.1136)
    assert selectors.find("46.36, 15.11")[0].latitude == 46.36
    assert selectors.find("Atlantida") == []
