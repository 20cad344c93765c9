"""Reads of the catalogue: which datasets a user sees, and where a version's data is for a query."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet

from regija.core import permissions
from regija.core.models import Organisation
from regija.search.selectors import MAX_WORDS
from regija.search.text import Analyzer, query_terms, query_words

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


# ------------------------------------------------------------------------ catalogue search (CKAN API)


def catalogue(user: Actor | None, *, include_private: bool) -> QuerySet[Dataset]:
    """What a catalogue search lists: the published, public datasets – and, with ``include_private``
    (CKAN's flag), also the drafts and private datasets this user's organisations publish."""
    return visible_datasets(user) if include_private else published()


@dataclass(frozen=True)
class Facts:
    """What a catalogue search filters, sorts and counts by, for one dataset (one row, no details)."""

    pk: int
    uuid: str
    slug: str
    title: str
    publisher: str  # the publisher's slug
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    licence: str
    private: bool
    draft: bool
    created: dt.datetime
    modified: dt.datetime
    formats: frozenset[str]


def catalogue_facts(qs: QuerySet[Dataset]) -> list[Facts]:
    """The facts of every dataset of ``qs``, in two queries whatever their number."""
    formats: dict[int, set[str]] = {}
    for dataset_id, fmt in Distribution.objects.filter(dataset__in=qs.values("pk")).values_list(
        "dataset_id", "format"
    ):
        formats.setdefault(dataset_id, set()).add(fmt)
    rows = qs.values_list(
        "pk",
        "uuid",
        "slug",
        "title",
        "publisher__slug",
        "keywords",
        "themes",
        "licence",
        "private",
        "status",
        "created_at",
        "modified",
    )
    facts = []
    for (
        pk,
        uid,
        slug,
        title,
        publisher,
        keywords,
        themes,
        licence,
        private,
        status,
        created,
        modified,
    ) in rows:
        facts.append(
            Facts(
                pk=pk,
                uuid=str(uid),
                slug=slug,
                title=title,
                publisher=publisher,
                keywords=tuple(str(k) for k in keywords or ()),
                themes=tuple(str(t) for t in themes or ()),
                licence=licence,
                private=private,
                draft=status != Status.PUBLISHED,
                created=created,
                modified=modified,
                formats=frozenset(formats.get(pk, ())),
            )
        )
    return facts


# How much a query word found in each part of a dataset counts (as in the search index: title first).
SEARCH_WEIGHTS = {"title": 8, "keywords": 4, "publisher": 2, "description": 1, "columns": 1}
_analyzer = Analyzer(max_cached=50_000)


def dataset_search_ids(q: str, qs: QuerySet[Dataset] | None = None) -> dict[int, int]:
    """The datasets (of ``qs``, else all) that match every word of ``q``, as id → score.

    Words are matched the way Regija's search matches them: Slovenian lemmas, ASCII-folded ("občinah"
    meets "obcina"), stop words dropped; a word found in the title (sl or en) weighs most, then the
    keywords, the publisher, the description and the column names. Two queries, whatever the number of
    datasets: the text of each is read and lemmatised here (with a per-process cache of words). When the
    search index covers datasets, this function is what to point at it.
    """
    words = query_words(q, MAX_WORDS)
    if not words:
        return {}
    wanted = [query_terms(word, is_code) for word, is_code in words]
    qs = Dataset.objects.all() if qs is None else qs
    columns: dict[int, list[str]] = {}
    for dataset_id, name, title in Column.objects.filter(dataset__in=qs.values("pk")).values_list(
        "dataset_id", "name", "title"
    ):
        columns.setdefault(dataset_id, []).extend((name.replace("_", " "), title))
    rows = qs.values_list(
        "pk",
        "title",
        "title_en",
        "description",
        "description_en",
        "keywords",
        "keywords_en",
        "publisher__name",
    )
    found: dict[int, int] = {}
    for pk, title, title_en, description, description_en, keywords, keywords_en, publisher in rows:
        weights = _analyzer.weighted_terms(
            [
                (f"{title} {title_en}", SEARCH_WEIGHTS["title"]),
                (
                    " ".join(str(k) for k in [*(keywords or ()), *(keywords_en or ())]),
                    SEARCH_WEIGHTS["keywords"],
                ),
                (publisher, SEARCH_WEIGHTS["publisher"]),
                (f"{description} {description_en}", SEARCH_WEIGHTS["description"]),
                (" ".join(columns.get(pk, ())), SEARCH_WEIGHTS["columns"]),
            ]
        )
        score = 0
        for terms in wanted:
            best = max((weights.get(t, 0) for t in terms), default=0)
            if not best:
                break
            score += best
        else:
            found[pk] = score
    return found


def datasets_in_order(ids: Sequence[int]) -> list[Dataset]:
    """The datasets with these ids, in this order, with everything a CKAN package shows: a fixed number
    of queries for a page of any size."""
    by_id = {
        d.pk: d
        for d in with_details(Dataset.objects.select_related("publisher", "current")).filter(pk__in=ids)
    }
    return [by_id[i] for i in ids if i in by_id]


def distribution_for(user: Actor | None, identifier: str) -> Distribution:
    """A distribution (CKAN's resource) by its identifier, of a dataset this user may read;
    ``Distribution.DoesNotExist`` when there is none, ``PermissionError`` when the user may not read it."""
    try:
        key = uuid.UUID(identifier)
    except ValueError:
        raise Distribution.DoesNotExist from None
    found = Distribution.objects.select_related("dataset__publisher", "dataset__current").get(uuid=key)
    if not visible_datasets(user).filter(pk=found.dataset_id).exists():
        raise PermissionError(identifier)
    return found


def distributions_for(user: Actor | None, identifiers: Iterable[str]) -> dict[str, Distribution]:
    """Of these identifiers, those naming a distribution of a dataset this user may read (one query)."""
    keys: dict[uuid.UUID, str] = {}
    for identifier in identifiers:
        try:
            keys[uuid.UUID(identifier)] = identifier
        except ValueError:
            continue
    readable = visible_datasets(user).values("pk")
    found = Distribution.objects.select_related("dataset__current").filter(
        uuid__in=keys, dataset__in=readable
    )
    return {keys[d.uuid]: d for d in found}


def publishers(user: Actor | None, *, include_private: bool = False) -> QuerySet[Organisation]:
    """The organisations that publish datasets this user reads, each with ``dataset_count``."""
    counted = catalogue(user, include_private=include_private)
    return (
        Organisation.objects.filter(datasets__in=counted.values("pk"))
        .annotate(dataset_count=Count("datasets", filter=Q(datasets__in=counted.values("pk"))))
        .order_by("slug")
    )
