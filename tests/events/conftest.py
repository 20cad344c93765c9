from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from regija.events.models import Event
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

LJ = ZoneInfo("Europe/Ljubljana")


def at(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=LJ)


@pytest.fixture
def org(db):
    return OrganisationFactory(slug="obcina-dogodki", name="Občina Dogodki", kind="municipality")


@pytest.fixture
def editor(org):
    return MembershipFactory(organisation=org, role="editor").user


@pytest.fixture
def resident(db):
    return UserFactory(username="krajanka", email="krajanka@example.org")


@pytest.fixture
def make_event(org):
    def make(**kw):
        values = {
            "organisation": org,
            "title": "Vaški zbor",
            "title_en": "Village meeting",
            "category": "meeting",
            "starts_at": at(2027, 7, 1, 18),
            "ends_at": at(2027, 7, 1, 20),
        }
        values.update(kw)
        return Event.objects.create(**values)

    return make
