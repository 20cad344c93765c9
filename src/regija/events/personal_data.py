"""The calendar's part of a person's data (``accounts.personal_data``): the events they registered for,
the calendars they follow, whether they have a personal feed address (never its secret) and the reminders
sent to them. Deleting the account deletes all of it – none is of use without the person (a registration
taken back frees its place)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import FeedToken, Follow, Registration, Reminder

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(user: User) -> dict[str, Any]:
    registrations = Registration.objects.filter(user=user).select_related("event").order_by("pk")
    follows = Follow.objects.filter(user=user).select_related("organisation").order_by("pk")
    token = FeedToken.objects.filter(user=user).first()
    reminders = Reminder.objects.filter(user=user).select_related("event").order_by("pk")
    return {
        "registrations": [
            {
                "event": r.event_id,
                "title": r.event.title,
                "starts_at": _iso(r.event.starts_at),
                "registered_at": _iso(r.created_at),
                "language": r.language,
            }
            for r in registrations
        ],
        "follows": [
            {
                "organisation": f.organisation.name,
                "reminders": f.reminders,
                "language": f.language,
                "since": _iso(f.created_at),
            }
            for f in follows
        ],
        "personal_feed": {
            "exists": token is not None,
            "created_at": _iso(token.created_at) if token else None,
        },
        "reminders": [
            {"event": r.event_id, "title": r.event.title, "sent_at": _iso(r.sent_at)} for r in reminders
        ],
    }


def erase(user: User) -> None:
    Registration.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    FeedToken.objects.filter(user=user).delete()
    Reminder.objects.filter(user=user).delete()
