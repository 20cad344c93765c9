"""App configuration for portal: the site on top of the apps – the home page, the pages that combine
several apps (a strategy with its money, an organisation with all it does), the API they are mounted
in, and the commands that work across apps."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "regija.portal"
    label = "portal"
    verbose_name = _("Portal")
