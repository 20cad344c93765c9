"""An applicant organisation registers itself on a call's page, confirms its e-mail address, and the call's
staff approve it: the whole way through the pages (e-mails in Django's locmem outbox), its refusals, the
throttle, the Slovenian identifiers, and what the staff list costs in queries."""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from regija.calls import services
from regija.calls.models import ApplicantRegistration, Application, RegistrationStatus
from regija.core.identifiers import (
    read_registration_number,
    read_tax_number,
    registration_check_digit,
    same_organisation_numbers,
    tax_check_digit,
)
from regija.core.models import AuditEntry, Membership, Organisation
from tests.factories import AFTER, DURING, MembershipFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Zelena-dolina-2027"
EMAIL = "ana.novak@zelena-dolina.si"
LINK = re.compile(r"https?://\S+/registracija/potrditev/\S+/")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def form(**changes) -> dict:
    data = {
        "first_name": "Ana",
        "last_name": "Novak",
        "email": EMAIL,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "organisation_name": "Društvo Zelena dolina",
        "organisation_kind": "ngo",
        "registration_number": "6543219",
        "tax_number": "SI 5022 3054",
        "address": "Trg svobode 1, 1420 Trbovlje",
        "website": "https://zelena-dolina.si/",
        "consent": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def urls(call):
    args = [call.organisation.slug, call.slug]
    return {
        "call": reverse("call", args=args),
        "register": reverse("registration", args=args),
        "sent": reverse("registration_sent", args=args),
        "manage": reverse("call_manage", args=args),
    }


def the_link(message) -> str:
    """The confirmation link of an e-mail, as a path of this site."""
    found = LINK.search(message.body)
    assert found, message.body
    return "/" + found.group(0).split("://", 1)[1].split("/", 1)[1]


def register(client, call, **changes):
    return client.post(urls(call)["register"], form(**changes))


@pytest.fixture
def open_call(published, clock):
    clock(DURING)
    return published


def _confirmed(client, call) -> ApplicantRegistration:
    assert register(client, call).status_code == 302
    link = the_link(mail.outbox[-1])
    assert client.post(link).status_code == 302
    return ApplicantRegistration.objects.get(email=EMAIL)


# ---------------------------------------------------------------------------------------- the whole way


def test_register_confirm_approve_sign_in_and_apply(client, open_call):
    w = open_call
    u = urls(w.call)

    # The call's page says how to get an account, and its apply button is not the sign-in link's word.
    page = client.get(u["call"]).content.decode()
    assert f'href="{u["register"]}"' in page
    assert gettext("Register your organisation to apply") in page
    assert gettext("Apply for funding") not in page  # anonymous visitors register (or sign in) first
    assert gettext("Apply for funding") != gettext("Sign in")

    form_page = client.get(u["register"])
    assert form_page.status_code == 200
    assert 'class="govuk-input' in form_page.content.decode()

    response = register(client, w.call)
    assert response.status_code == 302 and response["Location"] == u["sent"]
    registration = ApplicantRegistration.objects.get(email=EMAIL)
    account = registration.user
    assert registration.status == RegistrationStatus.UNCONFIRMED
    assert registration.tax_number == "50223054" and registration.registration_number == "6543219"
    assert not account.is_active and account.username == EMAIL and account.check_password(PASSWORD)

    sent = client.get(u["sent"]).content.decode()
    assert EMAIL in sent and "govuk-panel" in sent and w.call.organisation.name in sent

    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = the_link(mail.outbox[0])
    assert w.call.title in mail.outbox[0].subject

    # Not yet: an inactive account does not sign in (allauth's page says the account is not active yet).
    response = client.post(reverse("login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("account_inactive")
    assert "_auth_user_id" not in client.session

    confirm_page = client.get(link)
    assert confirm_page.status_code == 200 and "Društvo Zelena dolina" in confirm_page.content.decode()
    assert ApplicantRegistration.objects.get(pk=registration.pk).status == RegistrationStatus.UNCONFIRMED
    assert client.post(link)["Location"] == link
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED and registration.confirmed_at
    after = client.get(link).content.decode()
    assert "govuk-panel" in after
    # the call's staff (editors and admins of its organisation) are told
    staff_mail = [m for m in mail.outbox if m.to == [w.users["staff"].email]]
    assert len(staff_mail) == 1 and "Društvo Zelena dolina" in staff_mail[0].subject
    assert (
        reverse("registration_decide", args=[w.las.slug, w.call.slug, registration.pk]) in staff_mail[0].body
    )
    assert w.users["viewer"].email not in {a for m in mail.outbox for a in m.to}

    # Staff see it on the call's management page and approve it there.
    staff = client.__class__()
    staff.force_login(w.users["staff"])
    manage = staff.get(u["manage"]).content.decode()
    assert "Društvo Zelena dolina" in manage and EMAIL in manage
    decide = reverse("registration_decide", args=[w.las.slug, w.call.slug, registration.pk])
    response = staff.post(decide, {"approve": "1", "match": ""})
    assert response.status_code == 302 and response["Location"] == u["manage"]

    registration.refresh_from_db()
    org = registration.organisation
    assert registration.status == RegistrationStatus.APPROVED and registration.decided_by == w.users["staff"]
    assert (org.name, org.kind, org.registration_number) == ("Društvo Zelena dolina", "ngo", "6543219")
    assert org.slug == "drustvo-zelena-dolina" and org.website == "https://zelena-dolina.si/"
    assert Membership.objects.get(user=account, organisation=org).role == "editor"
    approved = mail.outbox[-1]
    assert approved.to == [EMAIL]
    assert reverse("login") in approved.body and w.call.get_absolute_url() in approved.body

    # The person signs in at /prijava/ and applies with the existing flow.
    response = client.post(reverse("login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(u["call"]).content.decode()
    assert gettext("Apply for funding") in page and gettext("Register your organisation to apply") not in page
    start = reverse("application_start", args=[w.las.slug, w.call.slug])
    start_page = client.get(start).content.decode()
    assert "Društvo Zelena dolina" in start_page
    response = client.post(start, {"applicant": org.pk, "title": "Učna pot ob Savi"})
    assert response.status_code == 302
    app = Application.objects.get(title="Učna pot ob Savi")
    assert app.applicant == org and app.created_by == account


def test_every_step_is_in_the_audit_log(client, open_call):
    w = open_call
    registration = _confirmed(client, w.call)
    staff = client.__class__()
    staff.force_login(w.users["staff"])
    staff.post(
        reverse("registration_decide", args=[w.las.slug, w.call.slug, registration.pk]),
        {"approve": "1", "match": ""},
    )
    entries = AuditEntry.objects.filter(
        content_type__model="applicantregistration", object_id=str(registration.pk)
    ).order_by("pk")
    assert [(e.action, e.actor, e.via) for e in entries] == [
        ("create", EMAIL, "registration"),
        ("update", EMAIL, "registration"),
        ("update", "staff", "web"),
    ]
    assert entries[2].changes["status"] == ["confirmed", "approved"]
    membership = Membership.objects.get(user__username=EMAIL)
    logged = AuditEntry.objects.get(content_type__model="membership", object_id=str(membership.pk))
    assert (logged.action, logged.actor) == ("create", "staff")


# ------------------------------------------------------------------------------------------ the link


def test_a_wrong_link_confirms_nothing(client, open_call):
    w = open_call
    register(client, w.call)
    link = the_link(mail.outbox[0])
    for bad in (link[:-5] + "xxxx/", link.replace("potrditev/", "potrditev/x")):
        assert client.get(bad).status_code == 404
        assert client.post(bad).status_code == 404
    assert ApplicantRegistration.objects.get().status == RegistrationStatus.UNCONFIRMED
    # a link of another call does not confirm this one
    other = link.replace(w.call.slug, "drug-poziv")
    assert client.post(other).status_code == 404


def test_an_expired_link_confirms_nothing_and_says_so(client, open_call, clock):
    w = open_call
    register(client, w.call)
    link = the_link(mail.outbox[0])
    clock(DURING + dt.timedelta(days=3, minutes=1))
    page = client.get(link)
    assert page.status_code == 410
    assert gettext("This link has expired") in page.content.decode()
    assert client.post(link).status_code == 410
    assert ApplicantRegistration.objects.get().status == RegistrationStatus.UNCONFIRMED


def test_only_the_newest_link_works(client, open_call, clock):
    w = open_call
    register(client, w.call)
    first = the_link(mail.outbox[0])
    clock(DURING + dt.timedelta(minutes=5))
    register(client, w.call, organisation_name="Društvo Zelena dolina Zasavje")
    second = the_link(mail.outbox[1])
    assert first != second
    assert client.post(first).status_code == 404
    assert client.post(second).status_code == 302
    registration = ApplicantRegistration.objects.get()  # renewed, not a second one
    assert registration.organisation_name == "Društvo Zelena dolina Zasavje"
    assert registration.status == RegistrationStatus.CONFIRMED
    assert User.objects.filter(username=EMAIL).count() == 1


# ---------------------------------------------------------------------------- who decides, and how


def _decide(user, w, registration, data):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c.post(reverse("registration_decide", args=[w.las.slug, w.call.slug, registration.pk]), data)


def test_staff_of_another_organisation_cannot_approve_or_see(client, open_call):
    w = open_call
    registration = _confirmed(client, w.call)
    for who in ("other", "applicant", "outsider"):
        response = _decide(w.users[who], w, registration, {"approve": "1", "match": ""})
        assert response.status_code == 404, who
    # a viewer of the call's organisation sees it but may not decide
    response = _decide(w.users["viewer"], w, registration, {"approve": "1", "match": ""})
    assert response.status_code == 403
    response = _decide(w.users["viewer"], w, registration, {"reject": "1", "reason": "Ne."})
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert not registration.user.is_active and not Organisation.objects.filter(name="Društvo Zelena dolina")


def test_the_service_checks_the_permission_too(client, open_call):
    w = open_call
    registration = _confirmed(client, w.call)
    with pytest.raises(services.Forbidden):
        services.approve_registration(registration, w.users["other"], expected_match=None, site="http://x")


def test_an_unconfirmed_registration_is_not_decided(client, open_call):
    w = open_call
    register(client, w.call)
    registration = ApplicantRegistration.objects.get()
    with pytest.raises(services.Refused):
        services.approve_registration(registration, w.users["staff"], expected_match=None, site="http://x")
    assert not User.objects.get(username=EMAIL).is_active


def test_rejection_needs_a_reason_emails_it_and_frees_the_address(client, open_call):
    w = open_call
    registration = _confirmed(client, w.call)
    response = _decide(w.users["staff"], w, registration, {"reject": "1", "reason": "  "})
    assert response.status_code == 422
    page = response.content.decode()
    assert "govuk-error-summary" in page and 'href="#id_reason"' in page
    assert ApplicantRegistration.objects.get().status == RegistrationStatus.CONFIRMED

    reason = "Društvo nima sedeža na območju LAS."
    response = _decide(w.users["staff"], w, registration, {"reject": "1", "reason": reason})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED and registration.reason == reason
    assert registration.user is None and not User.objects.filter(username=EMAIL).exists()
    assert mail.outbox[-1].to == [EMAIL] and reason in mail.outbox[-1].body
    # deciding again is refused
    assert _decide(w.users["staff"], w, registration, {"approve": "1", "match": ""}).status_code == 409
    # the address may register again
    assert register(client, w.call).status_code == 302
    assert ApplicantRegistration.objects.filter(email=EMAIL).count() == 2
    assert not User.objects.get(username=EMAIL).is_active


def test_an_organisation_already_on_regija_is_shown_before_the_person_is_added(client, open_call):
    w = open_call
    known = OrganisationFactory(
        name="Zelena dolina, društvo", slug="zelena-dolina", registration_number="6543219000"
    )
    registration = _confirmed(client, w.call)
    staff = w.users["staff"]
    from django.test import Client

    c = Client()
    c.force_login(staff)
    manage = c.get(urls(w.call)["manage"]).content.decode()
    assert "Zelena dolina, društvo" in manage
    decide = reverse("registration_decide", args=[w.las.slug, w.call.slug, registration.pk])
    page = c.get(decide).content.decode()
    assert "govuk-warning-text" in page and f'name="match" value="{known.pk}"' in page
    # approving without having seen the match is refused …
    assert c.post(decide, {"approve": "1", "match": ""}).status_code == 409
    assert ApplicantRegistration.objects.get().status == RegistrationStatus.CONFIRMED
    # … having seen it, the person joins that organisation and no new one is made
    assert c.post(decide, {"approve": "1", "match": str(known.pk)}).status_code == 302
    registration.refresh_from_db()
    assert registration.organisation == known
    assert Membership.objects.get(user=registration.user, organisation=known).role == "editor"
    assert not Organisation.objects.filter(name="Društvo Zelena dolina").exists()


def test_an_organisation_with_administrators_is_joined_only_by_their_leave(client, open_call):
    w = open_call
    known = OrganisationFactory(name="Zelena dolina", slug="zelena-dolina", registration_number="6543219")
    boss = member("admin", known, username="zelena-admin")
    registration = _confirmed(client, w.call)
    response = _decide(w.users["staff"], w, registration, {"approve": "1", "match": str(known.pk)})
    assert response.status_code == 403
    assert not Membership.objects.filter(user=registration.user).exists()
    # the call's editor who is also an administrator of that organisation may
    MembershipFactory(user=boss, organisation=w.las, role="editor")
    response = _decide(boss, w, registration, {"approve": "1", "match": str(known.pk)})
    assert response.status_code == 302
    assert Membership.objects.filter(user=registration.user, organisation=known).exists()


# ------------------------------------------------------------------------------- what the form says


@pytest.mark.parametrize("language", ["sl", "en"])
def test_bad_input_is_explained_beside_each_field_in_the_visitors_language(client, open_call, language):
    w = open_call
    response = client.post(
        urls(w.call)["register"],
        form(
            email="ni-naslov",
            password1="123",
            password2="123",
            registration_number="1234",
            tax_number="50223055",
            website="javascript:alert(1)",
            first_name="",
            consent=None,
        ),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert "govuk-error-summary" in page
    for field in (
        "first_name",
        "email",
        "password1",
        "registration_number",
        "tax_number",
        "website",
        "consent",
    ):
        assert f'href="#id_{field}"' in page, field
        assert f'id="id_{field}-error"' in page, field
    assert 'value="123"' not in page  # a password is never written back
    with translation.override(language):
        expected = [
            gettext("This field is required."),
            gettext("Enter a valid email address."),
            gettext(
                "A registration number (matična številka) has 7 or 10 digits, e.g. 5881447 or 5881447000."
            ),
            gettext("This is not a valid tax number: its check digit does not match. Check the number."),
            gettext("Enter a web address that starts with http:// or https://."),
            gettext("Agree to the processing of your personal data, or you cannot register."),
        ]
    for text in expected:
        assert text.replace("“", "&ldquo;") in page or text in page, text
    if language == "sl":  # Django's own messages, in Slovenian
        assert "To polje je obvezno." in page
        assert "Vnesite veljaven e-poštni naslov." in page
        assert "To geslo je prekratko." in page
    else:
        assert "This password is too short." in page
    assert not ApplicantRegistration.objects.exists() and not mail.outbox


def test_the_two_passwords_must_match_and_resemble_nothing_personal(client, open_call):
    w = open_call
    page = register(client, w.call, password2="Drugo-geslo-2027").content.decode()
    assert 'href="#id_password2"' in page
    page = register(client, w.call, password1=EMAIL, password2=EMAIL).content.decode()
    assert 'href="#id_password1"' in page  # too like the e-mail address
    assert not ApplicantRegistration.objects.exists()


def test_a_signed_in_user_is_sent_to_the_call(client, open_call):
    w = open_call
    client.force_login(w.users["outsider"])
    response = client.get(urls(w.call)["register"])
    assert response.status_code == 302 and response["Location"] == urls(w.call)["call"]
    assert client.post(urls(w.call)["register"], form()).status_code == 302
    assert not ApplicantRegistration.objects.exists()


def test_a_closed_call_takes_no_registrations(client, published, clock):
    w = published
    clock(AFTER)
    page = client.get(urls(w.call)["register"]).content.decode()
    assert gettext("This call no longer takes applications, so it takes no registrations either.") in page
    assert 'name="password1"' not in page
    assert register(client, w.call).status_code == 409
    assert not ApplicantRegistration.objects.exists()
    assert (
        gettext("Register your organisation to apply")
        not in client.get(urls(w.call)["call"]).content.decode()
    )


def test_an_upcoming_call_takes_registrations(client, published, clock):
    w = published  # published, opens in a month
    assert gettext("Register your organisation to apply") in client.get(urls(w.call)["call"]).content.decode()
    assert register(client, w.call).status_code == 302


def test_a_draft_call_has_no_registration_page(client, world):
    assert client.get(urls(world.call)["register"]).status_code == 404


# --------------------------------------------------------------------------- accounts are not told


def test_an_address_with_an_account_gets_an_email_not_a_different_page(client, open_call):
    w = open_call
    register(client, w.call)
    fresh = client.get(urls(w.call)["sent"]).content.decode()

    existing = member("editor", w.applicant, username="marko")
    existing.email = "Marko@Sonce.si"
    existing.save()
    response = register(client, w.call, email="marko@sonce.si")
    assert response.status_code == 302 and response["Location"] == urls(w.call)["sent"]
    again = client.get(urls(w.call)["sent"]).content.decode()
    assert CSRF.sub("", again.replace("marko@sonce.si", EMAIL)) == CSRF.sub("", fresh)
    assert not ApplicantRegistration.objects.filter(email="marko@sonce.si").exists()
    message = mail.outbox[-1]
    assert message.to == ["marko@sonce.si"] and "marko" in message.body
    assert "/prijava/novo-geslo/" in message.body and "/registracija/potrditev/" not in message.body
    assert User.objects.filter(email__iexact="marko@sonce.si").count() == 1


def test_an_address_waiting_for_approval_is_told_so(client, open_call):
    w = open_call
    _confirmed(client, w.call)
    assert register(client, w.call, organisation_name="Drugo društvo").status_code == 302
    assert mail.outbox[-1].to == [EMAIL] and "/registracija/potrditev/" not in mail.outbox[-1].body
    registration = ApplicantRegistration.objects.get()
    assert registration.organisation_name == "Društvo Zelena dolina"  # the confirmed one stays as it was


# ------------------------------------------------------------------------------ when e-mail fails


def test_a_failed_email_keeps_the_registration_and_can_be_sent_again(client, open_call):
    w = open_call
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPException("down")):
        response = register(client, w.call)
    assert response.status_code == 302
    page = client.get(urls(w.call)["sent"]).content.decode()
    assert gettext("We could not send the e-mail") in page and "govuk-panel" not in page
    registration = ApplicantRegistration.objects.get()  # whole: the account and the registration
    assert registration.status == RegistrationStatus.UNCONFIRMED and registration.user.email == EMAIL
    assert not mail.outbox

    response = client.post(urls(w.call)["sent"])
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert gettext("We could not send the e-mail") not in client.get(urls(w.call)["sent"]).content.decode()
    assert client.post(the_link(mail.outbox[0])).status_code == 302
    assert ApplicantRegistration.objects.get().status == RegistrationStatus.CONFIRMED


def test_sending_again_needs_a_registration_of_this_browser(client, open_call):
    w = open_call
    response = client.post(urls(w.call)["sent"])
    assert response.status_code == 302 and response["Location"] == urls(w.call)["register"]
    assert not mail.outbox


def test_a_rejected_write_leaves_no_half_written_rows(client, open_call):
    w = open_call
    with mock.patch.object(ApplicantRegistration, "save", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            register(client, w.call)
    assert not User.objects.filter(username=EMAIL).exists()
    assert not ApplicantRegistration.objects.exists() and not mail.outbox


# ---------------------------------------------------------------------------------------- throttle


@pytest.mark.real_cache
def test_one_address_may_register_only_so_often(client, open_call, settings):
    w = open_call
    settings.REGIJA_REGISTRATION_LIMIT = 2
    for i in range(2):
        assert register(client, w.call, email=f"oseba{i}@zelena-dolina.si").status_code == 302
    response = register(client, w.call, email="oseba9@zelena-dolina.si")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert ApplicantRegistration.objects.count() == 2 and len(mail.outbox) == 2
    # the e-mail sent again counts too
    assert client.post(urls(w.call)["sent"]).status_code == 429
    # another address is not held back
    other = client.__class__(REMOTE_ADDR="192.0.2.7")
    assert register(other, w.call, email="oseba5@zelena-dolina.si").status_code == 302


# ------------------------------------------------------------------------- Slovenian identifiers


def test_tax_number_check_digit():
    # 5·8 + 0·7 + 2·6 + 2·5 + 3·4 + 0·3 + 5·2 = 84; 84 mod 11 = 7; 11 − 7 = 4
    assert tax_check_digit("5022305") == 4
    assert read_tax_number("50223054") == "50223054"
    assert read_tax_number("SI 5022 3054") == "50223054"
    assert read_tax_number("si50223054") == "50223054"
    # 1·8 + 2·2 = 12; 12 mod 11 = 1; 11 − 1 = 10, written 0
    assert tax_check_digit("1000002") == 0 and read_tax_number("10000020") == "10000020"
    # 1·8 + 7·2 = 22; 22 mod 11 = 0: no number starts so
    assert tax_check_digit("1000007") is None
    for bad in ("50223055", "10000071", "10000070", "05022305", "5022305", "502230541", "5022305X", ""):
        with pytest.raises(Exception) as exc:
            read_tax_number(bad)
        assert exc.type.__name__ == "ValidationError", bad


def test_registration_number_check_digit():
    # 9·7 + 3·6 + 3·5 + 1·4 + 3·3 + 1·2 = 111; −111 mod 11 = 10, written 0
    assert registration_check_digit("933131") == 0
    assert read_registration_number("9331310000") == "9331310000"
    assert read_registration_number("933 1310") == "9331310"
    assert read_registration_number("6543219") == "6543219"
    assert registration_check_digit("100002") is None
    for bad in ("9331320000", "6543218", "654321", "65432190", "654321900", "65432190001", "abcdefg"):
        with pytest.raises(Exception) as exc:
            read_registration_number(bad)
        assert exc.type.__name__ == "ValidationError", bad
    assert same_organisation_numbers("6543219") == {"6543219", "6543219000"}
    assert same_organisation_numbers("6543219000") == {"6543219", "6543219000"}
    assert same_organisation_numbers("6543219001") == {"6543219001"}


# ------------------------------------------------------------------------------ the staff's list


def _waiting(w, n: int, start: int = 0) -> None:
    """``n`` confirmed registrations of the call, every other one under an organisation already on Regija."""
    for i in range(start, start + n):
        number = f"{700000 + i}"
        check = registration_check_digit(number)
        if check is None:
            continue
        number += str(check)
        if i % 2:
            OrganisationFactory(registration_number=number)
        result = services.register_applicant(
            w.call,
            services.RegistrationData(
                first_name="Oseba",
                last_name=str(i),
                email=f"oseba{i}@primer.si",
                password=PASSWORD,
                organisation_name=f"Društvo {i}",
                organisation_kind="ngo",
                registration_number=number,
                tax_number="50223054",
                address="Cesta 1, Trbovlje",
            ),
        )
        services.confirm_email(w.call, services.registration.confirmation_token(result.registration))


def test_the_staff_list_costs_the_same_queries_however_many_wait(client, open_call):
    w = open_call
    client.force_login(w.users["staff"])
    url = urls(w.call)["manage"]
    _waiting(w, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _waiting(w, 12, start=2)
    services.reject_registration(
        ApplicantRegistration.objects.filter(status="confirmed").first(),
        w.users["staff"],
        reason="Ne.",
        site="",
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("govuk-tag--yellow") >= 5
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# ------------------------------------------------------------------------------ clean-up, back office


def test_expired_unconfirmed_registrations_are_cleaned_and_nothing_decided(client, open_call, clock):
    w = open_call
    register(client, w.call, email="neaktiven@primer.si")
    _confirmed(client, w.call)
    clock(DURING + dt.timedelta(days=4))
    call_command("clean_registrations", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(ApplicantRegistration.objects.values_list("email", flat=True)) == [EMAIL]
    assert not User.objects.filter(username="neaktiven@primer.si").exists()
    assert User.objects.filter(username=EMAIL).exists()


def test_back_office_lists_registrations_read_only_with_a_status_filter(client, open_call):
    w = open_call
    registration = _confirmed(client, w.call)
    client.force_login(w.users["viewer"])
    changelist = reverse("admin:calls_applicantregistration_changelist")
    assert "Društvo Zelena dolina" in client.get(changelist + "?status__exact=confirmed").content.decode()
    assert "Društvo Zelena dolina" not in client.get(changelist + "?status__exact=approved").content.decode()
    change = reverse("admin:calls_applicantregistration_change", args=[registration.pk])
    page = client.get(change).content.decode()
    assert EMAIL in page and 'name="email"' not in page  # shown, not editable
    client.post(change, {"email": "drug@primer.si"})
    assert ApplicantRegistration.objects.get().email == EMAIL
    client.force_login(w.users["other"])
    assert "Društvo Zelena dolina" not in client.get(changelist).content.decode()
