"""Public pages of calls (Slovenian paths): the list, a call, its results and its documents."""

from django.urls import path

from . import views_public

urlpatterns = [
    path("razpisi/", views_public.call_list, name="call_list"),
    path("razpisi/<slug:org_slug>/<slug:slug>/", views_public.call_detail, name="call"),
    path("razpisi/<slug:org_slug>/<slug:slug>/rezultati/", views_public.call_results, name="call_results"),
    path(
        "razpisi/<slug:org_slug>/<slug:slug>/dokumenti/<int:pk>/",
        views_public.call_document,
        name="call_document",
    ),
]
