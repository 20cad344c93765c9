"""Writes to the catalogue and the lake: every door (the staff pages, the API, the worker) goes through
these, so a dataset follows one rule whichever way it changes.

Each service checks who acts (``core.permissions``: an editor or admin of the publishing organisation),
validates, writes in one transaction attributed in the audit log, and refuses with
``core.services.Refused`` and a message that says what and where.

**Versions.** A new version is read into Parquet first, outside any transaction (a large file takes a
while), written to the lake under its number, and only then recorded – so a crash at any moment leaves
the catalogue and the lake consistent: at worst a file no version names, overwritten by the next
refresh. A version is never changed or removed. A refresh whose file cannot be read, or whose columns
changed so that the previous readers of the data would break (a column removed, a number become text),
keeps the last good version, marks the dataset as failed with the reason, and tells its owner by e-mail.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from regija.core import audit
from regija.core.models import Membership, Organisation, Role
from regija.core.services import Conflict, Refused, require_permission, validate
from regija.strategies.models import FROM_DATASET, Indicator, Observation

from . import ingest
from .models import (
    Aggregation,
    Column,
    ColumnType,
    Dataset,
    DatasetClaim,
    Distribution,
    Health,
    IndicatorSource,
    Kind,
    Refresh,
    Status,
    Version,
)
from .storage import lake, version_prefix
from .vocabularies import FileType, Theme

if TYPE_CHECKING:
    from regija.core.permissions import Actor

log = logging.getLogger(__name__)

# What the staff pages and the API may set on a dataset (the publisher only on creation).
DATASET_FIELDS = (
    "slug",
    "title",
    "title_en",
    "description",
    "description_en",
    "keywords",
    "keywords_en",
    "themes",
    "frequency",
    "licence",
    "access_rights",
    "contact_name",
    "contact_email",
    "temporal_start",
    "temporal_end",
    "conformance",
    "landing_page",
    "provenance",
    "kind",
    "source_url",
    "source_format",
    "documentation_url",
    "refresh",
    "private",
)
REFRESH_EVERY = {
    Refresh.HOURLY: dt.timedelta(hours=1),
    Refresh.DAILY: dt.timedelta(days=1),
    Refresh.WEEKLY: dt.timedelta(weeks=1),
    Refresh.MONTHLY: dt.timedelta(days=30),
}
SYSTEM = "regija"  # who the audit log names for what the worker does by itself
# Slugs that are addresses of pages under /podatki/ (lake.urls): a dataset with one could not be reached.
RESERVED_SLUGS = frozenset({"nov"})


class RefreshFailed(Refused):
    """A new version could not be made: the dataset keeps its last good version."""


# ---------------------------------------------------------------------------------------- metadata


def _text_list(value: object, field: str) -> list[str]:
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise Refused(_("Enter a list of words separated by commas."), field=field)
    seen: list[str] = []
    for item in (v.strip() for v in value):
        if item and item not in seen:
            seen.append(item)
    return seen


def _check(dataset: Dataset, changes: Mapping[str, object]) -> None:
    for field in ("keywords", "keywords_en", "conformance"):
        if field in changes:
            setattr(dataset, field, _text_list(changes[field], field))
    if "themes" in changes:
        themes = _text_list(changes["themes"], "themes")
        unknown = [t for t in themes if t not in Theme.values]
        if unknown:
            raise Refused(_("Unknown EU data theme: %(code)s.") % {"code": unknown[0]}, field="themes")
        dataset.themes = themes
    validate(dataset, [f for f in changes if f not in ("keywords", "keywords_en", "themes", "conformance")])
    if dataset.temporal_start and dataset.temporal_end and dataset.temporal_start > dataset.temporal_end:
        raise Refused(_("The period covered ends before it starts."), field="temporal_end")
    if dataset.kind == Kind.LINK and not dataset.source_url:
        raise Refused(_("A linked dataset needs the address of its source."), field="source_url")
    if dataset.refresh != Refresh.NEVER and not dataset.source_url:
        raise Refused(_("A scheduled refresh needs the address to fetch."), field="source_url")
    if dataset.kind == Kind.LINK and dataset.refresh != Refresh.NEVER:
        raise Refused(_("A linked dataset is not copied, so it is not refreshed."), field="refresh")
    if dataset.slug in RESERVED_SLUGS:
        raise Refused(_("This slug is the address of a page of the site; choose another."), field="slug")
    clash = Dataset.objects.filter(slug=dataset.slug).exclude(pk=dataset.pk)
    if clash.exists():
        raise Conflict(_("Another dataset already has this slug."), field="slug")


def _schedule(dataset: Dataset) -> None:
    every = REFRESH_EVERY.get(Refresh(dataset.refresh))
    if every is None:
        dataset.next_refresh_at = None
    elif dataset.next_refresh_at is None:
        dataset.next_refresh_at = timezone.now() + every


def _sync_link_distribution(dataset: Dataset) -> None:
    if dataset.kind != Kind.LINK:
        dataset.distributions.exclude(access_url="").delete()
        return
    fmt = dataset.source_format.upper() if dataset.source_format.upper() in FileType.values else FileType.JSON
    dist = dataset.distributions.exclude(access_url="").first()
    if dist is None:
        Distribution.objects.create(dataset=dataset, format=fmt, access_url=dataset.source_url, position=0)
    elif (dist.format, dist.access_url) != (fmt, dataset.source_url):
        if dist.access_url != dataset.source_url:  # a new address: what was found at the old one is void
            dist.checked_at, dist.check_status, dist.check_error = None, None, ""
        dist.format, dist.access_url = fmt, dataset.source_url
        dist.save(update_fields=["format", "access_url", "checked_at", "check_status", "check_error"])
    else:
        return
    from .tasks import check_dataset_links

    # the link checker visits a new or changed address at once (after the change is committed)
    transaction.on_commit(lambda: check_dataset_links(dataset.pk))


def dataset_create(
    user: Actor | None, *, publisher: Organisation, data: Mapping[str, object], via: str
) -> Dataset:
    """A new dataset of ``publisher`` (a draft unless the data says otherwise): the user must be an
    editor or admin there; ``user`` None is Regija itself (its own and bundled datasets)."""
    if user is not None:
        require_permission(user, "change", publisher)
    unknown = set(data) - set(DATASET_FIELDS) - {"auto", "status"}
    if unknown:
        raise Refused(_("This field cannot be set here."), field=sorted(unknown)[0])
    dataset = Dataset(publisher=publisher, modified=timezone.now())
    for field, value in data.items():
        setattr(dataset, field, value)
    _check(dataset, {**data, "publisher": publisher})
    _schedule(dataset)
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        if dataset.status == Status.PUBLISHED:
            dataset.issued = dataset.modified
        dataset.save()
        _sync_link_distribution(dataset)
    return dataset


def dataset_update(
    user: Actor | None, dataset: Dataset, changes: Mapping[str, object], *, via: str
) -> Dataset:
    """Change a dataset's metadata (the keys of ``changes``, from ``DATASET_FIELDS``)."""
    if user is not None:
        require_permission(user, "change", dataset)
    unknown = set(changes) - set(DATASET_FIELDS)
    if unknown:
        raise Refused(_("This field cannot be changed here."), field=sorted(unknown)[0])
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        for field, value in changes.items():
            setattr(dataset, field, value)
        _check(dataset, changes)
        if "refresh" in changes:
            dataset.next_refresh_at = None
        _schedule(dataset)
        dataset.modified = timezone.now()
        dataset.save()
        _sync_link_distribution(dataset)
    return dataset


