"""Changes to a person's profile and residency. Verifying a residency is the municipality's staff's
(editors and admins of the municipality) or follows from a code sent by post or the identity provider's
data (``method``); each is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regija.core import audit
from regija.core.choices import OrganisationKind
from regija.core.models import Organisation
from regija.core.services import Conflict, Refused, require_permission

from .models import Profile, Residency, ResidencyMethod

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from regija.core.permissions import Actor


def set_language(user: User, language: str) -> Profile:
    """The language messages reach the person in."""
    if language not in dict(settings.LANGUAGES):
        raise Refused(_("Unknown language: %(code)s.") % {"code": language}, field="language")
    with audit.acting(user, via="web"), transaction.atomic():
        profile, _created = Profile.objects.get_or_create(user=user)
        profile.language = language
        profile.save(update_fields=["language"])
    return profile


def verify_resident(
    actor: Actor | None,
    user: User,
    municipality: Organisation,
    *,
    method: str = ResidencyMethod.STAFF,
    area: Organisation | None = None,
    note: str = "",
    via: str = "web",
) -> Residency:
    """Record ``user`` as a verified resident of ``municipality`` (and of its local community ``area``).

    ``actor`` is the staff member checking (needs to change the municipality's data); None when the
    verification follows from a postal code the person entered or from the identity provider's data,
    which the caller has checked. A current residency there is replaced (a move within the
    municipality)."""
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        raise Refused(_("Residency is verified for a municipality."), field="municipality")
    if area is not None and area.parent_id != municipality.pk:
        raise Refused(
            _("%(area)s is not a local community of %(municipality)s.")
            % {"area": area, "municipality": municipality},
            field="area",
        )
    if method not in ResidencyMethod.values:
        raise Refused(_("Unknown way of verifying: %(method)s.") % {"method": method}, field="method")
    if actor is not None:
        require_permission(actor, "change", municipality)
    elif method == ResidencyMethod.STAFF:
        raise Refused(_("A staff check needs the staff member who made it."))
    now = timezone.now()
    with audit.acting(actor, via=via), transaction.atomic():
        Residency.objects.filter(user=user, municipality=municipality, revoked_at__isnull=True).update(
            revoked_at=now
        )
        try:
            return Residency.objects.create(
                user=user,
                municipality=municipality,
                area=area,
                method=method,
                verified_at=now,
                verified_by=actor if actor is not None and actor.is_authenticated else None,
                note=note[:300],
            )
        except IntegrityError as error:  # verified at the same moment by another request
            raise Conflict(_("The residency was just verified by someone else.")) from error


def revoke_residency(actor: Actor, residency: Residency, *, via: str = "web") -> Residency:
    """End a residency (moved away, verified by mistake): the person's supports and votes stay counted."""
    require_permission(actor, "change", residency.municipality)
    with audit.acting(actor, via=via), transaction.atomic():
        residency.revoked_at = timezone.now()
        residency.save(update_fields=["revoked_at"])
    return residency
