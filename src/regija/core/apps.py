"""App configuration for core: organisations, money and shared helpers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "regija.core"
    label = "core"
    verbose_name = _("Organisations")

    def ready(self):
        from . import audit, caching

        audit.connect()
        caching.connect()
