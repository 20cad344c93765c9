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

        from .models import Alignment, Indicator, Node, Observation, Strategy

        # A strategy and all its parts belong to the strategy's owners and are public in every status:
        # the portal shows a draft marked as one, as a municipality publishes a draft for comment (000).
        registry.register(
            Strategy,
            owners=["owners"],
            delete_role=Role.ADMIN,
            audit=True,
            history="strategy",
            public=Q(),
        )
        registry.register(
            Node,
            owners=["strategy__owners"],
            audit=True,
            audit_parent="strategy",
            history="node",
            public=Q(),
        )
        registry.register(
            Indicator,
            owners=["strategy__owners"],
            audit=True,
            audit_parent="strategy",
            history="indicator",
            public=Q(),
        )
        registry.register(
            Observation,
            owners=["indicator__strategy__owners"],
            audit=True,
            audit_parent="indicator",
            history="observation",
            public=Q(),
        )
        # An alignment belongs to the strategy whose file declares it.
        registry.register(Alignment, owners=["declared_in__owners"], public=Q())
        registry.register_public_app(self)
