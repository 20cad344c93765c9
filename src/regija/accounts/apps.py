"""App configuration for residents' accounts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "regija.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from allauth.account.signals import user_logged_in

        from regija.core import registry
        from regija.core.registry import Reader

        from . import signals
        from .models import Consent, Deletion, Residency, ResidencyRequest

        # A residency is verified by the municipality's staff and read by them and by the resident; it is
        # never public (who lives where is personal data).
        registry.register(
            Residency,
            owners=["municipality"],
            audit=True,
            public=None,
            readers=["municipality", Reader("user")],
        )
        registry.register(
            ResidencyRequest,
            owners=["municipality"],
            audit=True,
            public=None,
            readers=["municipality", Reader("user")],
        )
        registry.register(Consent, audit=True, public=None, readers=[Reader("user")])
        registry.register(Deletion, audit=True, public=None, readers=[])
        user_logged_in.connect(signals.residency_on_sign_in, dispatch_uid="accounts-residency-oidc")
