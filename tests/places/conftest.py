from __future__ import annotations

import math

import pytest

from regija.places import services
from regija.places.fileformat import Row
from tests.factories import MembershipFactory, OrganisationFactory

# Velenje's town hall (Titov trg 1), as a map gives it (tests/lake/test_dcat.py uses the same)
HALL = (46.3592, 15.1103)
R = 6_371_008.8  # the mean Earth radius (IUGG), metres


def destination(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` away on the initial ``bearing`` (the spherical direct formula, Aviation
    Formulary, Williams): independent of the code under test."""
    d = metres / R
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


@pytest.fixture
def org(db):
    return OrganisationFactory(slug="obcina-kraji", name="Občina Kraji", kind="municipality")


@pytest.fixture
def other(db):
    return OrganisationFactory(slug="drustvo-drugo", name="Društvo Drugo", kind="ngo")


@pytest.fixture
def editor(org):
    return MembershipFactory(organisation=org, role="editor").user


@pytest.fixture
def other_editor(other):
    return MembershipFactory(organisation=other, role="editor").user


def row(number: int = 2, **values: str) -> Row:
    base = {"category": "aed", "name": "AED", "latitude": str(HALL[0]), "longitude": str(HALL[1])}
    return Row(number, {**base, **values})


@pytest.fixture
def make_place(org):
    def make(code: str, lat: float, lon: float, category: str = "aed", **values):
        data = {"code": code, "category": category, "name": values.pop("name", code), "latitude": str(lat),
                "longitude": str(lon), **values}  # fmt: skip
        return services.place_save(None, org, data, via="import")

    return make
