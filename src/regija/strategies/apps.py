"""App configuration for strategies: documents, nodes, alignments and indicators."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategiesConfig(AppConfig):
    name = "regija.strategies"
    label = "strategies"
    verbose_name = _("Strategies")
