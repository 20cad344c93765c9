"""The calendar's events of participation (``regija.events.sources``): a public consultation's period, from
its opening to its close, and a proposal's answer deadline – public on its page once its supports reach
the threshold – while the answer is still owed (new or under review)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from regija.events.models import Category
from regija.events.sources import EventSpec

from .models import OPEN_STATES, Consultation, Proposal

CONSULTATION = gettext_noop("Public consultation: %(title)s")
ANSWER_DUE = gettext_noop("Answer due to the proposal: %(title)s")


def _titles(text: str, title: str, title_en: str) -> dict[str, str]:
    """The event's title in Slovenian and in English (stored: feeds and reminders are in either)."""
    with translation.override("sl"):
        sl = translation.gettext(text) % {"title": title}
    with translation.override("en"):
        en = translation.gettext(text) % {"title": title_en or title}
    return {"title": sl, "title_en": en}


def consultation_events(consultation: Consultation) -> list[EventSpec]:
    return [
        EventSpec(
            key="period",
            organisation_id=consultation.organisation_id,
            category=Category.PARTICIPATION,
            starts_at=consultation.opens_at,
            ends_at=consultation.closes_at,
            description=consultation.description,
            description_en=consultation.description_en,
            url=consultation.get_absolute_url(),
            **_titles(CONSULTATION, consultation.title, consultation.title_en),
        )
    ]


def proposal_events(proposal: Proposal) -> list[EventSpec]:
    if proposal.respond_by is None or proposal.state not in OPEN_STATES:
        return []
    return [
        EventSpec(
            key="answer_due",
            organisation_id=proposal.organisation_id,
            category=Category.PARTICIPATION,
            starts_at=proposal.respond_by,
            ends_at=proposal.respond_by,
            url=proposal.get_absolute_url(),
            **_titles(ANSWER_DUE, proposal.title, ""),
        )
    ]
