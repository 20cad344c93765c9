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
        from django.db.models import Q

        from . import audit, caching, collation, jobs, registry
        from .choices import OrganisationKind
        from .models import ApiToken, Membership, Organisation, Role

        audit.connect()
        jobs.connect()
        caching.connect()
        collation.connect()
        # A natural person is read only by its own members and by those other apps add (the owners of a
        # strategy that lists a project it holds, the staff of a call it applied to).
        registry.register(
            Organisation, owners=["pk"], delete_role=Role.ADMIN, public=~Q(kind=OrganisationKind.PERSON)
        )
        # Permissions are in the audit log: who got which role where, tokens created and revoked, and
        # a user's own flags (active, staff, superuser; a new password as "changed", never its hash).
        # Who belongs to an organisation is read by its members (an administrator changes them,
        # core/admin.py); a token is its user's alone.
        registry.register(Membership, readers=["organisation", "user"], audit=True)
        registry.register(ApiToken, readers=["user"], audit=True)
        registry.register(get_user_model(), audit=True)
        registry.register_public_app(
            self, private=["AuditEntry", "AuditHead", "ApiToken", "Membership", "DataVersion"]
        )
