"""The calendar's events of participatory budgeting (``regija.events.sources``): a process's phases –
collecting proposals, the feasibility review, voting – each from its first to its last moment, and the
publication of the results once the staff published them."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from regija.events.models import Category
from regija.events.sources import EventSpec

from .models import Process

PROPOSALS = gettext_noop("Participatory budget, proposals: %(title)s")
REVIEW = gettext_noop("Participatory budget, feasibility review: %(title)s")
VOTING = gettext_noop("Participatory budget, voting: %(title)s")
RESULTS = gettext_noop("Participatory budget, results: %(title)s")


def _titles(text: str, process: Process) -> dict[str, str]:
    """The event's title in Slovenian and in English (stored: feeds and reminders are in either)."""
    with translation.override("sl"):
        sl = translation.gettext(text) % {"title": process.title}
    with translation.override("en"):
        en = translation.gettext(text) % {"title": process.title_en or process.title}
    return {"title": sl, "title_en": en}


def process_events(process: Process) -> list[EventSpec]:
    phases = [
        ("proposals", PROPOSALS, process.proposals_from, process.proposals_to),
        ("review", REVIEW, process.proposals_to, process.review_to),
        ("voting", VOTING, process.voting_from, process.voting_to),
    ]
    if process.results_published_at is not None:
        published = process.results_published_at
        phases.append(("results", RESULTS, published, published))
    return [
        EventSpec(
            key=key,
            organisation_id=process.organisation_id,
            category=Category.PARTICIPATION,
            starts_at=starts,
            ends_at=ends,
            url=process.get_absolute_url(),
            **_titles(text, process),
        )
        for key, text, starts, ends in phases
    ]
