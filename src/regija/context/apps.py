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

        from .models import ContextEntity, DeadLetter, Device, ServiceGroup, Subscription

        # An entity belongs to its tenant's organisation: its editors and admins write it (with an API
        # token), everyone reads it. An entity of the default tenant (no NGSILD-Tenant) has no owner:
        # superusers only write it (core.permissions.can).
        registry.register(ContextEntity, owners=["organisation"], audit=True, public=Q())
        # Device groups, devices and dead letters belong to the organisation whose entities they write:
        # its editors provision them, its members read them (an API key is a secret: not public). A dead
        # letter of an unknown API key has no organisation: superusers only.
        registry.register(ServiceGroup, owners=["organisation"], audit=True)
        registry.register(Device, owners=["group__organisation"], audit=True, audit_parent="group")
        registry.register(DeadLetter, owners=["organisation"])
        # A subscription is its tenant's: its editors and admins create, read and change it (its
        # endpoint and receiverInfo are not public); a default tenant's one, superusers only.
        registry.register(Subscription, owners=["organisation"], audit=True)
