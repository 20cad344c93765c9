"""App configuration for governance: bodies, their terms and members, sessions and decisions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "regija.governance"
    verbose_name = _("Governance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models import Q

        from regija.core import registry

        from .models import AgendaItem, Body, Decision, Member, Session, Term

        # A body and all of its parts belong to the body's organisation, and are public.
        registry.register(Body, owners=["organisation"], public=Q())
        registry.register(Term, owners=["body__organisation"], public=Q())
        registry.register(Member, owners=["term__body__organisation"], public=Q())
        registry.register(Session, owners=["body__organisation"], public=Q())
        registry.register(AgendaItem, owners=["session__body__organisation"], public=Q())
        registry.register(Decision, owners=["session__body__organisation"], public=Q())
        registry.register_public_app(self)

        # Public sessions in the calendar (event_sources.py).
        from regija.events import sources

        from .event_sources import session_events

        sources.register(Session, session_events)
