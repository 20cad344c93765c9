"""The lake's background jobs (Huey): scheduled refreshes of copied datasets."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_task

from regija.core import jobs

from .models import Dataset, Kind, Refresh


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
