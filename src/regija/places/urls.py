"""Pages of places (Slovenian paths)."""

from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("kraji/", views.index, name="index"),
    path("kraji/izvoz.<str:fmt>", views.export, name="export"),
    path("kraji/uvoz/", views.import_places, name="import"),
    path("kraji/<int:pk>/", views.place_detail, name="place"),
    path("kraji/<int:pk>/uredi/", views.place_edit, name="edit"),
    path("kraji/<int:pk>/izbrisi/", views.place_delete, name="delete"),
]
