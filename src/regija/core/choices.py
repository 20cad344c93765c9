"""Vocabularies of the core models that the strategy file format carries too.

They live apart from the models so that ``regija.interchange.schema`` can use them without a
configured Django project (``python -m regija.interchange.validate`` runs without one); the models
import them from here, so each list of values is written once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    """What kind of body an organisation is; a natural person (person) is never named on public pages."""

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
    PERSON = "person", _("natural person")
    OTHER = "other", _("other")
