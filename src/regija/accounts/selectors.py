"""What the rest of Regija asks about a person: may they post, where are they a verified resident, which
language do messages reach them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from regija.core.models import Organisation

from .models import Consent, Deletion, Profile, Residency, ResidencyRequest

if TYPE_CHECKING:
    from regija.core.permissions import Actor


def email_confirmed(user: Actor | None) -> bool:
    """The person has confirmed (by the link we sent) the e-mail address of their account."""
    if user is None or not user.is_authenticated:
        return False
    confirmed: bool = EmailAddress.objects.filter(user_id=user.pk, verified=True).exists()
    return confirmed


def can_contribute(user: Actor | None) -> bool:
    """May post (a comment, a proposal, a support, a vote): signed in, active, e-mail confirmed."""
    return bool(user is not None and user.is_authenticated and user.is_active and email_confirmed(user))


def current_residencies(user: Actor | None) -> QuerySet[Residency]:
    """The person's residencies that are not revoked."""
    if user is None or not user.is_authenticated:
        return Residency.objects.none()
    return Residency.objects.filter(user_id=user.pk, revoked_at__isnull=True)


def is_verified_resident(user: Actor | None, place: Organisation) -> bool:
    """A verified resident of ``place``: a municipality, or a local community (an organisation whose
    parent is the municipality) – resident there when the residency names that community as its area."""
    residencies = current_residencies(user)
    return residencies.filter(Q(municipality=place) | Q(area=place)).exists()


def verified_municipalities(user: Actor | None) -> QuerySet[Organisation]:
    """The municipalities the person is a verified resident of."""
    ids = current_residencies(user).values("municipality_id")
    return Organisation.objects.filter(pk__in=ids)


def language_of(user: Actor | None) -> str:
    """The language messages reach the person in (their profile's; the site's default without one)."""
    if user is None or not user.is_authenticated:
        return str(settings.LANGUAGE_CODE)
    language = Profile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language or str(settings.LANGUAGE_CODE)


def needs_mfa(user: Actor | None) -> bool:
    """A staff role that must use two-factor authentication: a superuser, Django staff, or an editor or
    admin of any organisation (a viewer may, but need not)."""
    from regija.core.models import Role
    from regija.core.permissions import roles

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return any(role in (Role.EDITOR, Role.ADMIN) for role in roles(user).values())


def has_mfa(user: Actor | None) -> bool:
    """The person set up an authenticator app (TOTP)."""
    from allauth.mfa.models import Authenticator

    if user is None or not user.is_authenticated:
        return False
    found: bool = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
    return found


def mfa_done(request: HttpRequest) -> bool:
    """The signed-in person used their second factor in this session (allauth records it)."""
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records) and has_mfa(request.user)


def is_deleted(user: Actor | None) -> bool:
    return bool(
        user is not None and user.pk is not None and Deletion.objects.filter(user_id=user.pk).exists()
    )


def display_name(user: Actor | None) -> str:
    """The name shown beside what a person contributed: their full name, else their username – or
    "deleted account" once they deleted it. A list reading many should select_related("deletion")."""
    if user is None or user.pk is None:
        return str(_("deleted account"))
    try:
        deleted = user.deletion is not None
    except Deletion.DoesNotExist:
        deleted = False
    if deleted:
        return str(_("deleted account"))
    full = user.get_full_name().strip()
    return full or user.get_username()


def consents(user: Actor | None) -> QuerySet[Consent]:
    """The person's consents, newest first (given and withdrawn)."""
    if user is None or not user.is_authenticated:
        return Consent.objects.none()
    return Consent.objects.filter(user_id=user.pk)


def current_consent(user: Actor | None, kind: str) -> Consent | None:
    """The consent in force for ``kind`` (given, not withdrawn), any version."""
    return consents(user).filter(kind=kind, withdrawn_at__isnull=True).first()


def residency_requests(user: Actor | None) -> QuerySet[ResidencyRequest]:
    if user is None or not user.is_authenticated:
        return ResidencyRequest.objects.none()
    return ResidencyRequest.objects.filter(user_id=user.pk).select_related("municipality", "area")


def pending_requests(actor: Actor, municipality: Organisation | None = None) -> QuerySet[ResidencyRequest]:
    """Open requests for verification by post in the municipalities where ``actor`` is an editor or
    admin (any, for a superuser)."""
    from regija.core.models import Role
    from regija.core.permissions import org_ids_with

    qs = ResidencyRequest.objects.filter(done_at__isnull=True, locked_at__isnull=True)
    ids = org_ids_with(actor, Role.EDITOR)
    if ids is not None:
        qs = qs.filter(municipality_id__in=ids)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    return qs.select_related("user", "municipality", "area").order_by("created_at", "pk")


def staff_municipalities(actor: Actor) -> QuerySet[Organisation]:
    """The municipalities whose residents ``actor`` may verify (editor or admin there)."""
    from regija.core.choices import OrganisationKind
    from regija.core.models import Role
    from regija.core.permissions import org_ids_with

    qs = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    ids = org_ids_with(actor, Role.EDITOR)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("name")