def dataset_set_spatial(
    user: Actor | None, dataset: Dataset, places: Sequence[Organisation], *, via: str
) -> None:
    """The municipalities or regions the data covers."""
    if user is not None:
        require_permission(user, "change", dataset)
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        dataset.spatial.set(places)
        Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())


def dataset_publish(user: Actor | None, dataset: Dataset, *, via: str) -> Dataset:
    """Publish a draft: from now on everyone reads it (unless it is private). A copy needs data first."""
    if user is not None:
        require_permission(user, "change", dataset)
    if dataset.kind == Kind.COPY and dataset.current_id is None:
        raise Refused(_("Add the data (upload a file or fetch it) before publishing the dataset."))
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if dataset.status != Status.PUBLISHED:
            dataset.status = Status.PUBLISHED
            dataset.issued = dataset.issued or timezone.now()
            dataset.modified = timezone.now()
            dataset.save(update_fields=["status", "issued", "modified"])
    return dataset


def dataset_withdraw(user: Actor, dataset: Dataset, *, via: str) -> Dataset:
    """Back to draft: only the publisher's members read it again (its versions are kept)."""
    require_permission(user, "change", dataset)
    with audit.acting(user, via=via), transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        dataset.status = Status.DRAFT
        dataset.modified = timezone.now()
        dataset.save(update_fields=["status", "modified"])
    return dataset


