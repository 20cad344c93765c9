"""The broker's background jobs (Huey): delivering a subscription's notification after the commit of
the change it reports, and a periodic subscription's every ``timeInterval`` (docs/context.md,
"Subscriptions"), and the previous day's history published in the lake."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_task

from regija.core import jobs

from . import jsonld, selectors
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
    return _send(subscription, entities, now)


def _send(subscription: Subscription, entities: list[dict[str, Any]], now: dt.datetime) -> str:
    """Deliver one notification of these entities and count the outcome (the attempt is counted)."""
    try:
        subs.deliver(subscription, subs.notification(subscription, entities, _stamp(now)))
    except (subs.DeliveryFailed, jsonld.ContextNotAvailable, jsonld.InvalidContext) as failure:
        Subscription.objects.filter(pk=subscription.pk).update(
            times_failed=F("times_failed") + 1, last_failure=now, last_failure_reason=str(failure)[:500]
        )
        return f"failed: {failure}"
    Subscription.objects.filter(pk=subscription.pk).update(last_success=now)
    return "sent"


# a periodic notification's task may run this much before the moment it was scheduled for (the
# scheduler's clock and the database's); a task later than its moment runs late, never twice
_EARLY = dt.timedelta(seconds=0.5)


@db_task()
def notify_periodic(subscription_pk: int) -> str:
    """One period of a periodic subscription (``timeInterval``, clause 5.2.12): a Notification of every
    entity it selects (its entities, q and geoQ; at most ``selectors.MAX_LIMIT``), sent whatever
    changed, and the next period scheduled. The subscription's ``next_notification`` is the moment due:
    one conditional UPDATE claims the period and moves it on, so a task scheduled for a moment since
    moved (the subscription changed, or ``restart_periodic`` started the chain again) does nothing and
    ends its chain – one chain runs per subscription. A paused, expired or deleted subscription ends it;
    an update that makes it active again starts a new one. No entity selected: nothing is sent."""
    now = timezone.now()
    subscription = Subscription.objects.select_related("organisation").filter(pk=subscription_pk).first()
    if subscription is None or not subscription.time_interval or subs.status(subscription, now) != "active":
        return "stopped"
    following = now + dt.timedelta(seconds=subscription.time_interval)
    claimed = Subscription.objects.filter(
        pk=subscription.pk, next_notification__isnull=False, next_notification__lte=now + _EARLY
    ).update(next_notification=following)
    if not claimed:
        return "not due"
    notify_periodic.schedule((subscription.pk,), eta=following)
    found, _ = selectors.entities(
        subscription.organisation,
        any_of=subs.entity_selectors(subscription),
        q=subs.q_of(subscription),
        geo=subs.geo_query_of(subscription),
        limit=selectors.MAX_LIMIT,
    )
    if not found:
        return "nothing selected"
    Subscription.objects.filter(pk=subscription.pk).update(
        last_notification=now, times_sent=F("times_sent") + 1
    )
    return _send(subscription, [subs.periodic_snapshot(e, _stamp) for e in found], now)


@jobs.periodic(
    lambda moment: True,
    description=_("Restart the periodic notifications of NGSI-LD subscriptions that are overdue"),
    schedule=_("every minute"),
)
def restart_periodic() -> int:
    """Every active periodic subscription whose period is overdue by more than a minute (its task lost,
    say, with a worker stopped mid-run) is notified now and its chain goes on from there; how many."""
    now = timezone.now()
    overdue = Subscription.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        time_interval__isnull=False,
        is_active=True,
        next_notification__lt=now - dt.timedelta(minutes=1),
    ).values_list("pk", flat=True)[:1000]
    pks = list(overdue)
    for pk in pks:
        notify_periodic(pk)
    return len(pks)


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
