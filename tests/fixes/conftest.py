"""The world of the issue reports' tests: a municipality with a street-light category (one required
question) and an editor of it (its staff)."""

from __future__ import annotations

import pytest

from regija.fixes.models import Service
from tests.factories import OrganisationFactory, member


@pytest.fixture
def world():
    town = OrganisationFactory(slug="obcina-test", name="Občina Test", kind="municipality")
    light = Service.objects.create(
        organisation=town,
        code="javna-razsvetljava",
        name="Javna razsvetljava",
        attributes=[
            {
                "code": "kind",
                "description": "What is wrong?",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "dark", "name": "Does not light"}, {"key": "blink", "name": "Blinks"}],
            }
        ],
    )
    return {"town": town, "light": light, "staff": member("editor", town, username="staff-test")}


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in the English source strings (the Slovenian ones are the translation's, checked by CI)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
