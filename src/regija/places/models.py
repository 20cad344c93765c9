"""Places on the map: points of interest an organisation owns and keeps (AEDs, drinking fountains, free
WiFi, bus stops, heritage …), each with its category, position, address, opening hours in OpenStreetMap's
``opening_hours`` syntax, accessibility notes, contact, photo, source and the date it was last checked
(docs/places.md).

The position is two indexed float columns, so "nearest to me" prefilters on a bounding box of
latitude and longitude in SQL (``selectors.nearest``) and measures exact distances on the few candidates.
Every place is also an NGSI-LD entity of the broker (``entity_id``), kept by ``services``.
"""

from __future__ import annotations

import math

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from regija.core.models import Organisation
from regija.core.validators import WebAddressField

NAME_MAX = 200
TEXT_MAX = 2000


class PlaceCategory(models.TextChoices):
    AED = "aed", _("defibrillator (AED)")
    DRINKING_WATER = "drinking-water", _("drinking fountain")
    WIFI = "wifi", _("free WiFi")
    BUS_STOP = "bus-stop", _("bus stop")
    HERITAGE = "heritage", _("heritage site")
    EV_CHARGING = "ev-charging", _("charging station")
    PARKING = "parking", _("parking")


# The height of a band of latitude (degrees; about 1.1 km): "nearest" asks the index for the bands its box
# spans, each a range of longitude – so it reads the places in the box, not a whole band across the country.
BAND = 0.01


def band_of(latitude: float) -> int:
    return math.floor(latitude / BAND)


class PlaceQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.lat_band = band_of(obj.latitude)
        return super().bulk_create(objs, *args, **kwargs)


class Place(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="places"
    )
    code = models.SlugField(
        _("code"),
        max_length=100,
        help_text=_("The place's identifier within its organisation (imports match by it)."),
    )
    category = models.CharField(_("category"), max_length=20, choices=PlaceCategory.choices)
    name = models.CharField(_("name"), max_length=NAME_MAX)
    name_en = models.CharField(_("name in English"), max_length=NAME_MAX, blank=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    lat_band = models.IntegerField(_("band of latitude"), editable=False, default=0)
    address = models.CharField(_("address"), max_length=300, blank=True)
    opening_hours = models.CharField(
        _("opening hours"), max_length=500, blank=True, help_text=_("OpenStreetMap opening_hours syntax.")
    )
    accessibility = models.TextField(_("accessibility"), max_length=TEXT_MAX, blank=True)
    accessibility_en = models.TextField(_("accessibility in English"), max_length=TEXT_MAX, blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = WebAddressField(_("website"), max_length=500, blank=True)
    photo = WebAddressField(_("photo"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    checked_on = models.DateField(_("last checked"), null=True, blank=True)
    illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("The position is illustrative, not taken from a source."),
    )
    entity_id = models.CharField(_("entity id"), max_length=512, blank=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="places_place_code_per_organisation"
            ),
        ]
        indexes = [
            # the nearest-place prefilter: for each band of latitude the box spans, a range of longitude
            models.Index(fields=["category", "lat_band", "longitude"], name="places_place_cat_band_lon"),
            models.Index(fields=["lat_band", "longitude"], name="places_place_band_lon"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.lat_band = band_of(self.latitude)
        if kwargs.get("update_fields") is not None and "latitude" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "lat_band"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("places:place", args=[self.pk])

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "sl").startswith("en"):
            return self.name_en
        return self.name

    @property
    def display_accessibility(self) -> str:
        if self.accessibility_en and (get_language() or "sl").startswith("en"):
            return self.accessibility_en
        return self.accessibility
