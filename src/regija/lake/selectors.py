"""Reads of the catalogue: which datasets a user sees, and where a version's data is for a query."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet

from regija.core import permissions
from regija.core.models import Organisation
from regija.search import text
from regija.search.models import Kind as SearchKind
from regija.search.selectors import MAX_WORDS
from regija.search.selectors import search as search_index
from regija.search.text import Analyzer, query_terms, query_words

from . import indexed, query
from .models import Column, Dataset, Distribution, Status, Version
from .storage import lake
from .vocabularies import FileType, Licence, Theme

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


# ---------------------------------------------------------------------------------------- catalogue

# The most datasets the catalogue reads at once: it searches and counts facets in memory, so its queries
# do not grow with the number of words or facets (a catalogue of a region holds hundreds, not millions).
CATALOGUE_MAX = 5000
FACETS = ("publisher", "theme", "format", "licence", "keyword")
KEYWORD_OPTIONS = 25  # the most frequent keywords offered as a facet (selected ones always shown)


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    key: str
    options: list[FacetOption]


@dataclass(frozen=True)
class Catalogue:
    datasets: list[Dataset]
    facets: list[Facet]
    formats: dict[int, list[str]]  # dataset id → its formats, in order


@dataclass(frozen=True)
class _Entry:
    dataset: Dataset
    values: dict[str, frozenset[str]]


def catalogue(
    user: Actor | None, q: str = "", selected: Mapping[str, Sequence[str]] | None = None, language: str = "sl"
) -> Catalogue:
    """The datasets a user sees that match the search words (every word, by its Slovenian lemmas) and the
    chosen facet values (any value within a facet, every facet), newest first, with each facet's
    options counted as if that facet were not chosen (so a visitor sees what another choice gives).
    Five queries whatever the number of datasets, words or facets."""
    chosen = {key: set(selected.get(key, ())) if selected else set() for key in FACETS}
    datasets = list(visible_datasets(user).order_by("-modified", "pk")[:CATALOGUE_MAX])
    ids = [d.pk for d in datasets]
    formats: dict[int, list[str]] = {}
    for dataset_id, fmt in (
        Distribution.objects.filter(dataset_id__in=ids)
        .order_by("position")
        .values_list("dataset_id", "format")
    ):
        if fmt not in formats.setdefault(dataset_id, []):
            formats[dataset_id].append(fmt)
    matched = dataset_search_ids(q, visible_datasets(user)) if q.strip() else None
    english = language.startswith("en")
    entries: list[_Entry] = []
    for d in datasets:
        if matched is not None and d.pk not in matched:
            continue
        keywords = (d.keywords_en or d.keywords) if english else (d.keywords or d.keywords_en)
        values = {
            "publisher": frozenset([d.publisher.slug]),
            "theme": frozenset(d.themes),
            "format": frozenset(formats.get(d.pk, [])),
            "licence": frozenset([d.licence]),
            "keyword": frozenset(keywords),
        }
        entries.append(_Entry(d, values))

    def passes(entry: _Entry, skip: str | None) -> bool:
        return all(not want or entry.values[k] & want for k, want in chosen.items() if k != skip)

    labels: dict[str, dict[str, str]] = {
        "publisher": {d.publisher.slug: d.publisher.name for d in datasets},
        "theme": {str(v): str(label) for v, label in Theme.choices},
        "format": {str(v): str(label) for v, label in FileType.choices},
        "licence": {str(v): str(label) for v, label in Licence.choices},
    }
    facets = []
    for key in FACETS:
        counts: Counter[str] = Counter()
        for entry in entries:
            if passes(entry, key):
                counts.update(entry.values[key])
        offered = [v for v, _n in counts.most_common()]
        if key == "keyword":
            offered = offered[:KEYWORD_OPTIONS]
        names = labels.get(key, {})
        offered += sorted(v for v in chosen[key] if v not in offered and (key == "keyword" or v in names))
        options = [
            FacetOption(v, names.get(v, v), counts.get(v, 0), v in chosen[key])
            for v in offered
            if counts.get(v, 0) or v in chosen[key]
        ]
        if key != "keyword":
            options.sort(key=lambda o: (-o.count, collation_key(o.label)))
        facets.append(Facet(key, options))
    return Catalogue([e.dataset for e in entries if passes(e, None)], facets, formats)


def collation_key(label: str) -> str:
    return text.fold(label)


# ---------------------------------------------------------------------------------------- the data

PREVIEW_ROWS = 25
MAP_POINTS = 1000  # the most points a dataset page's map draws
CHART_ROWS = 5000  # the most rows a chart by a year column reads
_LON = {"lon", "lng", "long", "longitude", "x", "dolzina", "geografska_dolzina", "gdolzina"}
_LAT = {"lat", "latitude", "y", "sirina", "geografska_sirina", "gsirina"}
_YEAR = {"year", "leto", "yr"}
NUMERIC = ("integer", "number")


def table_of(version: Version) -> query.Table:
    """The query table of a version's data (its Parquet file)."""
    return query.Table("data", [str(version_file(version))])


