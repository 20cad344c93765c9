"""Staff pages of the annual report: the HTML page and its DOCX download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from regija.core import permissions
from regija.core.models import Organisation

from . import annual, layout, word


def _report(request, org_slug: str, year: int):
    if year not in annual.YEARS:  # a year the calendar cannot hold (0, 10000, …) is no report, not an error
        raise Http404
    organisation = get_object_or_404(Organisation, slug=org_slug)
    if not permissions.can(request.user, "view_staff", organisation):
        raise PermissionDenied
    return annual.build(organisation, year)


@login_required
def annual_report(request, org_slug: str, year: int):
    report = _report(request, org_slug, year)
    response = render(
        request,
        "reports/annual_page.html",
        {"report": report, "blocks": layout.layout(report), "nav": "reports"},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def annual_report_docx(request, org_slug: str, year: int):
    report = _report(request, org_slug, year)
    response = HttpResponse(
        word.render(report),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{file_stem(report)}.docx"'
    response["Cache-Control"] = "private, no-store"
    return response


def file_stem(report) -> str:
    return f"porocilo-{report.organisation_slug}-{report.year}"
