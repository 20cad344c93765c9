"""Verified residency by a code sent by post, and by the municipality's staff."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from regija.accounts import selectors, services
from regija.accounts.models import ResidencyRequest
from regija.core.services import Forbidden, Refused
from tests.factories import OrganisationFactory, confirmed_user, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    municipality = OrganisationFactory(kind="municipality", name="Občina Velenje", slug="obcina-velenje")
    area = OrganisationFactory(kind="local_community", name="KS Šalek", parent=municipality)
    return municipality, area


def _letters(client):
    r = client.post(reverse("account_letters"))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.content.decode())))


def test_a_code_by_post_verifies_the_resident(client, town):
    municipality, area = town
    person = confirmed_user(username="pavla")
    client.force_login(person)
    r = client.post(
        reverse("account_residency_request"),
        {
            "municipality": municipality.pk,
            "area": area.pk,
            "name": "Pavla Kos",
            "address": "Cesta 1",
            "postcode": "3320 Velenje",
        },
    )
    assert r.status_code == 302 and ResidencyRequest.objects.filter(user=person).count() == 1

    staff = member("editor", municipality, username="obcinar")
    client.force_login(staff)
    page = client.get(reverse("account_residents")).content.decode()
    assert "Pavla Kos" in page
    rows = _letters(client)
    assert [row["ime"] for row in rows] == ["Pavla Kos"]
    code = rows[0]["koda"]
    stored = ResidencyRequest.objects.get(user=person)
    assert code not in stored.code_hash and stored.expires_at > timezone.now() + dt.timedelta(days=59)

    client.force_login(person)
    r = client.post(reverse("account_residency_code"), {"code": code.lower()}, follow=True)
    assert selectors.is_verified_resident(person, municipality) and selectors.is_verified_resident(
        person, area
    )
    assert selectors.current_residencies(person).get().method == "post"


def test_five_wrong_codes_lock_the_letter(town):
    municipality, _area = town
    person = confirmed_user()
    request = services.request_residency(
        person, municipality, name="A", address="B 1", postcode="3320 Velenje"
    )
    staff = member("editor", municipality, username="obcinar")
    [(_r, code)] = services.print_letters(staff, [request])
    for left in (4, 3, 2, 1):
        with pytest.raises(Refused, match=f"Preostali poskusi: {left}"):
            services.enter_code(person, "AAAA-AAAA-AAAA")
    with pytest.raises(Refused, match="Preveč napačnih kod"):
        services.enter_code(person, "AAAA-AAAA-AAAA")
    with pytest.raises(Refused):
        services.enter_code(person, code)  # even the right one, now
    assert not selectors.is_verified_resident(person, municipality)


def test_an_expired_code_does_not_verify(town, clock):
    municipality, _area = town
    person = confirmed_user()
    request = services.request_residency(
        person, municipality, name="A", address="B 1", postcode="3320 Velenje"
    )
    [(_r, code)] = services.print_letters(member("editor", municipality, username="obcinar"), [request])
    clock(timezone.now() + dt.timedelta(days=61))
    with pytest.raises(Refused, match="potekla"):
        services.enter_code(person, code)
    assert not selectors.is_verified_resident(person, municipality)


def test_letters_and_verification_are_for_the_municipality_s_own_staff(town):
    municipality, _area = town
    person = confirmed_user()
    request = services.request_residency(
        person, municipality, name="A", address="B 1", postcode="3320 Velenje"
    )
    other = member("editor", OrganisationFactory(kind="municipality"), username="drugi")
    with pytest.raises(Forbidden):
        services.print_letters(other, [request])
    with pytest.raises(Forbidden):
        services.verify_resident(other, person, municipality)
    viewer = member("viewer", municipality, username="bralec")
    with pytest.raises(Forbidden):
        services.print_letters(viewer, [request])


def test_staff_verify_and_revoke_on_their_page(client, town):
    municipality, area = town
    person = confirmed_user(email="jure@example.si")
    client.force_login(member("admin", municipality, username="obcinar"))
    r = client.post(
        reverse("account_residents"),
        {
            "email": "JURE@example.si",
            "municipality": municipality.pk,
            "area": area.pk,
            "note": "osebna izkaznica",
        },
    )
    assert r.status_code == 302 and selectors.is_verified_resident(person, area)
    residency = selectors.current_residencies(person).get()
    assert residency.method == "staff" and residency.note == "osebna izkaznica"
    client.post(reverse("account_residents"), {"revoke": residency.pk})
    assert not selectors.is_verified_resident(person, municipality)


def test_an_unconfirmed_person_cannot_ask_for_a_letter(town):
    from django.contrib.auth import get_user_model

    municipality, _area = town
    person = get_user_model().objects.create_user("x", "x@example.si", "x")
    with pytest.raises(Refused):
        services.request_residency(person, municipality, name="A", address="B", postcode="C")