def columns_update(
    user: Actor | None, dataset: Dataset, columns: Sequence[Mapping[str, Any]], *, via: str
) -> Dataset:
    """The data dictionary: for each column (by ``name``) its label, description (sl, en), unit and –
    when the owner fixes what was inferred – its ``type``. A changed type re-reads the current version's
    original file with it, as a new version (refused, with the row, when a value does not fit)."""
    if user is not None:
        require_permission(user, "change", dataset)
    known = {c.name: c for c in dataset.columns.all()}
    retype: dict[str, str] = {}
    for i, item in enumerate(columns):
        name = str(item.get("name", ""))
        if name not in known:
            raise Refused(_("There is no column %(name)s.") % {"name": name}, field=f"columns.{i}.name")
        new_type = item.get("type")
        if new_type is not None and new_type != known[name].type:
            if new_type not in ColumnType.values or new_type == ColumnType.GEOMETRY:
                raise Refused(_("Choose one of the column types."), field=f"columns.{i}.type")
            retype[name] = str(new_type)
    if retype:
        current = dataset.current
        if current is None or not current.source_key:
            raise Refused(_("The type can be fixed once the dataset has data from a file."))
        types = {**dataset.column_types, **retype}
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"source.{current.source_format}"
            with lake().open(current.source_key) as stored, source.open("wb") as out:
                while chunk := stored.read(1024 * 1024):
                    out.write(chunk)
            add_version(
                dataset,
                source,
                name=current.source_name,
                origin="retype",
                user=user,
                via=via,
                types=types,
                allow_incompatible=True,
            )
        dataset.refresh_from_db()
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        dataset.column_types = {**dataset.column_types, **retype}
        Dataset.objects.filter(pk=dataset.pk).update(
            column_types=dataset.column_types, modified=timezone.now()
        )
        rows = {c.name: c for c in dataset.columns.all()}
        for item in columns:
            column = rows[str(item["name"])]
            for field in ("title", "description", "description_en", "unit"):
                if field in item:
                    setattr(column, field, str(item[field] or "").strip())
            validate(column, [f for f in ("title", "description", "description_en", "unit") if f in item])
            column.save()
    return dataset


# ---------------------------------------------------------------------------------------- versions


def _lake_distributions(dataset: Dataset, columns: Sequence[ingest.Column]) -> None:
    wanted = [FileType.CSV, FileType.PARQUET]
    if any(c.type == ColumnType.GEOMETRY for c in columns):
        wanted.append(FileType.GEOJSON)
    have = {d.format: d for d in dataset.distributions.filter(access_url="")}
    for position, fmt in enumerate(wanted, start=1):
        if fmt not in have:
            Distribution.objects.create(dataset=dataset, format=fmt, position=position)
    dataset.distributions.filter(access_url="").exclude(format__in=wanted).delete()


