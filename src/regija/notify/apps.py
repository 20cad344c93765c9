"""App configuration for notifications and alerts."""

import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "regija.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from django.db.models import Q

        from regija.accounts import personal_data as accounts_personal_data
        from regija.core import caching, registry
        from regija.core.registry import Reader

        from . import personal_data, selectors
        from .models import Alert, Subscription, Webhook

        importlib.import_module(f"{self.name}.tasks")  # the Huey tasks and periodic jobs

        # A subscription is its person's: read by them only, its changes in the audit log.
        registry.register(Subscription, audit=True, public=None, readers=[Reader("user")])

        # a signed-in person's pages show their unread count and follow buttons: part of their ETag
        caching.on_personal(selectors.personal_stamp)
        # An alert is public while it is shown; changed by the staff of the area's municipality.
        registry.register(Alert, owners=["organisation"], audit=True, public=Q())
        # A webhook (its URL and secret) is its organisation's staff's only.
        registry.register(Webhook, owners=["organisation"], audit=True, readers=[Reader("organisation")])
        # What a person follows, their notifications and browsers are part of "download my data" and go
        # with the account (docs/accounts.md).
        accounts_personal_data.register("notifications", personal_data.export, personal_data.erase)
