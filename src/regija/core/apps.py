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
        from django.db.models import Q

        from . import audit, caching, registry
        from .choices import OrganisationKind
        from .models import ApiToken, Membership, Organisation, Role

        audit.connect()
        caching.connect()
        # A natural person is read only by its own members and by those other apps add (the owners of a
        # strategy that lists a project it holds, the staff of a call it applied to).
        registry.register(
            Organisation, owners=["pk"], delete_role=Role.ADMIN, public=~Q(kind=OrganisationKind.PERSON)
        )
        # Who belongs to an organisation: its members (an administrator changes them, core/admin.py).
        registry.register(Membership, readers=["organisation", "user"])
        registry.register(ApiToken, readers=["user"])  # a token is its user's alone
        registry.register_public_app(self, private=["AuditEntry", "ApiToken", "Membership", "DataVersion"])
