"""Public pages of calls (Slovenian paths): the list, a call, its results and its documents, and an
applicant organisation's registration (the form, what happens next, the e-mailed confirmation link)."""

from django.urls import path

from . import views_public, views_registration

urlpatterns = [
    path("razpisi/", views_public.call_list, name="call_list"),
    path("razpisi/<slug:org_slug>/<slug:slug>/", views_public.call_detail, name="call"),
    path("razpisi/<slug:org_slug>/<slug:slug>/rezultati/", views_public.call_results, name="call_results"),
    path(
        "razpisi/<slug:org_slug>/<slug:slug>/dokumenti/<int:pk>/",
        views_public.call_document,
        name="call_document",
    ),
    path(
        "razpisi/<slug:org_slug>/<slug:slug>/registracija/",
        views_registration.register,
        name="registration",
    ),
    path(
        "razpisi/<slug:org_slug>/<slug:slug>/registracija/poslano/",
        views_registration.registration_sent,
        name="registration_sent",
    ),
    path(
        "razpisi/<slug:org_slug>/<slug:slug>/registracija/potrditev/<str:token>/",
        views_registration.registration_confirm,
        name="registration_confirm",
    ),
]
