"""Vocabularies of the strategy models that the strategy file format carries too.

Kept apart from the models so that ``regija.interchange.schema`` can use them without a configured
Django project; the models import them from here, so each list of values is written once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ADOPTED = "adopted", _("adopted")
    IN_IMPLEMENTATION = "in_implementation", _("in implementation")
    CLOSED = "closed", _("closed")


class AlignmentType(models.TextChoices):
    CONTRIBUTES_TO = "contributes_to", _("contributes to")
    HOME_GOAL = "home_goal", _("home goal")
    ALIGNED_WITH = "aligned_with", _("aligned with")
    SUPPORTS = "supports", _("supports")
    IMPLEMENTS = "implements", _("implements")
    ILLUSTRATES = "illustrates", _("illustrates")
    RELATED = "related", _("related")


class Direction(models.TextChoices):
    INCREASE = "increase", _("increase")
    DECREASE = "decrease", _("decrease")
    REACH = "reach", _("reach")
    # keep a level: the target (usually the baseline itself) is the least value to hold
    MAINTAIN = "maintain", _("maintain")


class IndicatorInferred(models.TextChoices):
    """Values of an indicator that the data's author inferred: the document does not state them outright
    (an effect paired with its indicator by the order of a table's rows, a unit or direction read from the
    indicator's name)."""

    EFFECT = "effect", _("effect")
    UNIT = "unit", _("unit")
    DIRECTION = "direction", _("direction")
