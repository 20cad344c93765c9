"""Staff pages of reports: the annual activity report of an organisation."""

from django.urls import path

from . import views

urlpatterns = [
    path("porocila/<slug:org_slug>/<int:year>/", views.annual_report, name="annual_report"),
    path(
        "porocila/<slug:org_slug>/<int:year>/porocilo.docx",
        views.annual_report_docx,
        name="annual_report_docx",
    ),
]
