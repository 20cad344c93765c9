from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "regija.calls"
    verbose_name = _("public calls")
    default_auto_field = "django.db.models.BigAutoField"
