"""The broker's background jobs (Huey): delivering a subscription's notification after the commit of
the change it reports (docs/context.md, "Subscriptions"), and the previous day's history published in
the lake."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_task

from regija.core import jobs

from . import jsonld
from . import subscriptions as subs
from .models import Subscription


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@db_task()
def notify(subscription_pk: int, entities: list[dict[str, Any]]) -> str:
    """Send one Notification (clause 5.3.1) of these entities to the subscription's endpoint, unless it
    was paused, expired or deleted since, or its ``throttling`` period since the last notification has
    not passed (then the notification is dropped, as clause 5.2.12 has it). The outcome is counted:
    ``timesSent`` and ``lastNotification`` on every attempt, ``lastSuccess``, or ``timesFailed``,
    ``lastFailure`` and a short reason. Returns what happened (for the jobs page)."""
    now = timezone.now()
    subscription = Subscription.objects.filter(pk=subscription_pk).first()
    if subscription is None or subs.status(subscription, now) != "active":
        return "skipped"
    due = Q(last_notification__isnull=True)
    if subscription.throttling:
        due |= Q(last_notification__lte=now - dt.timedelta(seconds=subscription.throttling))
    else:
        due = Q()
    # one UPDATE decides, so two workers never both send within the throttling period
    claimed = Subscription.objects.filter(due, pk=subscription.pk).update(
        last_notification=now, times_sent=F("times_sent") + 1
    )
    if not claimed:
        return "throttled"
    try:
        subs.deliver(subscription, subs.notification(subscription, entities, _stamp(now)))
    except (subs.DeliveryFailed, jsonld.ContextNotAvailable, jsonld.InvalidContext) as failure:
        Subscription.objects.filter(pk=subscription.pk).update(
            times_failed=F("times_failed") + 1, last_failure=now, last_failure_reason=str(failure)[:500]
        )
        return f"failed: {failure}"
    Subscription.objects.filter(pk=subscription.pk).update(last_success=now)
    return "sent"


@jobs.periodic(
    crontab(minute="20", hour="0"),
    description=_("Publish the previous day's history of the context broker in the lake"),
    schedule=_("every day at 0.20"),
)
def publish_history() -> int:
    """Yesterday's (UTC) history as a new version of each entity type's dataset; how many got one."""
    from .history import publish_day

    yesterday = timezone.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
    return sum(1 for p in publish_day(yesterday) if p.version is not None)


@jobs.periodic(
    crontab(minute="40", hour="0"),
    description=_("Recompute the indicators fed from context data"),
    schedule=_("every day at 0.40"),
)
def recompute_indicator_feeds() -> int:
    """Every indicator fed from the broker's history recomputed; how many observations were written."""
    from .services import recompute_feeds

    return recompute_feeds()
