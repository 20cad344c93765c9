"""API of notifications (/api/v1/): a person's notifications, subscriptions and browsers for web push
(their own only, with a personal token or the signed-in session), and alerts – active ones are public,
issued by the staff of the area's municipality. Writes go through ``notify.services``."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import StrictInt

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, Error, not_found, refusals, write_responses
from regija.api.schemas import Input
from regija.core.models import Organisation

from . import selectors, services, topics
from .models import Alert, Severity, Subscription

router = Router(tags=["notifications"])
AUTH = [token_auth, django_auth]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    priority: bool
    created_at: dt.datetime
    read_at: dt.datetime | None


class ReadIn(Input):
    ids: list[StrictInt] | None  # null: every unread one


class ReadOut(Schema):
    marked: int


class SubscriptionIn(Input):
    topic_type: str  # core.organisation, strategies.strategy, calls.call, …
    topic_id: str  # id, or slug where the model has one
    email: str | None = None  # off, immediate, daily, weekly
    in_app: bool | None = None
    push: bool | None = None


class SubscriptionOut(Schema):
    id: int
    topic_type: str
    topic_id: int
    topic: str
    email: str
    in_app: bool
    push: bool


class AlertIn(Input):
    area: str  # slug of a municipality or local community
    title_sl: str
    title_en: str = ""
    body_sl: str = ""
    body_en: str = ""
    severity: str = Severity.WARNING
    ends_at: dt.datetime | None = None


class AlertOut(Schema):
    id: int
    area: str
    title: str
    body: str
    severity: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None


class PushIn(Input):
    endpoint: str
    p256dh: str
    auth: str
    user_agent: str = ""


class PushOut(Schema):
    id: int


@router.get(
    "/notifications",
    response={200: list[NotificationOut], 401: Error, **READ_RESPONSES},
    auth=AUTH,
    url_name="notify_notifications",
)
def list_notifications(request, unread: bool = False, limit: int = 50):
    qs = selectors.notifications(request.user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return list(qs[: max(1, min(limit, 200))])


@router.post(
    "/notifications/read", response=write_responses({200: ReadOut}), auth=AUTH, url_name="notify_read"
)
def read_notifications(request, payload: ReadIn):
    with refusals():
        return {"marked": services.mark_read(request.user, payload.ids)}


def _sub_out(s: Subscription) -> dict:
    return {
        "id": s.pk,
        "topic_type": topics.label_of(s.topic_obj),
        "topic_id": s.object_id,
        "topic": str(s.topic_obj),
        "email": s.email,
        "in_app": s.in_app,
        "push": s.push,
    }


@router.get(
    "/subscriptions",
    response={200: list[SubscriptionOut], 401: Error, **READ_RESPONSES},
    auth=AUTH,
    url_name="notify_subscriptions",
)
def list_subscriptions(request):
    return [_sub_out(s) for s in selectors.subscriptions(request.user)]


@router.post(
    "/subscriptions", response=write_responses({200: SubscriptionOut}), auth=AUTH, url_name="notify_follow"
)
def follow(request, payload: SubscriptionIn):
    topic = topics.by_label(payload.topic_type, payload.topic_id)
    if topic is None:
        raise not_found(payload.topic_type, payload.topic_id)
    with refusals():
        sub = services.follow(
            request.user, topic, email=payload.email, in_app=payload.in_app, push=payload.push, via="api"
        )
    sub.topic_obj = topic  # type: ignore[attr-defined]
    return _sub_out(sub)


@router.delete(
    "/subscriptions/{sub_id}", response=write_responses({204: None}), auth=AUTH, url_name="notify_unfollow"
)
def unfollow(request, sub_id: int):
    sub = Subscription.objects.filter(pk=sub_id, user_id=request.user.pk).first()
    topic = topics.resolve(sub.content_type_id, sub.object_id) if sub else None
    if sub is None or topic is None:
        raise not_found("subscription", str(sub_id))
    with refusals():
        services.unfollow(request.user, topic, via="api")
    return 204, None


@router.get("/alerts", response={200: list[AlertOut], **READ_RESPONSES}, url_name="notify_alerts")
def active_alerts(request, language: str = "sl"):
    """The alerts shown as banners now."""
    return [
        {
            "id": a["pk"],
            "area": a["area"],
            "title": a["title"],
            "body": a["body"],
            "severity": a["severity"],
            "starts_at": a["starts_at"],
            "ends_at": a["ends_at"],
        }
        for a in selectors.active_alerts(language)
    ]


@router.post(
    "/alerts", response=write_responses({201: AlertOut}), auth=token_auth, url_name="notify_alert_issue"
)
def issue_alert(request, payload: AlertIn):
    area = Organisation.objects.filter(slug=payload.area).first()
    if area is None:
        raise not_found("area", payload.area)
    with refusals():
        alert: Alert = services.issue_alert(
            request.user,
            area,
            title_sl=payload.title_sl,
            title_en=payload.title_en,
            body_sl=payload.body_sl,
            body_en=payload.body_en,
            severity=payload.severity,
            ends_at=payload.ends_at,
            via="api",
        )
    return 201, {
        "id": alert.pk,
        "area": str(area),
        "title": alert.title_sl,
        "body": alert.body_sl,
        "severity": alert.severity,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
    }


@router.post(
    "/push-subscriptions", response=write_responses({201: PushOut}), auth=AUTH, url_name="notify_push_add"
)
def add_push(request, payload: PushIn):
    with refusals():
        sub = services.add_push_subscription(
            request.user,
            endpoint=payload.endpoint,
            p256dh=payload.p256dh,
            auth=payload.auth,
            user_agent=payload.user_agent or request.headers.get("User-Agent", ""),
        )
    return 201, {"id": sub.pk}
