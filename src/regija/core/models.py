"""Organisations: municipalities, agencies, LAS, companies, NGOs and other bodies that hold or fund work."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("municipality")
    REGIONAL_DEVELOPMENT_AGENCY = "regional_development_agency", _("regional development agency")
    LAS = "las", _("local action group (LAS)")
    REGION = "region", _("region")
    PUBLIC_INSTITUTE = "public_institute", _("public institute")
    COMPANY = "company", _("company")
    SOLE_TRADER = "sole_trader", _("sole trader")
    NGO = "ngo", _("NGO or society")
    SCHOOL = "school", _("school")
    UNIVERSITY = "university", _("university")
    RESEARCH = "research", _("research organisation")
    CHAMBER = "chamber", _("chamber")
    LOCAL_COMMUNITY = "local_community", _("local community")
    STATE_BODY = "state_body", _("ministry or state body")
    EU_BODY = "eu_body", _("EU body")
    FOREIGN_PARTNER = "foreign_partner", _("foreign partner")
    INTERNATIONAL = "international", _("international organisation")
    OTHER = "other", _("other")


class Organisation(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=OrganisationKind.choices)
    country = models.CharField(_("country"), max_length=2, default="SI")
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    website = models.CharField(_("website"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, lon__isnull=True) | models.Q(lat__isnull=False, lon__isnull=False),
                name="organisation_lat_lon_together",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name
