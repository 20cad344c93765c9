"""The calls' part of a person's data (accounts.personal_data): the applicant registrations they made and
the applications they created. On deleting the account, registrations still waiting lose the person's
name and address; decided ones and applications stay – they are the organisation's record of a public
call – their author shown as a deleted account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import ApplicantRegistration, Application

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def export(user: User) -> dict[str, Any]:
    registrations = ApplicantRegistration.objects.filter(user=user).select_related("call").order_by("pk")
    applications = (
        Application.objects.filter(created_by=user).select_related("call", "applicant").order_by("pk")
    )
    return {
        "registrations": [
            {
                "call": r.call.title,
                "first_name": r.first_name,
                "last_name": r.last_name,
                "email": r.email,
                "organisation": r.organisation_name,
                "address": r.address,
                "status": r.status,
                "registered_at": r.created_at.isoformat(),
                "consent_at": r.consent_at.isoformat(),
            }
            for r in registrations
        ],
        "applications": [
            {
                "call": a.call.title,
                "applicant": a.applicant.name,
                "number": a.number,
                "status": a.status,
                "created_at": a.created_at.isoformat(),
            }
            for a in applications
        ],
    }


def erase(user: User) -> None:
    ApplicantRegistration.objects.filter(user=user, decided_at__isnull=True).update(
        first_name="", last_name="", email="", address=""
    )
