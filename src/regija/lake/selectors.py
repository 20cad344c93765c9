"""Reads of the catalogue: which datasets a user sees, and where a version's data is for a query."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from regija.core import permissions

from .models import Column, Dataset, Distribution, Status, Version
from .storage import lake

if TYPE_CHECKING:
    from regija.core.permissions import Actor


def visible_datasets(user: Actor | None) -> QuerySet[Dataset]:
    """The datasets this user may read: published and not private for everyone; drafts and private ones
    for the publisher's members (and superusers)."""
    qs = Dataset.objects.select_related("publisher", "current")
    return permissions.visible(user, qs)


def published() -> QuerySet[Dataset]:
    """Datasets everyone reads (catalogue exports, harvesters)."""
    return Dataset.objects.filter(status=Status.PUBLISHED, private=False).select_related(
        "publisher", "current"
    )


def with_details(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Each dataset with its columns, distributions and spatial coverage in a fixed number of queries."""
    return qs.prefetch_related(
        Prefetch("columns", queryset=Column.objects.order_by("position")),
        Prefetch("distributions", queryset=Distribution.objects.order_by("position")),
        "spatial",
    )


def dataset_for(user: Actor | None, slug: str) -> Dataset:
    """One dataset by slug (or its identifier) that this user may read; ``Dataset.DoesNotExist`` otherwise."""
    qs = with_details(visible_datasets(user))
    try:
        return qs.get(slug=slug)
    except Dataset.DoesNotExist:
        import uuid

        try:
            return qs.get(uuid=uuid.UUID(slug))
        except ValueError:
            raise Dataset.DoesNotExist from None


def versions(dataset: Dataset) -> QuerySet[Version]:
    return dataset.versions.select_related("created_by").order_by("-number")


def version_file(version: Version) -> Path:
    """A local path of the version's Parquet file (from the lake's cache when the lake is remote)."""
    return lake().local(version.key)


def editable_datasets(user: Actor) -> QuerySet[Dataset]:
    """The datasets this user may change (staff pages)."""
    return permissions.editable(user, Dataset.objects.select_related("publisher", "current"))
