"""Writing the search index: whole rebuilds, one strategy at a time, and single objects.

* ``rebuild()`` empties the index and builds it again from every table (``regija rebuild_search_index``).
* ``reindex_strategy(strategy_id)`` replaces the documents of one strategy (the strategy, its nodes,
  indicators and projects) and brings organisations up to date; the importer's caller runs it after
  each file, because the importer writes in bulk without signals.
* ``reindex(kind, ids)`` and ``remove(kind, ids)`` serve the signal handlers (``signals.py``).

Rows are read with ``values()`` and ``iterator()`` in chunks, each distinct word is lemmatised once
per run (``text.Analyzer``), documents go in with ``bulk_create`` in batches and their postings as
plain multi-row INSERTs (COPY on PostgreSQL), so a country of 140 000 documents builds in minutes
without holding it in memory.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse

from regija.core.models import Organisation
from regija.projects.models import Project
from regija.strategies.models import Indicator, Node, Strategy

from .models import Document, Form, Kind, Posting
from .text import Analyzer, fold

# Field weights: what names a thing counts more than what describes it.
HIGH = 3
LOW = 1

BATCH = 1000  # documents per write
CHUNK = 2000  # rows per read

_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("regija_search_suspended", default=False)


@contextlib.contextmanager
def suspended():
    """Do not index on save or delete inside the block (call ``rebuild()`` or ``reindex_strategy()`` after)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def is_suspended() -> bool:
    return _suspended.get()


@dataclass
class Stats:
    documents: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in Kind})
    postings: int = 0
    forms: int = 0
    words: int = 0

    @property
    def total(self) -> int:
        return sum(self.documents.values())


@dataclass
class Entry:
    kind: str
    object_id: int
    strategy_ref: int | None
    code: str
    title: str
    context: str
    url: str
    terms: dict[str, int]


# --- documents from rows -------------------------------------------------------------------------------


