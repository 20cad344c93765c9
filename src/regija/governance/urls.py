"""Public pages of governance (Slovenian paths): an organisation's bodies and sessions."""

from django.urls import path

from . import views

urlpatterns = [
    path("organizacije/<slug:slug>/organi/", views.organisation_bodies, name="organisation_bodies"),
]
