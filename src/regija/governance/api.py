"""API of governance: an organisation's bodies with their terms and members, and its sessions with
agenda items and numbered decisions (the same reads as the bodies page, ``governance.selectors``)."""

from __future__ import annotations

from django.urls import reverse
from ninja import Query, Router

from regija.api.errors import READ_RESPONSES, not_found
from regija.api.pagination import PageParams, paginate
from regija.core.models import Organisation

from . import selectors
from .schemas import (
    BodiesOut,
    SessionFilters,
    SessionPage,
)

router = Router(tags=["governance"])


def _org(slug: str) -> Organisation:
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        raise not_found("organisation", slug)
    return org


def _member(m) -> dict:
    public = bool(m.represents_public)
    return {
        "name": m.name,
        "role": m.role,
        "represents": m.represents_public,
        "represents_slug": m.organisation.slug if public and m.organisation_id else None,
        "start": m.joined,
        "end": m.left,
        "note": m.note,
    }


def _term(t) -> dict:
    d = t.appointed_by
    return {
        "label": t.label,
        "start": t.start,
        "end": t.end,
        "current": t.current,
        "selection": t.selection,
        "chosen": t.chosen,
        "appointed_by": {"number": d.number, "date": d.date, "session": selectors.session_label(d.session)}
        if d
        else None,
        "note": t.note,
        "members": [_member(m) for m in t.member_list],
    }


@router.get(
    "/organisations/{slug}/bodies",
    response={200: BodiesOut, **READ_RESPONSES},
    url_name="organisation_bodies",
)
def get_bodies(request, slug: str):
    """The organisation's bodies (assembly, boards, committees) with their terms and members."""
    org = _org(slug)
    return {
        "organisation": {"slug": org.slug, "name": org.name},
        "bodies": [
            {
                "slug": b.slug,
                "kind": b.kind,
                "name": b.name,
                "name_en": b.name_en,
                "description": b.description,
                "terms": [_term(t) for t in b.term_list],
            }
            for b in selectors.bodies(org)
        ],
        "web_url": request.build_absolute_uri(reverse("organisation_bodies", args=[org.slug])),
    }


def _session(s) -> dict:
    return {
        "id": s.pk,
        "body": s.body.slug,
        "body_name": s.body.name,
        "kind": s.kind,
        "number": s.number,
        "date": s.date,
        "end_date": s.end_date,
        "held": s.held,
        "place": s.place,
        "note": s.note,
        "agenda": [{"order": a.order, "title": a.title} for a in s.agenda.all()],
        "decisions": [
            {
                "number": d.number,
                "text": d.text,
                "agenda_item": d.agenda_item.order if d.agenda_item_id else None,
            }
            for d in s.decisions.all()
        ],
    }


@router.get(
    "/organisations/{slug}/sessions",
    response={200: SessionPage, **READ_RESPONSES},
    url_name="organisation_sessions",
)
def list_sessions(request, slug: str, filters: Query[SessionFilters], pages: Query[PageParams]):
    """Sessions of the organisation's bodies by date, with agenda items and numbered decisions;
    all years unless ``year`` is given."""
    org = _org(slug)
    qs = selectors.sessions(org, filters.year, body_slug=filters.body)
    return paginate(request, qs, pages, lambda page: [_session(s) for s in page])
