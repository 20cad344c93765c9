"""Reads of the catalogue: which datasets a user sees, and where a version's data is for a query."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet

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


class CataloguePage(NamedTuple):
    datasets: list[Dataset]
    total: int  # datasets matching in all pages
    modified: dt.datetime | None  # when the catalogue last changed
    issued: dt.datetime | None  # when its first dataset was published


def catalogue_page(offset: int, limit: int, modified_since: dt.datetime | None = None) -> CataloguePage:
    """One page of the public catalogue for harvesters (DCAT-AP): the datasets, ordered by slug, with their
    distributions and spatial coverage, how many match in all, and when the catalogue began and last
    changed. Four queries whatever the page holds."""
    qs = published()
    if modified_since is not None:
        qs = qs.filter(modified__gte=modified_since)
    totals = published().aggregate(
        matching=Count("pk", filter=Q(modified__gte=modified_since)) if modified_since else Count("pk"),
        last=Max("modified"),
        first=Min("issued"),
    )
    page = list(
        qs.order_by("slug").prefetch_related(
            Prefetch("distributions", queryset=Distribution.objects.order_by("position")),
            "spatial",
        )[offset : offset + limit]
    )
    return CataloguePage(page, totals["matching"], totals["last"], totals["first"])


def public_dataset(slug: str) -> Dataset:
    """A dataset everyone may read, by slug or identifier; ``Dataset.DoesNotExist`` otherwise (drafts and
    private datasets too, whoever asks: the DCAT-AP output is for everyone)."""
    import uuid

    qs = published().prefetch_related(
        Prefetch("distributions", queryset=Distribution.objects.order_by("position")), "spatial"
    )
    try:
        return qs.get(slug=slug)
    except Dataset.DoesNotExist:
        try:
            return qs.get(uuid=uuid.UUID(slug))
        except ValueError:
            raise Dataset.DoesNotExist from None