def _path(name: str, *args) -> str:
    """URL path of a page without the script prefix ("/strategije/x/"), or "" when it cannot be built."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # e.g. a code with a slash in it
        return ""
    from django.urls import get_script_prefix

    prefix = get_script_prefix()
    if prefix != "/" and url.startswith(prefix):
        url = "/" + url[len(prefix) :]
    return url


def _period(start: str, end: str) -> str:
    if start or end:
        return f"{start}–{end}"
    return ""


STRATEGY_FIELDS = ("id", "slug", "title", "description", "territory", "period_start", "period_end")
NODE_FIELDS = ("id", "strategy_id", "code", "title", "description", "strategy__slug", "strategy__title")
INDICATOR_FIELDS = ("id", "strategy_id", "code", "name", "unit", "data_source", "strategy__slug", "strategy__title")
PROJECT_FIELDS = (
    "id", "strategy_id", "code", "title", "description", "holder__name", "holder__short_name",
    "municipality", "location_name", "strategy__slug", "strategy__title",
)  # fmt: skip
ORGANISATION_FIELDS = ("id", "slug", "name", "short_name")


def strategy_entry(row: dict, analyzer: Analyzer) -> Entry:
    territory = row["territory"] if isinstance(row["territory"], list) else []
    terms = analyzer.weighted_terms(
        [(row["title"], HIGH), (row["description"], LOW), (" ".join(str(t) for t in territory), LOW)]
    )
    return Entry(
        Kind.STRATEGY, row["id"], row["id"], "", row["title"], _period(row["period_start"], row["period_end"]),
        _path("strategy", row["slug"]), terms,
    )  # fmt: skip


def node_entry(row: dict, analyzer: Analyzer) -> Entry:
    terms = analyzer.weighted_terms([(row["code"], HIGH), (row["title"], HIGH), (row["description"], LOW)])
    return Entry(
        Kind.NODE, row["id"], row["strategy_id"], row["code"], row["title"], row["strategy__title"],
        _path("node", row["strategy__slug"], row["code"]), terms,
    )  # fmt: skip


def indicator_entry(row: dict, analyzer: Analyzer) -> Entry:
    terms = analyzer.weighted_terms(
        [(row["code"], HIGH), (row["name"], HIGH), (row["unit"], LOW), (row["data_source"], LOW)]
    )
    return Entry(
        Kind.INDICATOR, row["id"], row["strategy_id"], row["code"], row["name"], row["strategy__title"],
        _path("indicator", row["strategy__slug"], row["code"]), terms,
    )  # fmt: skip


def project_entry(row: dict, analyzer: Analyzer) -> Entry:
    terms = analyzer.weighted_terms(
        [
            (row["code"], HIGH),
            (row["title"], HIGH),
            (row["description"], LOW),
            (row["holder__name"], LOW),
            (row["holder__short_name"], LOW),
            (row["municipality"], LOW),
            (row["location_name"], LOW),
        ]
    )
    return Entry(
        Kind.PROJECT, row["id"], row["strategy_id"], row["code"], row["title"], row["strategy__title"],
        _path("project", row["strategy__slug"], row["code"]), terms,
    )  # fmt: skip


def organisation_entry(row: dict, analyzer: Analyzer) -> Entry:
    terms = analyzer.weighted_terms([(row["name"], HIGH), (row["short_name"], HIGH)])
    return Entry(
        Kind.ORGANISATION, row["id"], None, "", row["name"], row["short_name"] or "",
        _path("organisation", row["slug"]), terms,
    )  # fmt: skip


SOURCES = {
    Kind.STRATEGY: (Strategy, STRATEGY_FIELDS, strategy_entry),
    Kind.NODE: (Node, NODE_FIELDS, node_entry),
    Kind.INDICATOR: (Indicator, INDICATOR_FIELDS, indicator_entry),
    Kind.PROJECT: (Project, PROJECT_FIELDS, project_entry),
    Kind.ORGANISATION: (Organisation, ORGANISATION_FIELDS, organisation_entry),
}


def _entries(kind: str, analyzer: Analyzer, **filters) -> Iterator[Entry]:
    model, fields, build = SOURCES[kind]
    rows = model.objects.filter(**filters).order_by("pk").values(*fields)
    for row in rows.iterator(chunk_size=CHUNK):
        yield build(row, analyzer)


# --- writing -------------------------------------------------------------------------------------------


def _sort_key(title: str) -> str:
    return " ".join(fold(title).split())[:100]


def _write(entries: Iterable[Entry], analyzer: Analyzer, stats: Stats) -> None:
    batch: list[Entry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= BATCH:
            _write_batch(batch, stats)
            batch = []
    if batch:
        _write_batch(batch, stats)
    _write_forms(analyzer.take_forms(), stats)


def _write_batch(batch: list[Entry], stats: Stats) -> None:
    docs = [
        Document(
            kind=e.kind,
            object_id=e.object_id,
            strategy_ref=e.strategy_ref,
            code=e.code[:64],
            title=e.title,
            context=e.context,
            url=e.url[:500],
            sort_key=_sort_key(e.title),
        )
        for e in batch
    ]
    Document.objects.bulk_create(docs)
    if any(d.pk is None for d in docs):  # a database that cannot return ids from a bulk insert
        ids = {}
        for kind in {e.kind for e in batch}:
            object_ids = [e.object_id for e in batch if e.kind == kind]
            for pk, object_id in Document.objects.filter(kind=kind, object_id__in=object_ids).values_list(
                "pk", "object_id"
            ):
                ids[(kind, object_id)] = pk
        for d in docs:
            d.pk = ids[(d.kind, d.object_id)]
    rows = [(term, doc.pk, weight) for doc, e in zip(docs, batch) for term, weight in e.terms.items()]
    _insert_postings(rows)
    for e in batch:
        stats.documents[e.kind] += 1
    stats.postings += len(rows)


def _insert_postings(rows: list[tuple[str, int, int]]) -> None:
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(Posting._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in ("term", "document_id", "weight"))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):  # psycopg 3: stream with COPY
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)"
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


def _write_forms(forms: set[tuple[str, str]], stats: Stats) -> None:
    if forms:
        Form.objects.bulk_create(
            [Form(form=f, lemma=lemma) for f, lemma in sorted(forms)], batch_size=BATCH, ignore_conflicts=True
        )
        stats.forms += len(forms)


def _delete(documents) -> None:
    """Delete the documents of a queryset and their postings (two set-based statements)."""
    Posting.objects.filter(document__in=documents.values("pk")).delete()
    documents.delete()


# --- public API ----------------------------------------------------------------------------------------


def rebuild() -> Stats:
    """Empty the index and build it again from all strategies, nodes, indicators, projects, organisations."""
    stats = Stats()
    analyzer = Analyzer()
    with transaction.atomic():
        Posting.objects.all().delete()
        Document.objects.all().delete()
        Form.objects.all().delete()
        for kind in Kind:
            _write(_entries(kind, analyzer), analyzer, stats)
    stats.words = analyzer.cached_words
    return stats


def reindex_strategy(strategy_id: int) -> Stats:
    """Replace the documents of one strategy (itself, nodes, indicators, projects); update organisations.

    Call after importing a file: the importer writes without signals.
    """
    stats = Stats()
    analyzer = Analyzer()
    with transaction.atomic():
        _delete(Document.objects.filter(strategy_ref=strategy_id))
        if Strategy.objects.filter(pk=strategy_id).exists():
            _write(_entries(Kind.STRATEGY, analyzer, pk=strategy_id), analyzer, stats)
            for kind in (Kind.NODE, Kind.INDICATOR, Kind.PROJECT):
                _write(_entries(kind, analyzer, strategy_id=strategy_id), analyzer, stats)
        _sync_organisations(analyzer, stats)
    return stats


def reindex(kind: str, ids: Iterable[int]) -> Stats:
    """Index these objects again (or drop them from the index if they no longer exist)."""
    ids = list(ids)
    stats = Stats()
    analyzer = Analyzer()
    with transaction.atomic():
        for i in range(0, len(ids), BATCH):
            part = ids[i : i + BATCH]
            _delete(Document.objects.filter(kind=kind, object_id__in=part))
            _write(_entries(kind, analyzer, pk__in=part), analyzer, stats)
    return stats


def remove(kind: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    for i in range(0, len(ids), BATCH):
        _delete(Document.objects.filter(kind=kind, object_id__in=ids[i : i + BATCH]))


def remove_strategy(strategy_id: int) -> None:
    """Drop every document that belongs to a strategy."""
    _delete(Document.objects.filter(strategy_ref=strategy_id))


def _sync_organisations(analyzer: Analyzer, stats: Stats) -> None:
    """Bring organisation documents in line with the table (organisations are shared by strategy files).

    When an organisation's name changed, the projects it holds are indexed again too (their text
    includes the holder's name).
    """
    current = {
        pk: (name, short_name or "", slug)
        for pk, name, short_name, slug in Organisation.objects.values_list("pk", "name", "short_name", "slug")
    }
    stored = {
        object_id: (title, context, url)
        for object_id, title, context, url in Document.objects.filter(kind=Kind.ORGANISATION).values_list(
            "object_id", "title", "context", "url"
        )
    }
    gone = [pk for pk in stored if pk not in current]
    changed = []
    renamed = []
    for pk, (name, short_name, slug) in current.items():
        old = stored.get(pk)
        if old is None:
            changed.append(pk)
        elif old[:2] != (name, short_name):
            changed.append(pk)
            renamed.append(pk)
        elif old[2] != _path("organisation", slug):
            changed.append(pk)
    for i in range(0, len(gone) + len(changed), BATCH):
        part = (gone + changed)[i : i + BATCH]
        _delete(Document.objects.filter(kind=Kind.ORGANISATION, object_id__in=part))
    for i in range(0, len(changed), BATCH):
        _write(_entries(Kind.ORGANISATION, analyzer, pk__in=changed[i : i + BATCH]), analyzer, stats)
    if renamed:
        held = list(Project.objects.filter(holder_id__in=renamed).values_list("pk", flat=True))
        for i in range(0, len(held), BATCH):
            part = held[i : i + BATCH]
            _delete(Document.objects.filter(kind=Kind.PROJECT, object_id__in=part))
            _write(_entries(Kind.PROJECT, analyzer, pk__in=part), analyzer, stats)


def strategy_saved(strategy_id: int) -> None:
    """After a strategy is saved: index it; when its slug changed index its whole tree (the URLs change),
    otherwise only refresh the strategy title its documents show as context."""
    before = Document.objects.filter(kind=Kind.STRATEGY, object_id=strategy_id).values("url", "title").first()
    reindex(Kind.STRATEGY, [strategy_id])
    after = Document.objects.filter(kind=Kind.STRATEGY, object_id=strategy_id).values("url", "title").first()
    if before is None or after is None:
        return
    if before["url"] != after["url"]:
        reindex_strategy(strategy_id)
    elif before["title"] != after["title"]:
        Document.objects.filter(strategy_ref=strategy_id).exclude(kind=Kind.STRATEGY).update(context=after["title"])


def organisation_saved(organisation_id: int) -> None:
    """After an organisation is saved: index it, and the projects it holds when its name changed."""
    before = (
        Document.objects.filter(kind=Kind.ORGANISATION, object_id=organisation_id)
        .values_list("title", "context")
        .first()
    )
    reindex(Kind.ORGANISATION, [organisation_id])
    after = (
        Document.objects.filter(kind=Kind.ORGANISATION, object_id=organisation_id)
        .values_list("title", "context")
        .first()
    )
    if before is not None and before != after:
        held = Project.objects.filter(holder_id=organisation_id).values_list("pk", flat=True)
        reindex(Kind.PROJECT, held)
