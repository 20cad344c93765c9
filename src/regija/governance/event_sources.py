"""The calendar's events of governance (``regija.events.sources``): a session of a body, all day on its
date (sessions are stored by date only), at its place, linking to the body's sessions of that year.

Every body and session is public data (``apps.py``); what the calendar leaves out are sessions it cannot
place on a day (no date), sessions by correspondence (no meeting to attend) and sessions of an evaluation
committee (they score applications behind closed doors). A session marked as not held stays in the
calendar, cancelled.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from regija.events.models import Category, EventStatus
from regija.events.sources import EventSpec, all_day_span

from .models import BodyKind, Session, SessionKind


def _title(session: Session, language: str) -> str:
    with translation.override(language):
        number = f"{session.number}. " if session.number else ""
        body = session.body.name_en if language == "en" and session.body.name_en else session.body.name
        return f"{number}{translation.gettext('session')} – {body}"


def session_events(session: Session) -> list[EventSpec]:
    body = session.body
    if (
        session.date is None
        or session.kind != SessionKind.REGULAR
        or body.kind == BodyKind.EVALUATION_COMMITTEE
    ):
        return []
    starts, ends = all_day_span(session.date)
    url = reverse("organisation_bodies", args=[body.organisation.slug]) + f"?leto={session.date.year}"
    return [
        EventSpec(
            key="session",
            organisation_id=body.organisation_id,
            title=_title(session, "sl"),
            title_en=_title(session, "en"),
            category=Category.SESSION,
            starts_at=starts,
            ends_at=ends,
            all_day=True,
            place_name=session.place,
            description=session.note,
            url=url,
            status=EventStatus.SCHEDULED if session.held else EventStatus.CANCELLED,
        )
    ]
