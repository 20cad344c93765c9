"""Every read of the calendar: the public lists (upcoming by day, a month's grid), one event, the
events of a feed, a person's registrations and followed calendars. A fixed number of queries each,
whatever the number of events.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from regija.core.models import Organisation

from .models import Event, FeedToken, Follow, Registration

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from regija.core.permissions import Actor

FEED_PAST_DAYS = 400  # feeds carry events that ended within about a year, and every later one


@dataclasses.dataclass(frozen=True)
class Filters:
    organisation: str = ""  # slug
    category: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_default_timezone())


def public() -> QuerySet[Event]:
    """Every public event (cancelled ones too: they say so), with its organisation."""
    return Event.objects.filter(public=True).select_related("organisation")


def filtered(filters: Filters) -> QuerySet[Event]:
    """Public events matching the filters: an organisation, a category, and those that take place
    (any part of them) between the start and end dates, both included."""
    qs = public()
    if filters.organisation:
        qs = qs.filter(organisation__slug=filters.organisation)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.start:
        qs = qs.filter(ends_at__gt=_local_midnight(filters.start))
    if filters.end:
        qs = qs.filter(starts_at__lt=_local_midnight(filters.end + dt.timedelta(days=1)))
    return qs.order_by("starts_at", "id")


def upcoming(filters: Filters) -> QuerySet[Event]:
    """The events of the list: from today (or the filter's start) on, in order."""
    if filters.start is None:
        filters = dataclasses.replace(filters, start=timezone.localdate())
    return filtered(filters)


@dataclasses.dataclass
class Day:
    date: dt.date
    events: list[Event]


def by_day(events: list[Event]) -> list[Day]:
    """The events grouped by the local day they start on (a multi-day event under its first day)."""
    days: list[Day] = []
    for event in events:
        first = event.first_day
        if not days or days[-1].date != first:
            days.append(Day(first, []))
        days[-1].events.append(event)
    return days


@dataclasses.dataclass
class Cell:
    date: dt.date
    in_month: bool
    events: list[Event]


def month(year: int, month_number: int, filters: Filters) -> list[list[Cell]]:
    """The month as weeks (Monday first) of days with the events on each day (every day an event runs)."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month_number)
    first, last = weeks[0][0], weeks[-1][-1]
    events = list(filtered(dataclasses.replace(filters, start=first, end=last)))
    on: dict[dt.date, list[Event]] = {}
    for event in events:
        day = max(event.first_day, first)
        end = min(event.last_day, last)
        while day <= end:
            on.setdefault(day, []).append(event)
            day += dt.timedelta(days=1)
    return [[Cell(d, d.month == month_number, on.get(d, [])) for d in week] for week in weeks]


def organisations_with_events() -> list[Organisation]:
    """The organisations that have public events, for the filter."""
    ids = Event.objects.filter(public=True).values("organisation_id")
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def event(pk: int) -> Event | None:
    """One public event with its organisation, or None."""
    return public().filter(pk=pk).first()


def staff_event(user: Actor, pk: int) -> Event | None:
    """An event for staff of its organisation (public or not); None when missing or not theirs."""
    from regija.core import permissions

    row = Event.objects.select_related("organisation").filter(pk=pk).first()
    if row is None or not permissions.can(user, "view_staff", row):
        return None
    return row


def registered_count(event: Event) -> int:
    return Registration.objects.filter(event=event).count()


def is_registered(user: User | AnonymousUser, event: Event) -> bool:
    if not user.is_authenticated or user.pk is None:
        return False
    return Registration.objects.filter(event=event, user_id=user.pk).exists()


def follow_of(user: User | AnonymousUser, organisation_id: int) -> Follow | None:
    if not user.is_authenticated:
        return None
    return Follow.objects.filter(user_id=user.pk, organisation_id=organisation_id).first()


def staff_events(user: Actor) -> QuerySet[Event]:
    """The events of the organisations where the user is an editor (all of them for a superuser),
    latest first."""
    from regija.core import permissions

    return permissions.editable(user, Event.objects.select_related("organisation")).order_by(
        "-starts_at", "-id"
    )


def feed_window() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)


def feed_events(*, organisation: Organisation | None = None, category: str = "") -> QuerySet[Event]:
    """The events of a public feed: public ones that ended within the window, or later."""
    qs = public().filter(ends_at__gte=feed_window())
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("starts_at", "id")


def feed_user(token: str) -> User | None:
    """The person whose feed address holds ``token``, or None."""
    if not token:
        return None
    row = FeedToken.objects.select_related("user").filter(token=token).first()
    if row is None or not row.user.is_active:
        return None
    return row.user


def personal_events(user: User) -> QuerySet[Event]:
    """A person's feed: the public events they registered for and those of the organisations whose
    calendar they follow – no one else's."""
    registered = Registration.objects.filter(user=user).values("event_id")
    followed = Follow.objects.filter(user=user).values("organisation_id")
    return (
        public()
        .filter(ends_at__gte=feed_window())
        .filter(Q(pk__in=registered) | Q(organisation_id__in=followed))
        .order_by("starts_at", "id")
    )


def personal_stamp(user: User) -> tuple[object, ...]:
    """What the person's feed depends on besides the events: their registrations and follows."""
    regs = Registration.objects.filter(user=user).aggregate(n=Count("id"), last=Max("created_at"))
    follows = Follow.objects.filter(user=user).aggregate(n=Count("id"), last=Max("created_at"))
    return (regs["n"], regs["last"], follows["n"], follows["last"])


def my_registrations(user: User) -> list[Event]:
    """The events the person registered for that have not ended, soonest first."""
    ids = Registration.objects.filter(user=user).values("event_id")
    return list(
        Event.objects.filter(pk__in=ids, ends_at__gte=timezone.now())
        .select_related("organisation")
        .order_by("starts_at")
    )


def my_follows(user: User) -> list[Follow]:
    return list(
        Follow.objects.filter(user=user).select_related("organisation").order_by("organisation__name")
    )
