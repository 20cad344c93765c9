"""App configuration for residents' accounts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "regija.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from regija.core import registry
        from regija.core.registry import Reader

        from .models import Residency

        # A residency is verified by the municipality's staff and read by them and by the resident; it is
        # never public (who lives where is personal data).
        registry.register(
            Residency,
            owners=["municipality"],
            audit=True,
            public=None,
            readers=["municipality", Reader("user")],
        )
