"""The permission matrix's rows of places (/kraji/, /api/v1/places): everyone reads places and exports
them; staff (editors and admins) import places for their own organisation only – a resident, a viewer and
staff of another organisation cannot change A's places."""

from __future__ import annotations

import time

from django.core.files.uploadedfile import SimpleUploadedFile

from regija.places.models import Place

from .actions import api, page

PL = "PL: place of A"


def _count(w):
    return Place.objects.filter(organisation=w.A).count()


def _file():
    code = f"matrika-{time.time_ns()}"
    text = f"code,category,name,latitude,longitude\n{code},wifi,Matrika WiFi,46.36,15.11\n"
    return {"file": SimpleUploadedFile("kraji.csv", text.encode(), content_type="text/csv")}


api("GET", "/places", PL, "/places?category=aed&page_size=100", marker=lambda w: '"Matrika AED"')
api("GET", "/places/{place_id}", PL, lambda w: f"/places/{w.PL.pk}")
page("GET", "places:index", PL, "/kraji/?kategorija=aed", marker=lambda w: "Matrika AED")
page("GET", "places:place", PL, lambda w: f"/kraji/{w.PL.pk}/")
page("GET", "places:export", PL, "/kraji/izvoz.geojson", marker=lambda w: "Matrika AED")
page("GET", "places:import", "-", "/kraji/uvoz/")
page("POST", "places:import", "a new place of A", "/kraji/uvoz/", data=lambda w: {"organisation": w.A.pk},
     files=_file, probe=_count)  # fmt: skip


def _named(w):
    return Place.objects.filter(pk=w.PL.pk).values_list("name", flat=True).first()


EDITED = {"category": "aed", "name": "Matrika AED (changed)", "latitude": "46.36", "longitude": "15.11"}
page("GET", "places:edit", PL, lambda w: f"/kraji/{w.PL.pk}/uredi/")
page("POST", "places:edit", PL + " (renamed)", lambda w: f"/kraji/{w.PL.pk}/uredi/",
     data=lambda w: EDITED, probe=_named)  # fmt: skip
page("GET", "places:delete", PL, lambda w: f"/kraji/{w.PL.pk}/izbrisi/")
page("POST", "places:delete", PL, lambda w: f"/kraji/{w.PL.pk}/izbrisi/", probe=_count)
