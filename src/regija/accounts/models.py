"""A person's profile and verified residency.

One account system serves residents, applicants and staff (Django's ``auth.User``, signed in through
django-allauth). What a resident may do beyond reading depends on two facts kept here and read through
``accounts.selectors``: a **confirmed e-mail address** (allauth's ``EmailAddress``), needed to post
anything, and a **verified residency** in a municipality, needed to support a proposal or vote there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What a person chose about themselves: the language messages reach them in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


class ResidencyMethod(models.TextChoices):
    """How a residency was verified."""

    STAFF = "staff", _("checked by the municipality's staff")
    POST = "post", _("code sent by post")
    OIDC = "oidc", _("identity provider's data")


class Residency(models.Model):
    """A person verified as a resident of a municipality (and, where known, of one of its local
    communities, for votes held per local community). At most one current (not revoked) residency per
    person and municipality."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="residencies"
    )
    municipality = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="residencies",
    )
    area = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("local community"),
        on_delete=models.PROTECT,
        related_name="area_residencies",
        null=True,
        blank=True,
    )
    method = models.CharField(_("verified by"), max_length=10, choices=ResidencyMethod.choices)
    verified_at = models.DateTimeField(_("verified at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality"],
                condition=models.Q(revoked_at__isnull=True),
                name="residency_one_current_per_municipality",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.municipality}"
