"""A natural person who holds a project or is its partner is never named by the projects API."""

from __future__ import annotations

import pytest

from regija.projects.models import Project
from tests.factories import OrganisationFactory, PartnerFactory

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"


@pytest.fixture
def person_project():
    person = OrganisationFactory(slug="janez-zasebnik", name="Janez Zasebnik", kind="person")
    partner = OrganisationFactory(slug="mojca-partnerka", name="Mojca Partnerka", kind="person")
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    project.holder = person
    project.save()
    PartnerFactory(project=project, organisation=partner, role="partner", order=99)
    return project


def test_list_and_detail_say_only_that_it_is_a_person(api, person_project, token_for):
    _user, raw = token_for("editor", "las-zasavje")
    for token in (None, raw):  # the same for the public and for staff: the answers are shared
        listed = api.get(f"/projects?strategy={LAS}&page_size=100", token=token)
        detail = api.get(f"/projects/{LAS}/JP1-01", token=token)
        for text in (listed.content.decode(), detail.content.decode()):
            assert "Zasebnik" not in text and "janez-zasebnik" not in text
            assert "Partnerka" not in text and "mojca-partnerka" not in text
        item = next(i for i in listed.json()["items"] if i["code"] == "JP1-01")
        assert item["holder"] == {"person": True, "name": None, "slug": None}
        partners = detail.json()["partners"]
        assert {"person": True, "name": None, "slug": None} in [p["organisation"] for p in partners]
