"""What the pages and the API read: a person's notifications and subscriptions, the alerts shown as
banners, the delivery log for staff."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.utils import timezone

from regija.core import caching

from . import topics
from .models import Alert, Delivery, DeliveryStatus, Notification, Subscription

if TYPE_CHECKING:
    from regija.core.permissions import Actor

ALERTS_KEY = "regija:notify:alerts"
ALERTS_SECONDS = 60


def notifications(user: Actor) -> QuerySet[Notification]:
    """The person's in-app list, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk, shown=True).order_by("-created_at", "-pk")


_PERSONAL = "_regija_notify_personal"


def personal(user: Actor) -> tuple[int, int, int, int]:
    """(newest notification, unread in the list, newest subscription, subscriptions) of a signed-in
    person, in one query, kept on the user object for the request: the header's unread count and the
    pages' ETag (``personal_stamp``) read it."""
    cached: tuple[int, int, int, int] | None = getattr(user, _PERSONAL, None)
    if cached is None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT (SELECT MAX(id) FROM notify_notification WHERE user_id = %s),
                          (SELECT COUNT(*) FROM notify_notification
                           WHERE user_id = %s AND shown = %s AND read_at IS NULL),
                          (SELECT MAX(id) FROM notify_subscription WHERE user_id = %s),
                          (SELECT COUNT(*) FROM notify_subscription WHERE user_id = %s)""",
                [user.pk, user.pk, True, user.pk, user.pk],
            )
            row = cursor.fetchone()
        cached = (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))
        setattr(user, _PERSONAL, cached)
    return cached


def forget_personal(user: Actor) -> None:
    if hasattr(user, _PERSONAL):
        delattr(user, _PERSONAL)


def personal_stamp(user: Actor) -> str:
    """What a signed-in person's pages show of notify (the unread count, follow buttons), as a stamp."""
    return "n{}.{}s{}.{}".format(*personal(user))


def unread_count(user: Actor | None) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return personal(user)[1]


def subscriptions(user: Actor) -> list[Subscription]:
    """The person's subscriptions, each with its topic (``.topic_obj``) – one query per kind of topic."""
    if not user.is_authenticated:
        return []
    subs = list(Subscription.objects.filter(user_id=user.pk).order_by("content_type_id", "pk"))
    by_type: dict[int, list[int]] = {}
    for s in subs:
        by_type.setdefault(s.content_type_id, []).append(s.object_id)
    objects: dict[tuple[int, int], Model] = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            objects[(ct_id, int(obj.pk))] = obj
    for s in subs:
        s.topic_obj = objects.get((s.content_type_id, s.object_id))  # type: ignore[attr-defined]
        s.topic_url = topics.url_of(s.topic_obj)  # type: ignore[attr-defined]
    return [s for s in subs if s.topic_obj is not None]  # type: ignore[attr-defined]


def subscription_for(user: Actor | None, topic: Model) -> Subscription | None:
    if user is None or not user.is_authenticated:
        return None
    ct, oid = topics.key(topic)
    return Subscription.objects.filter(user_id=user.pk, content_type_id=ct, object_id=oid).first()


def _alerts_cached() -> list[dict[str, Any]]:
    version = caching.current()
    rows: list[dict[str, Any]] | None = cache.get(ALERTS_KEY, version=version)
    if rows is None:
        moment = timezone.now()
        rows = [
            {
                "pk": a.pk,
                "title_sl": a.title_sl,
                "title_en": a.title_en,
                "body_sl": a.body_sl,
                "body_en": a.body_en,
                "severity": a.severity,
                "area": str(a.area),
                "area_url": a.area.get_absolute_url(),
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
            }
            for a in Alert.objects.filter(cancelled_at__isnull=True)
            .exclude(ends_at__lte=moment)
            .select_related("area")
            .order_by("-severity", "-starts_at")[:20]
        ]
        cache.set(ALERTS_KEY, rows, ALERTS_SECONDS, version=version)
    return rows


def forget_alerts() -> None:
    """Make every cached page and the cached banners stale (an alert issued, cancelled, begun or ended):
    the data version is raised once the transaction commits."""
    caching.bump()


SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def active_alerts(language: str) -> list[dict[str, Any]]:
    """The alerts to show as banners now, most severe first, in ``language`` (kept per data version for a
    minute)."""
    moment = timezone.now()
    shown = []
    for row in _alerts_cached():
        if row["starts_at"] > moment or (row["ends_at"] is not None and row["ends_at"] <= moment):
            continue
        en = language == "en"
        shown.append(
            {
                **row,
                "title": (row["title_en"] if en and row["title_en"] else row["title_sl"]),
                "body": (row["body_en"] if en and row["body_en"] else row["body_sl"]),
            }
        )
    shown.sort(key=lambda r: SEVERITY_ORDER.get(r["severity"], 3))
    return shown


def alerts_for_staff(organisation_ids: list[int] | None) -> QuerySet[Alert]:
    """Alerts issued by these municipalities (all for None), newest first."""
    qs = Alert.objects.select_related("area", "organisation").order_by("-starts_at", "-pk")
    return qs if organisation_ids is None else qs.filter(organisation_id__in=organisation_ids)


def problem_deliveries() -> QuerySet[Delivery]:
    """Failed (to be retried) and given-up deliveries, newest first, for the staff's delivery log."""
    return (
        Delivery.objects.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP])
        .select_related("user", "notification", "webhook")
        .order_by("-created_at", "-pk")
    )
