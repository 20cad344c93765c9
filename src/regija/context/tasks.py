"""The broker's background jobs (Huey): the previous day's history published in the lake."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab

from regija.core import jobs


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
