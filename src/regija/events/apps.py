"""App configuration for events: the calendar, its iCalendar feeds, registrations and reminders."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "regija.events"
    verbose_name = _("Events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models import Q

        from regija.accounts import personal_data as accounts_personal_data
        from regija.core import registry
        from regija.core.registry import Reader

        from . import (
            personal_data,
            tasks,  # noqa: F401 - the reminders job
        )
        from .models import Event, Follow, Registration

        # An event belongs to its organisation; public ones are read by everyone, the others by its staff.
        registry.register(Event, owners=["organisation"], audit=True, public=Q(public=True), history="event")
        # Who registered: the person, and the staff of the event's organisation (never the public).
        registry.register(
            Registration,
            owners=["event__organisation"],
            readers=[Reader("user"), Reader("event__organisation")],
        )
        registry.register(Follow, owners=[], readers=[Reader("user")])
        registry.register_public_app(self, private=["Registration", "Follow", "FeedToken", "Reminder"])
        registry.register_account_panel("events/_account.html")
        accounts_personal_data.register("events", personal_data.export, personal_data.erase)
