"""App configuration for strategies: documents, nodes, alignments and indicators."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategiesConfig(AppConfig):
    name = "regija.strategies"
    label = "strategies"
    verbose_name = _("Strategies")

    def ready(self):
        from regija.core import registry
        from regija.core.models import Role

        from .models import Alignment, Indicator, Node, Observation, Strategy

        # A strategy and all its parts belong to the strategy's owners.
        registry.register(Strategy, owners=["owners"], delete_role=Role.ADMIN, audit=True, history="strategy")
        registry.register(
            Node, owners=["strategy__owners"], audit=True, audit_parent="strategy", history="node"
        )
        registry.register(
            Indicator, owners=["strategy__owners"], audit=True, audit_parent="strategy", history="indicator"
        )
        registry.register(
            Observation,
            owners=["indicator__strategy__owners"],
            audit=True,
            audit_parent="indicator",
            history="observation",
        )
        # An alignment belongs to the strategy whose file declares it.
        registry.register(Alignment, owners=["declared_in__owners"])
        registry.register_public_app(self)
