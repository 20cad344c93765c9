"""App configuration for the NGSI-LD context broker (docs/context.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContextConfig(AppConfig):
    name = "regija.context"
    label = "context"
    verbose_name = _("Context broker (NGSI-LD)")

    def ready(self):
        from django.db.models import Q

        from regija.core import registry

        from .models import ContextEntity

        # An entity belongs to its tenant's organisation: its editors and admins write it (with an API
        # token), everyone reads it. An entity of the default tenant (no NGSILD-Tenant) has no owner:
        # superusers only write it (core.permissions.can).
        registry.register(ContextEntity, owners=["organisation"], audit=True, public=Q())
