"""The broker's background jobs (Huey): delivering a subscription's notification after the commit of
the change it reports (docs/context.md, "Subscriptions")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

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
