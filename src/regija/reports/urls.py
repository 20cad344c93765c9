"""Staff pages of reports: the annual activity report of an organisation, in its staff form and in its
published form (``javno/``: no natural person named)."""

from django.urls import path

from . import views

urlpatterns = [
    path("porocila/<slug:org_slug>/<int:year>/", views.annual_report, name="annual_report"),
    path(
        "porocila/<slug:org_slug>/<int:year>/porocilo.docx",
        views.annual_report_docx,
        name="annual_report_docx",
    ),
    path(
        "porocila/<slug:org_slug>/<int:year>/javno/",
        views.annual_report,
        {"published": True},
        name="annual_report_published",
    ),
    path(
        "porocila/<slug:org_slug>/<int:year>/javno/porocilo.docx",
        views.annual_report_docx,
        {"published": True},
        name="annual_report_published_docx",
    ),
]
