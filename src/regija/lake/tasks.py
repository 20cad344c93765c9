"""The lake's background jobs (Huey): scheduled refreshes of copied datasets, and publishing Regija's own
data after its public data changed."""

from __future__ import annotations

import threading

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_task

from regija.core import jobs

from .models import Dataset, Distribution, Kind, Refresh, Status


@db_task()
def refresh_dataset(dataset_id: int) -> int | None:
    """Fetch one dataset's source again; the number of the new version, if any."""
    dataset = Dataset.objects.filter(pk=dataset_id, kind=Kind.COPY).first()
    if dataset is None:
        return None
    jobs.describe(str(_("Refresh of dataset %(slug)s") % {"slug": dataset.slug}))
    from .services import refresh

    version = refresh(dataset)
    return version.number if version else None


@jobs.periodic(
    crontab(minute="*/5"),
    description=_("Refresh the copied datasets whose time has come"),
    schedule=_("every 5 minutes"),
)
def refresh_due() -> int:
    """Queue a refresh of every dataset due; how many."""
    due = list(
        Dataset.objects.filter(kind=Kind.COPY, next_refresh_at__lte=timezone.now())
        .exclude(refresh=Refresh.NEVER)
        .values_list("pk", flat=True)
    )
    for pk in due:
        refresh_dataset(pk)
    return len(due)


# --- the link checker -------------------------------------------------------------------------------


@db_task()
def check_dataset_links(dataset_id: int) -> int:
    """Visit one linked dataset's source address (after it was added or changed); how many answered."""
    from .services import check_links

    jobs.describe(str(_("Check of the source address of dataset %(id)s") % {"id": dataset_id}))
    return check_links(Distribution.objects.filter(dataset_id=dataset_id).exclude(access_url=""))


@jobs.periodic(
    crontab(minute="30", hour="3"),
    description=_("Check the source addresses of the linked datasets"),
    schedule=_("every day at 3.30"),
)
def check_links() -> int:
    """Visit the source address of every published linked dataset (data.europa.eu's MQA counts an
    address as accessible when it answers); how many answered."""
    from .services import check_links as check

    return check(
        Distribution.objects.filter(dataset__status=Status.PUBLISHED).exclude(access_url="").order_by("pk")
    )


# --- Regija's own data ------------------------------------------------------------------------------

PUBLISH_DELAY = 60  # seconds: changes within a minute are published together, at most once a minute
_SCHEDULED = "regija:lake:own-data-scheduled"
_publishing = threading.local()


@db_task()
def publish_own_data_task() -> int:
    """Refresh Regija's own datasets from the database; how many got a new version."""
    jobs.describe(str(_("Publish Regija's own data")))
    from .own import publish_own_data

    _publishing.active = True
    try:
        return sum(1 for p in publish_own_data() if p.version is not None)
    finally:
        _publishing.active = False


def schedule_publish() -> None:
    """Queue ``publish_own_data_task`` a minute from now, unless it is queued already (debounced through
    the cache, which every process shares); the changes the task itself makes to the lake do not queue it
    again. Called after every committed change to public data (``core.caching.on_data_change``)."""
    if getattr(_publishing, "active", False):
        return
    if publish_slot_free():
        publish_own_data_task.schedule(delay=PUBLISH_DELAY)


def publish_slot_free() -> bool:
    """Whether no publishing is queued yet for the coming minute (and take the slot if so)."""
    return bool(cache.add(_SCHEDULED, 1, PUBLISH_DELAY))
