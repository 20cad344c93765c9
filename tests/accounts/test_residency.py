"""Who may post and who is a verified resident where (regija.accounts): the facts supports and votes
depend on."""

import pytest

from regija.accounts import selectors, services
from regija.accounts.models import Residency
from regija.core.models import AuditEntry
from regija.core.services import Forbidden, Refused
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    confirmed_user,
    resident,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def velenje():
    return OrganisationFactory(kind="municipality", name="Mestna občina Velenje")


def test_an_unconfirmed_account_cannot_post_a_confirmed_one_can():
    assert not selectors.can_contribute(UserFactory())
    assert selectors.can_contribute(confirmed_user())
    assert not selectors.can_contribute(confirmed_user(is_active=False))
    assert not selectors.can_contribute(None)


def test_staff_of_the_municipality_verify_a_resident_and_it_is_audited(velenje):
    officer = MembershipFactory(organisation=velenje, role="editor").user
    person = confirmed_user()
    assert not selectors.is_verified_resident(person, velenje)

    residency = services.verify_resident(officer, person, velenje, note="osebna izkaznica")

    assert selectors.is_verified_resident(person, velenje)
    assert list(selectors.verified_municipalities(person)) == [velenje]
    assert residency.verified_by == officer
    assert AuditEntry.objects.filter(object_id=str(residency.pk)).exists()


def test_staff_of_another_organisation_or_a_viewer_cannot_verify(velenje):
    person = confirmed_user()
    for user in (
        MembershipFactory(role="editor").user,
        MembershipFactory(organisation=velenje, role="viewer").user,
    ):
        with pytest.raises(Forbidden):
            services.verify_resident(user, person, velenje)
    assert not Residency.objects.exists()


def test_a_local_community_must_belong_to_the_municipality(velenje):
    officer = MembershipFactory(organisation=velenje, role="admin").user
    other = OrganisationFactory(kind="local_community")
    with pytest.raises(Refused) as refused:
        services.verify_resident(officer, confirmed_user(), velenje, area=other)
    assert refused.value.field == "area"
    assert not Residency.objects.exists()


def test_a_resident_of_a_local_community_is_a_resident_there_and_of_the_municipality(velenje):
    stara_vas = OrganisationFactory(kind="local_community", name="KS Stara vas", parent=velenje)
    person = resident(velenje, area=stara_vas)
    assert selectors.is_verified_resident(person, velenje)
    assert selectors.is_verified_resident(person, stara_vas)
    assert not selectors.is_verified_resident(person, OrganisationFactory(kind="municipality"))


def test_verifying_again_replaces_the_current_residency_and_revoking_ends_it(velenje):
    officer = MembershipFactory(organisation=velenje, role="editor").user
    person = resident(velenje)
    services.verify_resident(officer, person, velenje)
    assert Residency.objects.filter(user=person, revoked_at__isnull=True).count() == 1
    services.revoke_residency(officer, Residency.objects.get(user=person, revoked_at__isnull=True))
    assert not selectors.is_verified_resident(person, velenje)


def test_only_a_municipality_has_residents():
    with pytest.raises(Refused):
        services.verify_resident(None, confirmed_user(), OrganisationFactory(kind="ngo"), method="post")


def test_messages_reach_a_person_in_their_language():
    person = confirmed_user()
    assert selectors.language_of(person) == "sl"
    services.set_language(person, "en")
    assert selectors.language_of(person) == "en"
    with pytest.raises(Refused):
        services.set_language(person, "de")
