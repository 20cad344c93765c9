"""App configuration for the NGSI-LD context broker (docs/context.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContextConfig(AppConfig):
    name = "regija.context"
    label = "context"
    verbose_name = _("Context broker (NGSI-LD)")

    def ready(self):
        from django.db.models import Q
        from django.db.models.signals import post_delete, post_save

        from regija.core import registry
        from regija.core.models import Organisation

        from .models import (
            AttributeInstance,
            ContextEntity,
            DeadLetter,
            Device,
            IndicatorFeed,
            ServiceGroup,
            Subscription,
        )
        from .services import devices_changed

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
        # The history (attribute instances) is public like the entities; its rows are written in bulk with
        # the audited write they come from (an entity write, an ingest batch, a temporal write – each
        # logs one entry), so the rows themselves are not logged one by one.
        registry.register(AttributeInstance, owners=["organisation"], public=Q())
        # Which context data feeds an indicator is the strategy's owners' business, as with datasets.
        registry.register(
            IndicatorFeed,
            owners=["indicator__strategy__owners"],
            audit=True,
            audit_parent="indicator",
            public=Q(),
        )
        # The ingest worker keeps the devices it has met in memory (services._Registry): every change of
        # a group, a device or an organisation (its slug decides a lenient tenant) gives the registry a
        # new token, in the change's transaction, and the workers forget them.
        for model in (ServiceGroup, Device, Organisation):
            uid = f"regija-device-registry-{model._meta.label}"
            post_save.connect(devices_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(devices_changed, sender=model, dispatch_uid=uid)
