"""App configuration for search.

One Slovenian full-text index over strategies, nodes, projects, organisations and indicators.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "regija.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self):
        from . import signals

        signals.connect()
