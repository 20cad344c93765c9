"""What the rest of Regija asks about a person: may they post, where are they a verified resident, which
language do messages reach them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Q, QuerySet

from regija.core.models import Organisation

from .models import Profile, Residency

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
