"""The targets participation itself registers for comments (``targets.register``): a consultation's
unit, a proposal, and an agenda item of a council session (governance) – every agenda item is public
(governance registers them so); comments on one are open until the end of the day after the session
(and always for a session not yet held or without a date)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from regija.governance.models import AgendaItem

from . import targets
from .models import OPEN_STATES, Proposal, Unit


def _unit_closed(unit: Unit, at: dt.datetime) -> str | None:
    c = unit.consultation
    if at < c.opens_at:
        return _("The consultation is not open yet.")
    if at >= c.closes_at:
        return _("The consultation has closed: comments are no longer taken.")
    return None


def _proposal_closed(proposal: Proposal, at: dt.datetime) -> str | None:
    if proposal.state not in OPEN_STATES:
        return _("This proposal is decided: comments are closed.")
    return None


def _agenda_closed(item: AgendaItem, at: dt.datetime) -> str | None:
    session = item.session
    last = session.end_date or session.date
    if last is None:
        return None
    tz = ZoneInfo(settings.TIME_ZONE)
    ends = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), tzinfo=tz)
    if at >= ends:
        return _("The session is over: comments on its agenda are closed.")
    return None


def register_all() -> None:
    targets.register(
        "unit",
        Unit,
        organisation=lambda u: u.consultation.organisation,
        closed=_unit_closed,
        residents_of=lambda u: u.consultation.organisation if u.consultation.residents_only else None,
        url=lambda u: u.get_absolute_url(),
        select=("consultation",),
    )
    targets.register(
        "proposal",
        Proposal,
        organisation=lambda p: p.organisation,
        closed=_proposal_closed,
        residents_of=lambda p: None,
        url=lambda p: p.get_absolute_url(),
    )
    targets.register(
        "agenda_item",
        AgendaItem,
        organisation=lambda i: i.session.body.organisation,
        closed=_agenda_closed,
        residents_of=lambda i: None,
        url=lambda i: reverse("participation:agenda_item", args=[i.pk]),
    )