@dataclass
class Preview:
    """A page of a version's rows, filtered (column → value, exact) and sorted, as the preview shows it."""

    columns: list[str]
    rows: list[list[Any]]
    total: int
    error: query.QueryError | None = None


def preview(
    version: Version, *, filters: Mapping[str, str], sort: str, offset: int, limit: int = PREVIEW_ROWS
) -> Preview:
    """Rows ``offset`` … ``offset + limit`` of the version's data; a filter or sort the data cannot take
    comes back as ``error`` (with the parameter at fault) and the unfiltered first page."""
    names = [c["name"] for c in version.columns]
    sort_sql = None
    if sort:
        name = sort.removeprefix("-")
        sort_sql = f'"{name}" desc' if sort.startswith("-") else f'"{name}"'
        if name not in names:
            return Preview(names, [], 0, query.QueryError(_unknown(name), field="sort"))
    try:
        result = query.datastore_search(
            table_of(version),
            filters=dict(filters) or None,
            fields=names,
            sort=sort_sql,
            limit=limit,
            offset=offset,
            records_format="lists",
            timeout=settings.REGIJA_LAKE_QUERY_TIMEOUT,
        )
    except query.QueryError as exc:
        if not filters and not sort:
            return Preview(names, [], 0, exc)
        first = preview(version, filters={}, sort="", offset=0, limit=limit)
        first.error = exc
        return first
    rows = result.records if isinstance(result.records, list) else []
    return Preview(
        names, [list(r) if isinstance(r, list | tuple) else list(r.values()) for r in rows], result.total or 0
    )


def _unknown(name: str) -> str:
    from django.utils.translation import gettext as _

    return _("There is no column %(name)s.") % {"name": name}


@dataclass(frozen=True)
class Series:
    """The figures a chart draws: ``points`` (period or year, value) of ``value`` summed over ``by``."""

    value: str
    by: str
    period: str  # "year", "month" or "day"
    points: list[tuple[str, float]]
    choices: list[str]  # the numeric columns a visitor may chart instead


def _year_column(version: Version) -> str | None:
    for c in version.columns:
        if c["type"] == "integer" and text.fold(c["name"]) in _YEAR:
            return str(c["name"])
    return None


def series(version: Version, value: str | None = None) -> Series | None:
    """A numeric column summed by the dataset's date column (per month, or per year over a longer time)
    or its year column; None when the data has no such pair."""
    dates = [c["name"] for c in version.columns if c["type"] in ("date", "datetime")]
    year = None if dates else _year_column(version)
    by = dates[0] if dates else year
    if by is None:
        return None
    numbers = [
        str(c["name"])
        for c in version.columns
        if c["type"] in NUMERIC
        and c["name"] != by
        and text.fold(c["name"]) not in _LON | _LAT | {"id", "_id"}
    ]
    if not numbers:
        return None
    chosen = value if value in numbers else numbers[0]
    table = table_of(version)
    timeout = settings.REGIJA_LAKE_QUERY_TIMEOUT
    try:
        if dates:
            stats = query.column_stats(table, by, timeout=timeout)
            low, high = str(stats["min"] or "")[:4], str(stats["max"] or "")[:4]
            period = "year" if low.isdigit() and high.isdigit() and int(high) - int(low) >= 5 else "month"
            figures = query.aggregate(table, value=chosen, date=by, filters=None, how="sum", period=period)
            points = [
                (d.isoformat() if d else "", float(v)) for d, v in figures if d is not None and v is not None
            ]
        else:
            period = "year"
            result = query.datastore_search(
                table,
                fields=[by, chosen],
                sort=f'"{by}"',
                limit=CHART_ROWS,
                records_format="lists",
                include_total=False,
                timeout=timeout,
            )
            sums: dict[int, float] = {}
            for row in result.records if isinstance(result.records, list) else []:
                y, v = (row[0], row[1]) if isinstance(row, list | tuple) else (None, None)
                if isinstance(y, int) and isinstance(v, int | float | Decimal):
                    sums[y] = sums.get(y, 0.0) + float(v)
            points = [(str(y), total) for y, total in sorted(sums.items())]
    except query.QueryError:
        return None
    if not points:
        return None
    return Series(chosen, by, period, points, numbers)


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    row: int
    title: str


def _coordinates(geometry: object) -> list[tuple[float, float]]:
    """Every (lon, lat) position in a GeoJSON geometry."""
    found: list[tuple[float, float]] = []

    def walk(node: object) -> None:
        if isinstance(node, list | tuple):
            if len(node) >= 2 and all(isinstance(n, int | float) for n in node[:2]):
                found.append((float(node[0]), float(node[1])))
            else:
                for item in node:
                    walk(item)

    if isinstance(geometry, dict):
        if geometry.get("type") == "GeometryCollection":
            for g in geometry.get("geometries") or []:
                found.extend(_coordinates(g))
        else:
            walk(geometry.get("coordinates"))
    return found


