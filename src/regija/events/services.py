"""Every write of the calendar: staff create, change and cancel their organisation's events; a signed-in
person registers for an event, follows an organisation's calendar and renews the address of their own
feed. Each checks who acts, validates, writes in one transaction (audited where it is staff's) or
raises ``core.services.Refused`` with the field at fault.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regija.core import audit
from regija.core.models import Organisation
from regija.core.services import Conflict, Forbidden, Refused, now, require_permission, validate

from .models import DESCRIPTION_MAX, TITLE_MAX, Category, Event, EventStatus, FeedToken, Follow, Registration

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from regija.core.permissions import Actor

# What staff write; the rest (status, sequence, source) is the services'.
EDITABLE = [
    "organisation",
    "title",
    "title_en",
    "description",
    "description_en",
    "category",
    "place_name",
    "address",
    "latitude",
    "longitude",
    "online_url",
    "all_day",
    "starts_at",
    "ends_at",
    "public",
    "registration",
    "capacity",
]


def _check(event: Event) -> None:
    """The rules of an event's values, each refused with its field."""
    if not event.title.strip():
        raise Refused(_("Give the event a title."), field="title")
    for name, limit in (("title", TITLE_MAX), ("title_en", TITLE_MAX)):
        if len(getattr(event, name)) > limit:
            raise Refused(_("The title is too long: at most %(n)s characters.") % {"n": limit}, field=name)
    for name in ("description", "description_en"):
        if len(getattr(event, name)) > DESCRIPTION_MAX:
            raise Refused(
                _("The description is too long: at most %(n)s characters.") % {"n": DESCRIPTION_MAX},
                field=name,
            )
    if event.category not in Category.values:
        raise Refused(_("Choose one of the categories."), field="category")
    if event.ends_at < event.starts_at:
        raise Refused(_("The event cannot end before it starts."), field="ends_at")
    if event.ends_at - event.starts_at > dt.timedelta(days=366):
        raise Refused(_("An event lasts at most a year."), field="ends_at")
    if (event.latitude is None) != (event.longitude is None):
        raise Refused(_("Give both the latitude and the longitude, or neither."), field="latitude")
    if event.latitude is not None and not Decimal(-90) <= event.latitude <= Decimal(90):
        raise Refused(_("The latitude is between -90 and 90."), field="latitude")
    if event.longitude is not None and not Decimal(-180) <= event.longitude <= Decimal(180):
        raise Refused(_("The longitude is between -180 and 180."), field="longitude")
    if event.capacity is not None and event.capacity < 1:
        raise Refused(
            _("The number of places is at least 1 (leave it empty for no limit)."), field="capacity"
        )
    validate(event, [f for f in EDITABLE if f != "organisation"])


def _not_automatic(event: Event) -> None:
    if event.automatic:
        raise Conflict(
            _(
                "This event is made from another page (a session, a call …); change it there, and the event "
                "follows."
            )
        )


def event_create(user: Actor, *, organisation: Organisation, via: str, **values: Any) -> Event:
    """A new event of ``organisation`` (editors of it)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    event = Event(organisation=organisation, **values)
    require_permission(user, "change", event)
    _check(event)
    with audit.acting(user, via=via), transaction.atomic():
        event.modified_at = now()
        event.save()
    return event


def event_update(user: Actor, event: Event, *, via: str, **values: Any) -> Event:
    """Change an event's values; its revision (iCalendar SEQUENCE) goes up when anything changed."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    require_permission(user, "change", event)
    _not_automatic(event)
    with audit.acting(user, via=via), transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        changed = False
        for name, value in values.items():
            if getattr(event, name) != value:
                setattr(event, name, value)
                changed = True
        require_permission(user, "change", event)  # the new organisation too
        _check(event)
        if changed:
            event.sequence += 1
            event.modified_at = now()
            event.save()
    return event


def event_cancel(user: Actor, event: Event, *, via: str) -> Event:
    """Cancel an event: it stays on its page and in the feeds as cancelled (STATUS:CANCELLED)."""
    require_permission(user, "change", event)
    _not_automatic(event)
    if event.cancelled:
        raise Conflict(_("The event is already cancelled."))
    with audit.acting(user, via=via), transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        event.status = EventStatus.CANCELLED
        event.sequence += 1
        event.modified_at = now()
        event.save()
    return event


def event_restore(user: Actor, event: Event, *, via: str) -> Event:
    """Take a cancellation back."""
    require_permission(user, "change", event)
    _not_automatic(event)
    if not event.cancelled:
        raise Conflict(_("The event is not cancelled."))
    with audit.acting(user, via=via), transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        event.status = EventStatus.SCHEDULED
        event.sequence += 1
        event.modified_at = now()
        event.save()
    return event


# ------------------------------------------------------------------------------- people: registrations


def _person(user: User | AnonymousUser) -> User:
    if not user.is_authenticated or not user.is_active:
        raise Forbidden(_("Sign in to do this."))
    return user


def register(user: User | AnonymousUser, event: Event, *, language: str = "") -> Registration:
    """Register the person for the event: a public, scheduled event with registration, not started yet,
    with a place left. Registering twice is one registration."""
    person = _person(user)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        existing = Registration.objects.filter(event=event, user=person).first()
        if existing is not None:
            return existing
        if not event.public or not event.registration:
            raise Conflict(_("This event takes no registrations."))
        if event.cancelled:
            raise Conflict(_("The event is cancelled."))
        if event.starts_at <= timezone.now():
            raise Conflict(_("The event has already started; registration is closed."))
        if event.capacity is not None and Registration.objects.filter(event=event).count() >= event.capacity:
            raise Conflict(_("There are no places left."))
        try:
            with transaction.atomic():
                return Registration.objects.create(event=event, user=person, language=language[:5])
        except IntegrityError:  # the same person in another tab, at the same moment
            return Registration.objects.get(event=event, user=person)


def unregister(user: User | AnonymousUser, event: Event) -> bool:
    """Take the person's registration back; False when there was none."""
    person = _person(user)
    deleted, _rows = Registration.objects.filter(event=event, user=person).delete()
    return bool(deleted)


# ------------------------------------------------------------------------- people: followed calendars


def follow(
    user: User | AnonymousUser, organisation: Organisation, *, reminders: bool = False, language: str = ""
) -> Follow:
    """Follow an organisation's calendar (its public events join the person's feed); with ``reminders``
    an e-mail before each. Following again changes the choice of reminders."""
    person = _person(user)
    with transaction.atomic():
        row, _created = Follow.objects.update_or_create(
            user=person,
            organisation=organisation,
            defaults={"reminders": reminders, "language": language[:5]},
        )
    return row


def unfollow(user: User | AnonymousUser, organisation: Organisation) -> bool:
    person = _person(user)
    deleted, _rows = Follow.objects.filter(user=person, organisation=organisation).delete()
    return bool(deleted)


# ------------------------------------------------------------------------------------ the feed address


def feed_token(user: User | AnonymousUser) -> str:
    """The secret of the person's feed address, made the first time it is asked for."""
    person = _person(user)
    row = FeedToken.objects.filter(user=person).first()
    if row is not None:
        return row.token
    try:
        with transaction.atomic():
            row = FeedToken.objects.create(user=person, token=secrets.token_urlsafe(32))
    except IntegrityError:
        row = FeedToken.objects.get(user=person)
    return row.token


def feed_token_renew(user: User | AnonymousUser) -> str:
    """A new secret: the old address stops working at once."""
    person = _person(user)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        FeedToken.objects.update_or_create(user=person, defaults={"token": token, "created_at": now()})
    return token
