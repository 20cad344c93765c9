"""App configuration for interchange: the strategy file format, import and export."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterchangeConfig(AppConfig):
    name = "regija.interchange"
    label = "interchange"
    verbose_name = _("Import and export")
