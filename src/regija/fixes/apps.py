"""App configuration for issue reports (docs/fixes.md): problems in the city that residents report and
follow to the fix, and the Open311 GeoReport v2 API."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FixesConfig(AppConfig):
    name = "regija.fixes"
    label = "fixes"
    verbose_name = _("Issue reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models import Q

        from regija.core import registry
        from regija.core.registry import Reader
        from regija.notify import topics

        from .models import Photo, Report, Service, Support, Update

        # a person may follow a report (notify's subscriptions): its answers and changes of status
        topics.register("fixes.Report")
        registry.register(
            Service, owners=["organisation"], audit=True, public=Q(active=True), history="service"
        )
        # A report is public once confirmed and not hidden; its reporter's name and contact are fields no
        # public page or API answer shows (selectors.public_fields). The owning municipality's staff, the
        # organisation it is assigned to and the reporter read it whole.
        registry.register(
            Report,
            owners=["organisation"],
            audit=True,
            public=Q(confirmed_at__isnull=False, hidden_at__isnull=True),
            readers=["organisation", "assignee", Reader("reporter")],
            history="report",
        )
        registry.register(
            Photo,
            owners=["report__organisation"],
            audit=True,
            audit_parent="report",
            public=Q(report__confirmed_at__isnull=False, report__hidden_at__isnull=True),
            readers=["report__organisation", "report__assignee", Reader("report__reporter")],
        )
        registry.register(
            Update,
            owners=["report__organisation"],
            audit=True,
            audit_parent="report",
            public=Q(report__confirmed_at__isnull=False, report__hidden_at__isnull=True),
            readers=["report__organisation", "report__assignee", Reader("report__reporter")],
        )
        # who supports a report is not public (the count is)
        registry.register(
            Support,
            owners=["report__organisation"],
            audit=True,
            audit_parent="report",
            public=None,
            readers=["report__organisation", Reader("user")],
        )
        registry.register_public_app(self, private=["Support"])
