"""Public reads of governance: an organisation's bodies with their terms and members, and its
sessions of a year with agenda items and decisions. A fixed number of queries each.

Members of bodies are public officials of the body as the LAS report publishes them, so they are
named. Whom a member represents follows the personal-data rule of calls: a natural person
(``Organisation.kind == "person"``) is not named as the one represented.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from regija.core.models import Organisation, OrganisationKind

from .models import AgendaItem, Body, Decision, Member, Selection, Session, SessionKind, Term
from .templatetags.moments import day


def is_current(term: Term, today: dt.date) -> bool:
    started = term.start is None or term.start <= today
    return started and (term.end is None or term.end >= today)


def member_represents(m: Member) -> str:
    if m.organisation is not None and m.organisation.kind == OrganisationKind.PERSON:
        return ""
    return m.represents


def bodies(org: Organisation, today: dt.date | None = None) -> list[Body]:
    """The organisation's bodies, each with ``term_list`` (current terms first, then newest first);
    each term with ``member_list`` and ``current``, each member with ``represents_public``,
    ``joined`` and ``left`` (when they sat for part of the term only). Three queries."""
    today = today or timezone.localdate()
    members = Member.objects.select_related("organisation").order_by("order", "name", "pk")
    terms = Term.objects.select_related("appointed_by__session__body", "elected_at__body").prefetch_related(
        Prefetch("members", queryset=members)
    )
    out = list(
        Body.objects.filter(organisation=org)
        .prefetch_related(Prefetch("terms", queryset=terms))
        .order_by("order", "name")
    )
    for body in out:
        term_list = list(body.terms.all())
        for t in term_list:
            t.current = is_current(t, today)
            t.chosen = how_chosen(t)
            t.member_list = list(t.members.all())
            for m in t.member_list:
                m.represents_public = member_represents(m)
                m.joined = m.start if m.start and m.start != t.start else None
                m.left = m.end if m.end and m.end != t.end else None
        # current first; then by start, newest first (undated last)
        term_list.sort(key=lambda t: (not t.current, -(t.start.toordinal() if t.start else 0), -t.order))
        body.term_list = term_list
    return out


def session_years(org: Organisation) -> list[int]:
    """Years in which the organisation's bodies held sessions, newest first (one query)."""
    years = (
        Session.objects.filter(body__organisation=org, date__isnull=False)
        .annotate(y=ExtractYear("date"))
        .order_by("-y")
        .values_list("y", flat=True)
        .distinct()
    )
    return list(years)


def has_undated_sessions(org: Organisation) -> bool:
    return Session.objects.filter(body__organisation=org, date__isnull=True).exists()


def sessions(
    org: Organisation, year: int | None, *, undated: bool = False, body_slug: str | None = None
) -> QuerySet[Session]:
    """Sessions of the organisation's bodies in a year (or those without a date), by date, with agenda
    items and decisions prefetched (three queries when evaluated)."""
    qs = Session.objects.filter(body__organisation=org).select_related("body")
    if undated:
        qs = qs.filter(date__isnull=True)
    elif year is not None:
        # a correspondence session belongs to every year it runs in
        qs = qs.filter(Q(date__year=year) | Q(date__year__lt=year, end_date__year__gte=year))
    if body_slug:
        qs = qs.filter(body__slug=body_slug)
    return qs.prefetch_related(
        Prefetch("agenda", queryset=AgendaItem.objects.order_by("order", "pk")),
        Prefetch("decisions", queryset=Decision.objects.select_related("agenda_item").order_by("pk")),
    ).order_by("date", "body__order", "number", "pk")


def session_label(session: Session) -> str:
    """ "session no. 19 of the Management Board" – the words a decision is cited with."""
    correspondence = session.kind == SessionKind.CORRESPONDENCE
    if session.number:
        label = (
            _("correspondence session no. %(number)s") if correspondence else _("session no. %(number)s")
        ) % {"number": session.number}
    else:
        label = _("correspondence session") if correspondence else _("session")
    return _("%(session)s of %(body)s") % {"session": label, "body": session.body.name}


def how_chosen(term: Term) -> str:
    """How a term (an evaluation committee, a board) was chosen, in a sentence: drawn by lot,
    appointed by a decision (its number, session and date), or elected."""
    decision = term.appointed_by
    if term.selection == Selection.LOT:
        return _("Drawn by lot.")
    if decision is not None and term.selection in (Selection.DECISION, ""):
        parts = {
            "number": decision.number,
            "session": session_label(decision.session),
            "date": day(decision.date),
        }
        if decision.number and decision.date:
            return _("Appointed by decision no. %(number)s of the %(session)s on %(date)s.") % parts
        if decision.date:
            return _("Appointed by a decision of the %(session)s on %(date)s.") % parts
        return _("Appointed by a decision of the %(session)s.") % parts
    if term.selection == Selection.DECISION:
        return _("Appointed by decision.")
    if term.selection == Selection.ELECTION:
        session = term.elected_at
        if session is not None and session.date:
            return _("Elected at the %(session)s on %(date)s.") % {
                "session": session_label(session),
                "date": day(session.date),
            }
        if session is not None:
            return _("Elected at the %(session)s.") % {"session": session_label(session)}
        return _("Elected.")
    return ""