def map_columns(version: Version) -> tuple[str, str] | str | None:
    """(lon column, lat column), or the geometry column, or None when the data has no places."""
    geometry = [c["name"] for c in version.columns if c["type"] == "geometry"]
    if geometry:
        return str(geometry[0])
    lon = lat = None
    for c in version.columns:
        name = text.fold(str(c["name"]))
        if c["type"] in NUMERIC and name in _LON and lon is None:
            lon = str(c["name"])
        if c["type"] in NUMERIC and name in _LAT and lat is None:
            lat = str(c["name"])
    return (lon, lat) if lon and lat else None


def points(version: Version, filters: Mapping[str, str]) -> list[Point]:
    """The places of (the first ``MAP_POINTS``) rows that match the preview's filters: a point each, from
    the longitude and latitude columns or the middle of the row's GeoJSON geometry."""
    where = map_columns(version)
    if where is None:
        return []
    label = next((str(c["name"]) for c in version.columns if c["type"] == "text"), None)
    fields = ["_id", *([where] if isinstance(where, str) else list(where)), *([label] if label else [])]
    try:
        result = query.datastore_search(
            table_of(version),
            filters=dict(filters) or None,
            fields=fields,
            limit=MAP_POINTS,
            records_format="lists",
            include_total=False,
            timeout=settings.REGIJA_LAKE_QUERY_TIMEOUT,
        )
    except query.QueryError:
        return []
    found = []
    for row in result.records if isinstance(result.records, list) else []:
        if not isinstance(row, list | tuple):
            continue
        title = str(row[-1]) if label and row[-1] is not None else f"#{row[0]}"
        if isinstance(where, str):
            geometry = row[1]
            if isinstance(geometry, str):
                try:
                    geometry = json.loads(geometry)
                except ValueError:
                    continue
            coords = _coordinates(geometry)
            if not coords:
                continue
            lon = sum(c[0] for c in coords) / len(coords)
            lat = sum(c[1] for c in coords) / len(coords)
        else:
            lon_value, lat_value = row[1], row[2]
            if not isinstance(lon_value, int | float | Decimal) or not isinstance(
                lat_value, int | float | Decimal
            ):
                continue
            lon, lat = float(lon_value), float(lat_value)
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            found.append(Point(lat, lon, int(row[0]), title[:200]))
    return found


def is_member(user: Actor, dataset: Dataset) -> bool:
    """Whether the user is a member (any role) of the dataset's publisher, or a superuser: they read why
    a refresh failed."""
    return permissions.can(user, "view_staff", dataset)


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


def searchable(user: Actor | None, *, include_private: bool) -> QuerySet[Dataset]:
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


SEARCH_MAX = 10_000  # hits read from the index for one catalogue search
_search_analyzer = Analyzer()


def dataset_search_ids(q: str, qs: QuerySet[Dataset] | None = None) -> dict[int, int]:
    """The datasets (of ``qs``, else all) that match every word of ``q``, as id → score.

    Published public datasets are found in Regija's search index (the same engine as the site's search
    box: Slovenian lemmas, ASCII-folded – "občinah" meets "obcina" –, stop words dropped; a word in the
    title or keywords weighs most). Drafts and private datasets, which the index never holds, are
    matched here by the same rules for the members who see them. A fixed number of queries.
    """
    words = query_words(q, MAX_WORDS)
    if not words:
        return {}
    qs = Dataset.objects.all() if qs is None else qs
    group = search_index(q, kinds=[SearchKind.DATASET], limit=SEARCH_MAX).group(SearchKind.DATASET)
    found = {hit.object_id: hit.score for hit in group.hits} if group else {}
    found.update(_matched_here(words, qs.exclude(status=Status.PUBLISHED, private=False)))
    if not found:
        return {}
    allowed = set(qs.filter(pk__in=list(found)).values_list("pk", flat=True))
    return {pk: score for pk, score in found.items() if pk in allowed}


def _matched_here(words: Sequence[tuple[str, bool]], qs: QuerySet[Dataset]) -> dict[int, int]:
    """What the index would find among datasets it does not hold: their terms built as the index builds
    a dataset's document (``indexed.build``), so both weigh a word alike (one query)."""
    wanted = [query_terms(word, is_code) for word, is_code in words]
    found: dict[int, int] = {}
    for row in qs.values(*indexed.FIELDS):
        weights = indexed.build(row, _search_analyzer)[5]
        score = 0
        for terms in wanted:
            best = max((weights.get(t, 0) for t in terms), default=0)
            if not best:
                break
            score += best
        else:
            found[row["id"]] = score
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
    counted = searchable(user, include_private=include_private)
    return (
        Organisation.objects.filter(datasets__in=counted.values("pk"))
        .annotate(dataset_count=Count("datasets", filter=Q(datasets__in=counted.values("pk"))))
        .order_by("slug")
    )
