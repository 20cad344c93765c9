"""Staff pages of the annual report: the HTML page and its DOCX download, each in the staff form (natural
persons named and marked) and in the published form (the one to put on a website: no natural person's
name)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from regija.core import permissions
from regija.core.models import Organisation

from . import annual, layout, word


def _report(request, org_slug: str, year: int, published: bool):
    if year not in annual.YEARS:  # a year the calendar cannot hold (0, 10000, …) is no report, not an error
        raise Http404
    organisation = get_object_or_404(Organisation, slug=org_slug)
    if not permissions.can(request.user, "view_staff", organisation):
        raise PermissionDenied
    return annual.build(organisation, year, published=published)


@login_required
def annual_report(request, org_slug: str, year: int, published: bool = False):
    report = _report(request, org_slug, year, published)
    response = render(
        request,
        "reports/annual_page.html",
        {"report": report, "blocks": layout.layout(report), "nav": "reports"},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def annual_report_docx(request, org_slug: str, year: int, published: bool = False):
    report = _report(request, org_slug, year, published)
    response = HttpResponse(
        word.render(report),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{file_stem(report)}.docx"'
    response["Cache-Control"] = "private, no-store"
    return response


def file_stem(report) -> str:
    """porocilo-ORG-YEAR for the staff form, porocilo-ORG-YEAR-javno for the published one."""
    return f"porocilo-{report.organisation_slug}-{report.year}" + ("-javno" if report.published else "")
