"""The catalogue in DCAT-AP 3.0 for harvesters: the whole catalogue (paged) and each dataset on its own."""

from django.urls import path

from . import views_dcat

urlpatterns = [
    path("katalog.<str:fmt>", views_dcat.catalogue, name="lake_dcat_catalogue"),
    path("podatki/<slug:slug>.<str:fmt>", views_dcat.dataset, name="lake_dcat_dataset"),
]