def _sync_columns(dataset: Dataset, columns: Sequence[ingest.Column]) -> None:
    existing = {c.name: c for c in dataset.columns.all()}
    keep = []
    for position, col in enumerate(columns):
        row = existing.get(col.name)
        if row is None:
            row = Column(dataset=dataset, name=col.name, position=position, type=col.type)
        row.position, row.type = position, col.type
        row.save()
        keep.append(row.pk)
    dataset.columns.exclude(pk__in=keep).delete()


def _notify_failure(dataset: Dataset, reason: str) -> None:
    """Tell the publisher's editors (and the dataset's contact) why the refresh failed."""
    emails = set(
        Membership.objects.filter(
            organisation_id=dataset.publisher_id, role__in=[Role.EDITOR, Role.ADMIN], user__is_active=True
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if dataset.contact_email:
        emails.add(dataset.contact_email)
    if not emails:
        return
    subject = _("Dataset %(title)s was not refreshed") % {"title": dataset.title}
    body = _(
        "The refresh of the dataset %(title)s failed, so it keeps its last good version.\n\nWhy: %(reason)s"
    ) % {"title": dataset.title, "reason": reason}
    try:
        send_mail(subject, body, None, sorted(emails))
    except Exception:  # the dataset is marked anyway; a mail server down must not hide that
        log.exception("could not send the refresh failure of %s", dataset.slug)


def mark_failed(dataset: Dataset, reason: str) -> None:
    """Keep the last good version, mark the dataset and tell its owner why."""
    with audit.acting(None, via="worker", label=SYSTEM), transaction.atomic():
        Dataset.objects.filter(pk=dataset.pk).update(
            health=Health.FAILED, problem=reason, problem_at=timezone.now()
        )
    dataset.health, dataset.problem = Health.FAILED, reason
    _notify_failure(dataset, reason)


def add_version(
    dataset: Dataset,
    source: Path,
    *,
    name: str,
    origin: str,
    user: Actor | None = None,
    via: str = "worker",
    format: str | None = None,
    types: Mapping[str, str] | None = None,
    allow_incompatible: bool = False,
    sort_by: Sequence[str] | None = None,
) -> Version | None:
    """Read ``source`` into a new version of a copied dataset; None when it is the same file as the
    current version's (nothing changed). Raises ``RefreshFailed`` with the reason when the file cannot be
    read or its columns changed incompatibly (unless ``allow_incompatible``: the owner replaced them)."""
    if user is not None:
        require_permission(user, "change", dataset)
    if dataset.kind != Kind.COPY:
        raise Refused(_("A linked dataset has no data of its own to add."))
    current = dataset.current
    with tempfile.TemporaryDirectory(prefix="regija-lake-") as tmp:
        parquet = Path(tmp) / "data.parquet"
        try:
            result = ingest.to_parquet(
                source,
                parquet,
                format=format,
                types=dict(types if types is not None else dataset.column_types),
                sort_by=list(sort_by) if sort_by else None,
            )
        except ingest.IngestError as exc:
            raise RefreshFailed("\n".join(str(p) for p in exc.problems[:20]), status=422) from None
        if current is not None and current.source_sha256 == result.sha256 and origin != "retype":
            return None
        if current is not None and not allow_incompatible:
            old = [ingest.Column(c["name"], c["type"], c["name"]) for c in current.columns]
            reasons = ingest.incompatible(old, result.columns)
            if reasons:
                raise RefreshFailed(
                    _("The columns changed so that the data's users would break: %(reasons)s")
                    % {"reasons": "; ".join(reasons)}
                )
        store = lake()
        for _attempt in range(3):
            number = (dataset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            prefix = version_prefix(dataset.slug, number)
            key = f"{prefix}/data.parquet"
            store.put(parquet, key)
            source_key = ""
            if origin in ("upload", "fetch", "retype", "bundle"):
                source_key = f"{prefix}/source.{result.format}"
                store.put(source, source_key)
            with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
                locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
                latest = locked.versions.aggregate(n=Max("number"))["n"] or 0
                if latest + 1 != number:
                    continue  # another refresh took this number in the meantime: write again
                version = Version.objects.create(
                    dataset=locked,
                    number=number,
                    created_by=user if user is not None and user.is_authenticated else None,
                    origin=origin,
                    source_name=name[:1000],
                    source_format=result.format,
                    source_sha256=result.sha256,
                    source_bytes=result.source_bytes,
                    source_key=source_key,
                    key=key,
                    parquet_bytes=result.parquet_bytes,
                    rows=result.rows,
                    columns=[{"name": c.name, "type": c.type} for c in result.columns],
                )
                locked.current = version
                locked.health, locked.problem, locked.problem_at = Health.OK, "", None
                locked.modified = timezone.now()
                locked.save(update_fields=["current", "health", "problem", "problem_at", "modified"])
                _sync_columns(locked, result.columns)
                _lake_distributions(locked, result.columns)
            dataset.current = version
            _feed_indicators(locked)
            return version
        raise Conflict(_("The dataset is being refreshed by someone else; try again."))


def upload(
    user: Actor, dataset: Dataset, source: Path, *, name: str, via: str, replace_columns: bool = False
) -> Version | None:
    """The owner's upload of a file as the dataset's next version."""
    return add_version(
        dataset, source, name=name, origin="upload", user=user, via=via, allow_incompatible=replace_columns
    )


def refresh(dataset: Dataset) -> Version | None:
    """Fetch a copied dataset's source address again (the worker, on its schedule, or on request): a new
    version when the file changed; on failure the dataset is marked and its owner told."""
    if dataset.kind != Kind.COPY or not dataset.source_url:
        return None
    every = REFRESH_EVERY.get(Refresh(dataset.refresh))
    Dataset.objects.filter(pk=dataset.pk).update(next_refresh_at=timezone.now() + every if every else None)
    with tempfile.TemporaryDirectory(prefix="regija-fetch-") as tmp:
        target = Path(tmp) / "source"
        try:
            ingest.fetch(
                dataset.source_url,
                target,
                max_bytes=settings.REGIJA_LAKE_MAX_BYTES,
                timeout=settings.REGIJA_LAKE_FETCH_TIMEOUT,
            )
            return add_version(
                dataset,
                target,
                name=dataset.source_url,
                origin="fetch",
                format=dataset.source_format.lower() or None,
            )
        except ingest.IngestError as exc:
            reason = "\n".join(str(p) for p in exc.problems[:20])
        except RefreshFailed as exc:
            reason = exc.message
    mark_failed(dataset, reason)
    return None


def refresh_request(user: Actor, dataset: Dataset, *, via: str) -> None:
    """The owner asks for a refresh now (the staff page's button): queued for the worker, whose run the
    jobs page shows; the outcome lands on the dataset (a new version, or its failure and why)."""
    require_permission(user, "change", dataset)
    if dataset.kind != Kind.COPY or not dataset.source_url:
        raise Refused(
            _("Only a copied dataset with a source address can be refreshed; upload a file instead.")
        )
    from .tasks import refresh_dataset

    log.info("refresh of %s requested (%s) by user %s", dataset.slug, via, user.pk)
    refresh_dataset(dataset.pk)


def check_links(distributions: Iterable[Distribution]) -> int:
    """Visit the source addresses of linked distributions (the link checker, ``tasks.check_links``) and
    record what each answered – its HTTP status or why it could not be reached – with the moment. Book-
    keeping, not a change of the metadata: written without an audit entry. How many were reachable."""
    reachable = 0
    for dist in distributions:
        if dist.in_lake:
            continue
        status, error = ingest.probe(dist.access_url, timeout=settings.REGIJA_LAKE_LINK_TIMEOUT)
        Distribution.objects.filter(pk=dist.pk).update(
            checked_at=timezone.now(), check_status=status, check_error=error
        )
        if status is not None and 200 <= status < 400:
            reachable += 1
        else:
            log.info("linked source of %s not reachable: %s %s", dist.dataset_id, status, error)
    return reachable


# ------------------------------------------------------------------------------ indicators fed by data

# How an observation computed from a dataset is marked (``Observation.source``): "dataset:<slug> v<N>".
# The strategies importer leaves observations so marked alone when it syncs a strategy file.
FED_PREFIX = FROM_DATASET
_YEAR = re.compile(r"^\d{4}$")


def version_rows(version: Version) -> list[dict[str, Any]]:
    """The rows of a version, in file order, with numbers as ``Decimal`` (as the document printed them)."""
    import duckdb

    path = lake().local(version.key)
    con = duckdb.connect()
    try:
        cursor = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    finally:
        con.close()
    out: list[dict[str, Any]] = []
    for row in rows:
        out.append(
            {n: Decimal(repr(v)) if isinstance(v, float) else v for n, v in zip(names, row, strict=True)}
        )
    return out


def _number(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _same(value: object, wanted: object) -> bool:
    a, b = _number(value), _number(wanted)
    if a is not None and b is not None:
        return a == b
    return str(value) == str(wanted)


def _matches(row: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    for column, wanted in filters.items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if not any(_same(row.get(column), option) for option in options):
            return False
    return True


def as_date(value: object) -> dt.date | None:
    """A date column's value as the day an observation is dated: a year is its last day (31 December),
    as the strategy files date a figure "for the year"."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return dt.date(value, 12, 31)
    text = str(value or "").strip()
    if _YEAR.match(text):
        return dt.date(int(text), 12, 31)
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def compute_observations(
    rows: Sequence[Mapping[str, Any]],
    *,
    value_column: str,
    date_column: str,
    filters: Mapping[str, Any],
    aggregation: str,
) -> list[tuple[dt.date, Decimal]]:
    """One value per date: the rows matching ``filters``, grouped by ``date_column``, ``value_column``
    aggregated (``last``: the group's last row in file order; ``count``: its non-empty values)."""
    groups: dict[dt.date, list[Any]] = {}
    for row in rows:
        if not _matches(row, filters):
            continue
        day = as_date(row.get(date_column))
        if day is None:
            continue
        groups.setdefault(day, []).append(row.get(value_column))
    out: list[tuple[dt.date, Decimal]] = []
    for day in sorted(groups):
        present = [v for v in groups[day] if v is not None and v != ""]
        if aggregation == Aggregation.COUNT:
            out.append((day, Decimal(len(present))))
            continue
        numbers = [n for n in (_number(v) for v in present) if n is not None]
        if not numbers:
            continue
        if aggregation == Aggregation.SUM:
            value = sum(numbers, Decimal(0))
        elif aggregation == Aggregation.AVG:
            value = sum(numbers, Decimal(0)) / len(numbers)
        elif aggregation == Aggregation.MIN:
            value = min(numbers)
        elif aggregation == Aggregation.MAX:
            value = max(numbers)
        else:
            value = numbers[-1]
        out.append((day, value))
    return out


def baseline_of(
    indicator: Indicator, values: Sequence[tuple[dt.date, Decimal]]
) -> tuple[dt.date, Decimal] | None:
    """The baseline a dataset gives an indicator: the state as the strategy began – the latest value
    dated no later than the end of the strategy's first year – or, when the data starts later, its
    earliest value; without a period, the latest value."""
    if not values:
        return None
    start = indicator.strategy.period_start[:4]
    if not _YEAR.match(start):
        return values[-1]
    before = [v for v in values if v[0] <= dt.date(int(start), 12, 31)]
    return before[-1] if before else values[0]


def recompute_indicator(source: IndicatorSource) -> int:
    """Replace the indicator's observations computed from its dataset with those of the dataset's current
    version (marked "dataset:<slug> v<N>"), leaving the observations a strategy file gives (a date the
    file gives keeps the file's value), and set the indicator's baseline from them when ``sets_baseline``
    and it has none. The number of observations written."""
    dataset = source.dataset
    version = dataset.current
    if version is None:
        return 0
    values = compute_observations(
        version_rows(version),
        value_column=source.value_column,
        date_column=source.date_column,
        filters=source.filters if isinstance(source.filters, dict) else {},
        aggregation=source.aggregation,
    )
    marker = f"{FED_PREFIX}{dataset.slug} v{version.number}"
    note = f"Izračunano iz podatkovnega niza »{dataset.title}« ({dataset.slug}), različica {version.number}."
    written = 0
    with audit.acting(None, via="worker", label=SYSTEM), transaction.atomic():
        indicator = (
            Indicator.objects.select_for_update().select_related("strategy").get(pk=source.indicator_id)
        )
        for old in Observation.objects.filter(indicator=indicator, source__startswith=FED_PREFIX):
            old.delete()
        from_file = set(Observation.objects.filter(indicator=indicator).values_list("date", flat=True))
        for day, value in values:
            if day in from_file:
                continue
            Observation.objects.create(indicator=indicator, date=day, value=value, source=marker, note=note)
            written += 1
        if source.sets_baseline and indicator.baseline_value is None:
            base = baseline_of(indicator, values)
            if base is not None:
                indicator.baseline_date, indicator.baseline_value = base
                indicator.save(update_fields=["baseline_date", "baseline_value"])
        IndicatorSource.objects.filter(pk=source.pk).update(computed_from=version)
    source.computed_from = version
    return written


def _feed_indicators(dataset: Dataset) -> None:
    """After a new version: recompute every indicator the dataset feeds (a failure is logged, the
    version stands)."""
    for source in IndicatorSource.objects.filter(dataset=dataset).select_related("dataset__current"):
        try:
            recompute_indicator(source)
        except Exception:
            log.exception(
                "could not recompute indicator %s from dataset %s", source.indicator_id, dataset.slug
            )


def indicator_source_set(
    indicator: Indicator,
    dataset: Dataset,
    *,
    value_column: str,
    date_column: str,
    filters: Mapping[str, Any],
    aggregation: str,
    sets_baseline: bool,
    why: str,
    via: str = "worker",
) -> IndicatorSource:
    """Feed ``indicator`` from ``dataset`` (Regija itself: bundled bindings); replaces an earlier binding."""
    if aggregation not in Aggregation.values:
        raise Refused(_("Choose one of the aggregations."), field="aggregation")
    values = {
        "dataset": dataset,
        "value_column": value_column,
        "date_column": date_column,
        "filters": dict(filters),
        "aggregation": aggregation,
        "sets_baseline": sets_baseline,
        "why": why,
    }
    with audit.acting(None, via=via, label=SYSTEM), transaction.atomic():
        source = IndicatorSource.objects.filter(indicator=indicator).first()
        if source is None:
            source = IndicatorSource.objects.create(indicator=indicator, **values)
        elif any(getattr(source, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(source, k, v)
            source.save()
    return source


def claims_set(dataset: Dataset, claims: Sequence[Mapping[str, Any]], *, via: str = "worker") -> bool:
    """The document's claims about the dataset's table (Regija itself: bundled datasets), replacing the
    earlier ones when they differ; whether anything changed."""
    defaults = {
        f.name: f.get_default() for f in DatasetClaim._meta.concrete_fields if f.name not in ("id", "dataset")
    }
    current = [{f: getattr(c, f) for f in defaults} for c in dataset.claims.order_by("order")]
    wanted = [{f: c.get(f, default) for f, default in defaults.items()} for c in claims]
    for i, claim in enumerate(wanted):
        claim["order"] = i
    if current == wanted:
        return False
    with audit.acting(None, via=via, label=SYSTEM), transaction.atomic():
        for old in dataset.claims.all():
            old.delete()
        for claim in wanted:
            DatasetClaim.objects.create(dataset=dataset, **claim)
    return True
