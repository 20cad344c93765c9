"""App configuration for core.

Organisations, members, the audit log, caching and the registry apps build on.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "regija.core"
    label = "core"
    verbose_name = _("Organisations")

    def ready(self):
        from . import audit, caching, registry
        from .models import Organisation, Role

        audit.connect()
        caching.connect()
        registry.register(Organisation, owners=["pk"], delete_role=Role.ADMIN)
        registry.register_public_app(self, private=["AuditEntry", "ApiToken", "Membership", "DataVersion"])
