"""App configuration for calls: public calls, applications, evaluation and decisions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "regija.calls"
    verbose_name = _("public calls")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from regija.core import registry

        from . import models as m

        # A call and all that hangs on it belongs to the organisation that issued it.
        registry.register(m.Call, owners=["organisation"], audit=True)
        for model in (m.CallFund, m.CallDocument, m.EligibilityCondition, m.Criterion):
            registry.register(model, owners=["call__organisation"])
        registry.register(m.CommitteeSeat, owners=["call__organisation"], audit=True, audit_parent="call")
        registry.register(m.Application, owners=["call__organisation"], audit=True)
        # Parts of an application: its history shows checks, assignments and every score.
        for model in (m.ApplicationFund, m.EligibilityCheck, m.Assignment, m.Attachment):
            registry.register(
                model, owners=["application__call__organisation"], audit=True, audit_parent="application"
            )
        for model in (m.ApplicationPartner, m.ApplicationPhase):
            registry.register(model, owners=["application__call__organisation"])
        registry.register(
            m.ScoreSheet,
            owners=["assignment__application__call__organisation"],
            audit=True,
            audit_parent="assignment__application",
        )
        registry.register(
            m.SheetReturn,
            owners=["sheet__assignment__application__call__organisation"],
            audit=True,
            audit_parent="sheet__assignment__application",
        )
        registry.register(
            m.Score,
            owners=["sheet__assignment__application__call__organisation"],
            audit=True,
            audit_parent="sheet__assignment__application",
        )
        registry.register_public_app(self)
