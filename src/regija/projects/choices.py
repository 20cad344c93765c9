"""Vocabularies of the project models that the strategy file format carries too.

Kept apart from the models so that ``regija.interchange.schema`` can use them without a configured
Django project; the models import them from here, so each list of values is written once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    IDEA = "idea", _("idea")
    APPLIED = "applied", _("applied")
    APPROVED = "approved", _("approved")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class InstrumentKind(models.TextChoices):
    DECISION = "decision", _("decision")
    CONTRACT = "contract", _("contract")
    CONFIRMATION = "confirmation", _("confirmation notice")
    OTHER = "other", _("other")


class Secured(models.TextChoices):
    YES = "yes", _("secured")
    NO = "no", _("not secured")
    PARTLY = "partly", _("partly secured")


class PaymentState(models.TextChoices):
    """A payment claim: submitted by the holder (claimed), checked by staff, then paid – or rejected."""

    CLAIMED = "claimed", _("claimed")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected")


class StatedWhat(models.TextChoices):
    TOTAL = "total", _("total amount")
    SECURED = "secured", _("secured amount")
    UNSECURED = "unsecured", _("unsecured amount")
    PAID = "paid", _("paid amount")
    CLAIMED = "claimed", _("claimed amount")
    PROJECTS = "projects", _("number of projects")
    NODES = "nodes", _("number of nodes")
    TARGET_DATE = "target_date", _("target date")
    OBSERVATION_DATE = "observation_date", _("observation date")
    COUNTRIES = "countries", _("number of countries")
    PAID_IN_FULL = "paid_in_full", _("number of projects paid in full")
    YEAR = "year", _("year the projects took place")
    TERRITORY = "territory", _("number of places in the territory")
