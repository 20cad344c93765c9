"""Public page of an organisation's bodies: their terms and members, and the sessions by year."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from regija.core.caching import cache_response
from regija.core.models import Organisation

from . import selectors

UNDATED = "brez"  # ?leto=brez: sessions the source names without a date


@cache_response
def organisation_bodies(request, slug: str):
    org = get_object_or_404(Organisation, slug=slug)
    years = selectors.session_years(org)
    undated_exist = selectors.has_undated_sessions(org)
    raw = request.GET.get("leto", "")
    undated = raw == UNDATED and undated_exist
    year = None
    if not undated:
        try:
            year = int(raw)
        except ValueError:
            year = None
        if year not in years:
            year = years[0] if years else None
    sessions = list(selectors.sessions(org, year, undated=undated)) if (year or undated) else []
    return render(
        request,
        "governance/bodies.html",
        {
            "org": org,
            "bodies": selectors.bodies(org),
            "years": years,
            "year": year,
            "undated": undated,
            "undated_exist": undated_exist,
            "undated_key": UNDATED,
            "sessions": sessions,
            "nav": "organisations",
        },
    )
