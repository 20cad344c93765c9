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
        from django.contrib.auth import get_user_model

        from . import audit, caching, registry
        from .models import ApiToken, Membership, Organisation, Role

        audit.connect()
        caching.connect()
        registry.register(Organisation, owners=["pk"], delete_role=Role.ADMIN)
        # Permissions are in the audit log: who got which role where, tokens created and revoked, and
        # a user's own flags (active, staff, superuser; a new password as "changed", never its hash).
        registry.register(Membership, audit=True)
        registry.register(ApiToken, audit=True)
        registry.register(get_user_model(), audit=True)
        registry.register_public_app(
            self, private=["AuditEntry", "AuditHead", "ApiToken", "Membership", "DataVersion"]
        )
