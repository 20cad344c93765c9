"""Applications, evaluation, call management and the payment claims of operations (signed-in users)."""

from django.urls import path

from . import views_applicant, views_evaluation, views_staff

urlpatterns = [
    path(
        "razpisi/<slug:org_slug>/<slug:slug>/prijava/",
        views_applicant.application_start,
        name="application_start",
    ),
    path("razpisi/<slug:org_slug>/<slug:slug>/upravljanje/", views_staff.call_manage, name="call_manage"),
    path(
        "razpisi/<slug:org_slug>/<slug:slug>/registracije/<int:pk>/",
        views_staff.registration_decide,
        name="registration_decide",
    ),
    path("prijave/", views_applicant.my_applications, name="my_applications"),
    path("prijave/<int:pk>/", views_applicant.application, name="application"),
    path("prijave/<int:pk>/pregled/", views_applicant.application_check, name="application_check"),
    path("prijave/<int:pk>/oddana/", views_applicant.application_submitted, name="application_submitted"),
    path("prijave/<int:pk>/priloge/", views_applicant.attachment_upload, name="attachment_upload"),
    path("prijave/<int:pk>/priloge/<int:att>/", views_applicant.attachment_download, name="attachment"),
    path(
        "prijave/<int:pk>/priloge/<int:att>/izbrisi/",
        views_applicant.attachment_delete,
        name="attachment_delete",
    ),
    path("prijave/<int:pk>/umik/", views_applicant.application_withdraw, name="application_withdraw"),
    path("prijave/<int:pk>/upravicenost/", views_staff.eligibility, name="eligibility"),
    path("prijave/<int:pk>/odlocitev/", views_staff.decide, name="decide"),
    path("ocenjevanje/", views_evaluation.evaluation_home, name="evaluation"),
    path("ocenjevanje/<int:pk>/", views_evaluation.assignment, name="assignment"),
    path("ocenjevanje/razpis/<int:pk>/", views_evaluation.call_evaluation, name="call_evaluation"),
    path("projekti/<slug:slug>/<str:code>/zahtevki/", views_staff.project_claims, name="project_claims"),
    path(
        "projekti/<slug:slug>/<str:code>/zahtevki/<int:payment>/",
        views_staff.claim_action,
        name="claim_action",
    ),
]
