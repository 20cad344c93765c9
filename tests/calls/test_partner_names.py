"""Partner names typed in an application are published only when they name a linked organisation that
is not a natural person; otherwise the public results say "partner" without a name (issue 12, point 11;
docs/calls.md, "Publication and personal data"). Staff and the applicant still see the typed name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from regija.calls import services
from tests.factories import (
    AFTER,
    DECLARED,
    DURING,
    OrganisationFactory,
    call_world,
    decide,
    evaluate,
    publish_call,
)

pytestmark = pytest.mark.django_db

TYPED = "Petra Kos"  # a partner typed as free text: no organisation is linked
PERSON = "Mojca Partnerka"  # a linked organisation that is a natural person


@pytest.fixture
def approved(clock):
    """The 6th call decided: one application, with a typed partner, a linked natural person and a linked
    organisation (Zavod Luna) as partners, approved through the workflow."""
    w = publish_call(call_world(), clock)
    person = OrganisationFactory(slug="mojca-partnerka", name=PERSON, kind="person")
    clock(DURING)
    user = w.users["applicant"]
    app = services.start_application(w.call, w.applicant, user)
    data = services.DraftData(
        title="Zeleni Zasavje",
        summary="Ureditev učnih poti.",
        funds=[(w.fund.pk, Decimal("50000.00"))],
        partners=[
            {"organisation": None, "name": TYPED, "role": "svetovanje"},
            {"organisation": person, "name": PERSON, "role": "vodenje"},
            {"organisation": w.other, "name": w.other.name, "role": "izvedba delavnic"},
        ],
        phases=[{"title": "1. faza", "start": dt.date(2027, 6, 1), "end": dt.date(2027, 12, 31)}],
    )
    app = services.save_draft(app, user, data, version=app.version)
    w.apps.append(services.submit(app, user, declarations=DECLARED))
    clock(AFTER)
    evaluate(w)
    instrument = services.Instrument("decision", "33110-12/2027", dt.date(2027, 5, 10))
    (project,) = decide(w, approve={0: (Decimal("45000.00"), instrument)})
    return w, project


def test_results_page_says_partner_without_the_typed_name(client, approved):
    w, _project = approved
    html = client.get(w.call.get_absolute_url() + "rezultati/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert TYPED not in html and PERSON not in html
    assert "Zavod Luna" in html  # a linked organisation is named, as before
    partners = html.split("Partners:")[1].split("</span>")[0]
    assert "<em>partner</em>" in partners and "natural person" in partners


def test_results_api_gives_no_name_for_a_typed_partner(client, approved):
    w, _project = approved
    response = client.get(f"/api/v1/calls/{w.call.organisation.slug}/{w.call.slug}/results")
    assert response.status_code == 200
    assert TYPED not in response.content.decode()
    assert response.json()["approved"][0]["partners"] == [
        {"person": False, "name": None, "slug": None, "role": "svetovanje"},
        {"person": True, "name": None, "slug": None, "role": "vodenje"},
        {"person": False, "name": "Zavod Luna", "slug": "zavod-luna", "role": "izvedba delavnic"},
    ]


def test_the_operation_never_names_the_typed_partner(client, approved):
    _w, project = approved
    page = client.get(project.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/projects/{project.strategy.slug}/{project.code}").content.decode()
    for text in (page, api):
        assert TYPED not in text and PERSON not in text
        assert "Zavod Luna" in text


def test_staff_and_the_applicant_still_see_the_typed_name(client, approved):
    w, _project = approved
    url = reverse("application", args=[w.apps[0].pk])
    for who in ("staff", "applicant"):
        client.force_login(w.users[who])
        response = client.get(url)
        assert response.status_code == 200
        assert TYPED in response.content.decode()
