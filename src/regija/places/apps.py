"""App configuration for places: points of interest on the map and "nearest to me" (docs/places.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "regija.places"
    verbose_name = _("Places")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models import Q

        from regija.core import registry
        from regija.lake import own

        from . import opendata
        from .models import Place

        # A place belongs to its organisation: its editors and admins keep it; everyone reads it.
        registry.register(Place, owners=["organisation"], audit=True, public=Q(), history="place")
        registry.register_public_app(self)
        # the places as one of Regija's own open datasets (lake.own publishes it with the others)
        own.register_table(opendata.TABLE)
