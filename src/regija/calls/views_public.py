"""Public pages of calls: the list by state, a call, its results, and its documents.

A call's state moves with the clock, not only with the data (a call closes at its deadline without
anyone saving anything), so these pages are cached with
``cache_response(moment=selectors.clock_key)``: the cache key and ETag also carry the next moment
any call opens or closes, and a page never shows a call open after it closed.
"""

from __future__ import annotations

import mimetypes

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regija.core.caching import cache_response
from regija.core.collation import slovenian
from regija.core.models import Organisation

from . import selectors
from .models import CallState

PAGE_SIZE = 25


def group_choices():
    return [
        (selectors.OPEN, _("Open")),
        (selectors.UPCOMING, _("Upcoming")),
        (selectors.CLOSED, _("Closed")),
        (selectors.ARCHIVE, _("Archive")),
    ]


@cache_response(moment=selectors.clock_key)
def call_list(request):
    now = timezone.now()
    groups = dict(group_choices())
    group = request.GET.get("stanje", "")
    if group not in groups:
        group = ""
    org_slug = request.GET.get("organizacija", "").strip()
    organisations = list(
        Organisation.objects.filter(calls__in=selectors.public_calls())
        .distinct()
        .order_by(slovenian("name"), "slug")
        .values("slug", "name")
    )
    if org_slug not in {o["slug"] for o in organisations}:
        org_slug = ""
    qs = selectors.call_list(group=group or None, organisation=org_slug or None, now=now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    calls = selectors.with_budget(list(page.object_list), now)
    sections = []
    for c in calls:
        if not sections or sections[-1]["group"] != c.group:
            sections.append({"group": c.group, "label": groups.get(c.group, ""), "calls": []})
        sections[-1]["calls"].append(c)
    return render(
        request,
        "calls/public/list.html",
        {
            "page": page,
            "sections": sections,
            "group": group,
            "group_label": groups.get(group, ""),
            "groups": group_choices(),
            "organisations": organisations,
            "org_slug": org_slug,
            "nav": "calls",
        },
    )


def _apply_url(call) -> str | None:
    """Where an applicant starts an application; None while that page does not exist (yet)."""
    if call.public_state != CallState.OPEN:
        return None
    try:
        return reverse("application_start", args=[call.organisation.slug, call.slug])
    except NoReverseMatch:
        return None


def _register_url(call) -> str | None:
    """Where a visitor without an account registers their organisation: from publication until the call
    closes (``services.takes_registrations``)."""
    if call.public_state not in (CallState.PUBLISHED, CallState.OPEN):
        return None
    return reverse("registration", args=[call.organisation.slug, call.slug])


@cache_response(moment=selectors.clock_key)
def call_detail(request, org_slug: str, slug: str):
    call = selectors.call_detail(org_slug, slug)
    if call is None:
        raise Http404
    return render(
        request,
        "calls/public/detail.html",
        {
            "call": call,
            "apply_url": _apply_url(call),
            "register_url": None if request.user.is_authenticated else _register_url(call),
            "nav": "calls",
        },
    )


@cache_response  # results exist only for decided and archived calls, which the clock no longer moves
def call_results(request, org_slug: str, slug: str):
    results = selectors.call_results(org_slug, slug)
    if results is None:
        raise Http404
    return render(
        request, "calls/public/results.html", {"results": results, "call": results.call, "nav": "calls"}
    )


def call_document(request, org_slug: str, slug: str, pk: int):
    """A document of a public call, as a download; never a draft call's, never as a static file."""
    doc = selectors.document(org_slug, slug, pk)
    if doc is None or not doc.file:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = doc.file.name.rsplit("/", 1)[-1]
    content_type = doc.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
