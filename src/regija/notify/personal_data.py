"""Notify's part of a person's data (accounts.personal_data): what they follow and on which channels,
their preference for notices about their applications, their notifications, the browsers they allowed
to receive push messages, and the record of what was sent to them. On deleting the account all of it
goes: none of it is of use without the person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import topics
from .models import Delivery, Notification, Preference, PushSubscription, Subscription

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def export(user: User) -> dict[str, Any]:
    subscriptions = []
    for s in Subscription.objects.filter(user=user).select_related("content_type").order_by("pk"):
        topic = topics.resolve(s.content_type_id, s.object_id)
        subscriptions.append(
            {
                "topic": f"{s.content_type.app_label}.{s.content_type.model}",
                "topic_id": s.object_id,
                "topic_name": str(topic) if topic is not None else None,
                "email": s.email,
                "in_app": s.in_app,
                "push": s.push,
                "created_at": _iso(s.created_at),
            }
        )
    preference = Preference.objects.filter(user=user).first()
    return {
        "subscriptions": subscriptions,
        "email_about_my_applications": preference.direct_email if preference is not None else True,
        "notifications": [
            {
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "url": n.url,
                "attachments": [f.name for f in n.attachments.all()],
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in Notification.objects.filter(user=user)
            .order_by("created_at", "pk")
            .prefetch_related("attachments")
        ],
        "push_browsers": [
            {"endpoint": p.endpoint, "browser": p.user_agent, "created_at": _iso(p.created_at)}
            for p in PushSubscription.objects.filter(user=user).order_by("pk")
        ],
        "deliveries": [
            {
                "channel": d.channel,
                "digest": d.digest,
                "status": d.status,
                "attempts": d.attempts,
                "created_at": _iso(d.created_at),
                "sent_at": _iso(d.sent_at),
            }
            for d in Delivery.objects.filter(user=user).order_by("pk")
        ],
    }


def erase(user: User) -> None:
    Delivery.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    Subscription.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
    Preference.objects.filter(user=user).delete()
