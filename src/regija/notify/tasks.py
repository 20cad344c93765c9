"""Huey jobs of notifications: sending batches of e-mails, pushes and webhook events, an alert's fan-out
(queued with ``priority=ALERT_PRIORITY``, ahead of the rest),
the daily (07:00) and weekly (Monday 07:00) digests, Europe/Ljubljana time, and retries of failed
deliveries every minute."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from regija.core import jobs

from . import delivery
from .models import Alert, Channel, Delivery, DeliveryStatus, EmailMode

LJUBLJANA = ZoneInfo("Europe/Ljubljana")
DIGEST_HOUR = 7
ALERT_PRIORITY = 100


@db_task()
def send_emails(ids: list[int]) -> tuple[int, int]:
    return delivery.send_emails(ids)


@db_task()
def send_pushes(ids: list[int]) -> tuple[int, int]:
    return delivery.send_pushes(ids)


@db_task()
def send_webhooks(ids: list[int]) -> tuple[int, int]:
    return delivery.send_webhooks(ids)


def send_one(pk: int, channel: str) -> None:
    {Channel.EMAIL: send_emails, Channel.PUSH: send_pushes, Channel.WEBHOOK: send_webhooks}[channel]([pk])


@db_task(priority=ALERT_PRIORITY)
def alert_fan_out(alert_id: int) -> int:
    """Everyone following the alert's area hears of it (notifications and deliveries queued)."""
    from .services import send_alert

    alert = Alert.objects.select_related("area").filter(pk=alert_id).first()
    if alert is None:
        return 0
    jobs.describe(str(_("Alert %(title)s") % {"title": alert.title_sl}))
    return send_alert(alert)


def _local(moment: dt.datetime) -> dt.datetime:
    """Huey's moment (naive UTC) in Ljubljana."""
    return moment.replace(tzinfo=dt.UTC).astimezone(LJUBLJANA)


def daily_due(moment: dt.datetime) -> bool:
    local = _local(moment)
    return local.hour == DIGEST_HOUR and local.minute == 0


def weekly_due(moment: dt.datetime) -> bool:
    return daily_due(moment) and _local(moment).weekday() == 0


def send_digests(period: str) -> int:
    """Build the digests of ``period`` and queue them in batches; how many."""
    ids = delivery.build_digests(period)
    for i in range(0, len(ids), 500):
        send_emails(ids[i : i + 500])
    return len(ids)


@jobs.periodic(
    daily_due, description=_("Send the daily digests of notifications"), schedule=_("every day at 7:00")
)
def daily_digest() -> int:
    return send_digests(EmailMode.DAILY)


@jobs.periodic(
    weekly_due, description=_("Send the weekly digests of notifications"), schedule=_("Mondays at 7:00")
)
def weekly_digest() -> int:
    return send_digests(EmailMode.WEEKLY)


def retry_due_deliveries() -> int:
    """Queue again every failed delivery whose back-off has passed; how many."""
    due = list(
        Delivery.objects.filter(
            status=DeliveryStatus.FAILED, next_attempt_at__lte=timezone.now()
        ).values_list("pk", "channel")[:5000]
    )
    by_channel: dict[str, list[int]] = {}
    for pk, channel in due:
        by_channel.setdefault(channel, []).append(pk)
    Delivery.objects.filter(pk__in=[pk for pk, _c in due]).update(status=DeliveryStatus.QUEUED)
    task = {Channel.EMAIL: send_emails, Channel.PUSH: send_pushes, Channel.WEBHOOK: send_webhooks}
    for channel, ids in by_channel.items():
        for i in range(0, len(ids), 500):
            task[channel](ids[i : i + 500])
    return len(due)


@jobs.periodic(
    lambda moment: True, description=_("Retry failed deliveries of notifications"), schedule=_("every minute")
)
def retry_deliveries() -> int:
    alerts_changed()
    return retry_due_deliveries()


def alerts_changed() -> bool:
    """An alert began or ended within the last minute: cached pages (their banners) are made stale."""
    from django.db.models import Q

    from .selectors import forget_alerts

    moment = timezone.now()
    since = moment - dt.timedelta(minutes=1, seconds=5)
    changed = Alert.objects.filter(
        Q(starts_at__gt=since, starts_at__lte=moment) | Q(ends_at__gt=since, ends_at__lte=moment)
    ).exists()
    if changed:
        forget_alerts()
    return changed
