"""The city-data pages (Slovenian paths; docs/portal.md, "City data")."""

from django.urls import path

from . import pages

urlpatterns = [
    path("mestni-podatki/", pages.city_data, name="city_data"),
    path("mestni-podatki/<str:key>/", pages.city_type, name="city_type"),
    path("mestni-podatki/<str:key>/podatki.json", pages.city_feed, name="city_feed"),
    path("mestni-podatki/<str:tenant>/<str:entity_id>/", pages.city_entity, name="city_entity"),
    path(
        "mestni-podatki/<str:tenant>/<str:entity_id>/stanje.jsonld",
        pages.entity_jsonld,
        name="city_entity_jsonld",
    ),
    path(
        "mestni-podatki/<str:tenant>/<str:entity_id>/stanje.geojson",
        pages.entity_geojson,
        name="city_entity_geojson",
    ),
    path(
        "mestni-podatki/<str:tenant>/<str:entity_id>/zgodovina.csv",
        pages.entity_history_csv,
        name="city_entity_history",
    ),
]
