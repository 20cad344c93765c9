"""App configuration for strategies: documents, nodes, alignments and indicators."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategiesConfig(AppConfig):
    name = "regija.strategies"
    label = "strategies"
    verbose_name = _("Strategies")

    def ready(self):
        from django.db.models import Q

        from regija.core import registry
        from regija.core.models import Role

        from .choices import StrategyStatus
        from .models import Alignment, Indicator, Node, Observation, Strategy

        def adopted(path: str) -> Q:
            """Public: a strategy that is no longer a draft, and all of its content."""
            return ~Q(**{path: StrategyStatus.DRAFT})

        # A strategy and all its parts belong to the strategy's owners; a draft is read by them only.
        registry.register(
            Strategy,
            owners=["owners"],
            delete_role=Role.ADMIN,
            audit=True,
            history="strategy",
            public=adopted("status"),
        )
        registry.register(
            Node,
            owners=["strategy__owners"],
            audit=True,
            audit_parent="strategy",
            history="node",
            public=adopted("strategy__status"),
        )
        registry.register(
            Indicator,
            owners=["strategy__owners"],
            audit=True,
            audit_parent="strategy",
            history="indicator",
            public=adopted("strategy__status"),
        )
        registry.register(
            Observation,
            owners=["indicator__strategy__owners"],
            audit=True,
            audit_parent="indicator",
            history="observation",
            public=adopted("indicator__strategy__status"),
        )
        # An alignment belongs to the strategy whose file declares it.
        registry.register(Alignment, owners=["declared_in__owners"], public=adopted("declared_in__status"))
        registry.register_public_app(self)
