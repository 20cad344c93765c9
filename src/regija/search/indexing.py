"""Writing the search index: whole rebuilds, one strategy at a time, and single objects.

* ``rebuild()`` empties the index and builds it again from every table (``regija rebuild_search_index``).
* ``reindex_strategy(strategy_id)`` brings the documents of one strategy (the strategy, its nodes,
  indicators and projects) and all organisations up to date, rewriting only rows that changed. Call it
  after importing a file: the importer writes in bulk without signals.
* ``reindex(kind, ids)``, ``remove(kind, ids)``, ``strategy_saved`` and ``organisation_saved`` serve
  the signal handlers (``signals.py``).

Personal data: an organisation that is a natural person (``OrganisationKind.PERSON``) has no
document, and a project it holds is indexed without its holder's name or its place; ``SOURCES``
says so once, so the digest, ``rebuild``, ``reindex_strategy`` and the signal handlers all follow it.

Rows are read with ``values()`` and ``iterator()`` in chunks, each distinct word is lemmatised once
(``text.Analyzer`` per run, on top of a per-process lemma cache), documents go in with ``bulk_create``
in batches, and each operation's postings and removals are written at its end as one segment
(``store.py``), merged into the runs when the segments have grown (``store.merge_if_due``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gc
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.urls import NoReverseMatch, get_script_prefix, reverse

from regija.core import caching
from regija.core.models import Organisation, OrganisationKind
from regija.projects.models import Project
from regija.strategies.models import Indicator, Node, Strategy

from . import store
from .models import POSTING_KIND, RANK_GAP, RANK_LIMIT, Document, Form, Kind
from .text import Analyzer, fold

# Field weights: what names a thing counts more than what describes it.
HIGH = 3
LOW = 1

# Part of every document's digest: raise it when what is indexed or how changes, so that
# reindex_strategy() rewrites documents built the old way (a field added to a kind's row in SOURCES
# changes that kind's digests by itself: docs/search.md).
INDEX_VERSION = "1"

BATCH = 1000  # documents per write
CHUNK = 2000  # rows per read

_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("regija_search_suspended", default=False)
# Set by rebuild(), which numbers all documents (ranks) once at the end instead of with every batch.
_rebuilding: contextvars.ContextVar[bool] = contextvars.ContextVar("regija_search_rebuilding", default=False)
# The postings and removals of the operation under way (see _one_segment), written when it ends.
_builder: contextvars.ContextVar[store.Builder | None] = contextvars.ContextVar(
    "regija_search_builder", default=None
)


@contextlib.contextmanager
def suspended():
    """Do not index on save or delete inside the block (call ``rebuild()`` or ``reindex_strategy()``
    after)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def is_suspended() -> bool:
    return _suspended.get()


@dataclass
class Stats:
    """What a run wrote: documents per kind, postings (terms), word forms; and documents removed."""

    documents: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in Kind})
    postings: int = 0
    forms: int = 0
    removed: int = 0
    unchanged: int = 0

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
    digest: str
    terms: dict[str, int]


# --- sources: which rows, which fields, what weights -----------------------------------------------------


def page_path(name: str, *args) -> str:
    """URL path of a page for a document (``_path``), for the builders other apps register."""
    return _path(name, *args)


def _path(name: str, *args) -> str:
    """URL path of a page without the script prefix ("/strategije/x/"), or "" when none can be built.

    Exactly what reverse() gives, less the prefix. A reverse() costs ~35 µs (as much as the rest of a
    document's indexing); arguments that reverse() would put in unchanged are filled into the path it
    made once for the name instead (``_path_template``), after the check reverse() makes.
    """
    prefix = get_script_prefix()
    template = _path_templates.get((name, len(args), prefix))
    if template is None:
        template = _path_template(name, len(args), prefix)
    if template:
        text, plain, pattern, resolver, current_resolver = template
        values = list(map(str, args))  # what reverse() puts in: to_url() or "%s" – str() either way
        if plain.fullmatch("/".join(values)) and current_resolver() is resolver:
            url = text.format(*values)
            if pattern.search(url):
                return url if prefix == "/" else "/" + url[len(prefix) :]
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # e.g. a code with a slash in it
        return ""
    if prefix != "/" and url.startswith(prefix):
        url = "/" + url[len(prefix) :]
    return url


# (URL name, number of arguments, script prefix) → _path_template(), () when reverse() must do it
_path_templates: dict[tuple[str, int, str], tuple] = {}


def _path_template(name: str, count: int, prefix: str) -> tuple:
    """How reverse(name, args) goes for ``count`` arguments that need no quoting, or () for "ask it".

    reverse() takes the first URL pattern of the name with that many arguments whose regex matches
    the prefix and pattern's text with the arguments put in (by a built-in converter's to_url(): str()),
    and quotes it. Found once with stand-ins (digits, which every built-in converter takes): that text
    as a format string, the arguments it can take as they are (``[A-Za-z0-9._~-]`` needs no quoting,
    "/" separates them), the regex, and the URL resolver it holds for (a changed ROOT_URLCONF). Only
    for a name that reverses to the same path in every language (none of the routes is translated).
    A URLconf set for one request (``request.urlconf``, which no middleware here sets) is not seen.
    """
    import re

    from django.conf import settings
    from django.urls import converters, get_resolver
    from django.urls.resolvers import get_ns_resolver
    from django.utils import translation

    if len(_path_templates) >= 1000:  # prefixes come and go
        _path_templates.clear()
    template = _path_templates[(name, count, prefix)] = ()
    if not count:
        return template
    resolver = get_resolver()
    stand_ins = [str(73_051_900 + 11 * i) for i in range(count)]
    try:
        url = reverse(name, args=stand_ins)
        for language, _ in settings.LANGUAGES:
            with translation.override(language):
                if reverse(name, args=stand_ins) != url:
                    return template
    except NoReverseMatch:
        return template
    # the first pattern of the name with ``count`` arguments, found as reverse() finds it
    *namespaces, view = name.split(":")
    found, ns_pattern, ns_converters = resolver, "", {}
    for ns in namespaces:
        apps = found.app_dict.get(ns)
        if apps and ns not in apps:
            ns = apps[0]
        if ns not in found.namespace_dict:
            return template
        extra, found = found.namespace_dict[ns]
        ns_pattern += extra
        ns_converters.update(found.pattern.converters)
    if ns_pattern:
        found = get_ns_resolver(ns_pattern, found, tuple(ns_converters.items()))
    first = next(
        (
            (result, params, regex, route_converters)
            for possibility, regex, _, route_converters in found.reverse_dict.getlist(view)
            for result, params in possibility
            if len(params) == count
        ),
        None,
    )
    if first is None:
        return template
    result, params, regex, route_converters = first
    known = (
        converters.IntConverter,
        converters.StringConverter,
        converters.SlugConverter,
        converters.PathConverter,
    )
    if any(p in route_converters and type(route_converters[p]) not in known for p in params):
        return template
    pattern = re.compile("^" + re.escape(prefix) + regex)
    filled = (prefix.replace("%", "%%") + result) % dict(zip(params, stand_ins, strict=True))
    # that pattern made it, nothing in it was quoted (nor a leading "//" escaped), each stand-in once
    if url != filled or not pattern.search(url) or any(url.count(s) != 1 for s in stand_ins):
        return template
    parts, start = [], 0
    for stand_in in stand_ins:
        at = url.find(stand_in, start)
        if at < 0:
            return template
        parts.append(url[start:at])
        start = at + len(stand_in)
    parts.append(url[start:])
    text = "{}".join(part.replace("{", "{{").replace("}", "}}") for part in parts)
    plain = re.compile("/".join([r"[A-Za-z0-9._~\-]+"] * count))
    template = _path_templates[(name, count, prefix)] = (text, plain, pattern, resolver, get_resolver)
    return template


def _period(start: str, end: str) -> str:
    return f"{start}–{end}" if start or end else ""


def _strategy(row: dict, analyzer: Analyzer) -> tuple:
    territory = row["territory"] if isinstance(row["territory"], list) else []
    fields = [(row["title"], HIGH), (row["description"], LOW), (" ".join(map(str, territory)), LOW)]
    return (
        row["id"], "", row["title"], _period(row["period_start"], row["period_end"]),
        _path("strategy", row["slug"]), analyzer.weighted_terms(fields),
    )  # fmt: skip


def _node(row: dict, analyzer: Analyzer) -> tuple:
    fields = [(row["code"], HIGH), (row["title"], HIGH), (row["description"], LOW)]
    return (
        row["strategy_id"], row["code"], row["title"], row["strategy__title"],
        _path("node", row["strategy__slug"], row["code"]), analyzer.weighted_terms(fields),
    )  # fmt: skip


def _indicator(row: dict, analyzer: Analyzer) -> tuple:
    fields = [(row["code"], HIGH), (row["name"], HIGH), (row["unit"], LOW), (row["data_source"], LOW)]
    return (
        row["strategy_id"], row["code"], row["name"], row["strategy__title"],
        _path("indicator", row["strategy__slug"], row["code"]), analyzer.weighted_terms(fields),
    )  # fmt: skip


def _project(row: dict, analyzer: Analyzer) -> tuple:
    # a holder who is a natural person is not named, so a search for the name does not find the project;
    # nor is the project's exact place (its location name: often the person's address)
    named = row["holder__kind"] != OrganisationKind.PERSON
    fields = [
        (row["code"], HIGH),
        (row["title"], HIGH),
        (row["description"], LOW),
        (row["holder__name"] if named else None, LOW),
        (row["holder__short_name"] if named else None, LOW),
        (row["municipality"], LOW),
        (row["location_name"] if named else None, LOW),
    ]
    return (
        row["strategy_id"], row["code"], row["title"], row["strategy__title"],
        _path("project", row["strategy__slug"], row["code"]), analyzer.weighted_terms(fields),
    )  # fmt: skip


def _organisation(row: dict, analyzer: Analyzer) -> tuple:
    fields = [(row["name"], HIGH), (row["short_name"], HIGH)]
    return (
        None, "", row["name"], row["short_name"] or "", _path("organisation", row["slug"]),
        analyzer.weighted_terms(fields),
    )  # fmt: skip


# kind → (the rows to index, the fields read from them, the builder of a document from a row)
SOURCES = {
    Kind.STRATEGY: (
        Strategy.objects,
        ("id", "slug", "title", "description", "territory", "period_start", "period_end"),
        _strategy,
    ),
    Kind.NODE: (
        Node.objects,
        ("id", "strategy_id", "code", "title", "description", "strategy__slug", "strategy__title"),
        _node,
    ),
    Kind.INDICATOR: (
        Indicator.objects,
        ("id", "strategy_id", "code", "name", "unit", "data_source", "strategy__slug", "strategy__title"),
        _indicator,
    ),
    Kind.PROJECT: (
        Project.objects,
        (
            "id",
            "strategy_id",
            "code",
            "title",
            "description",
            "holder__name",
            "holder__short_name",
            "holder__kind",
            "municipality",
            "location_name",
            "strategy__slug",
            "strategy__title",
        ),  # fmt: skip
        _project,
    ),
    # a natural person is never published: no document (an organisation that becomes one loses it)
    Kind.ORGANISATION: (
        Organisation.objects.exclude(kind=OrganisationKind.PERSON),
        ("id", "slug", "name", "short_name"),
        _organisation,
    ),
}


def register_source(kind: str, rows, fields: tuple[str, ...], build) -> None:
    """Index another app's objects as documents of ``kind`` (a ``Kind`` the search app names): ``rows``
    is the queryset of what may be found (only what everyone may read), ``fields`` the values a document
    is built from (its content hash covers them), ``build(row, analyzer)`` gives (strategy id or None,
    code, title, context, URL path, weighted terms). Called from that app's ``AppConfig.ready``;
    ``signals.follow`` then keeps the documents current."""
    SOURCES[kind] = (rows, ("id", *[f for f in fields if f != "id"]), build)


def _rows(kind: str, **filters) -> Iterator[dict]:
    rows, fields, _ = SOURCES[kind]
    return rows.filter(**filters).order_by("pk").values(*fields).iterator(chunk_size=CHUNK)


def _digest(kind: str, row: dict) -> str:
    """Hash of everything a document is built from (the row includes the strategy's slug and title)."""
    fields = SOURCES[kind][1]
    text = repr((INDEX_VERSION, kind, [row[f] for f in fields]))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _entry(kind: str, row: dict, analyzer: Analyzer, digest: str | None = None) -> Entry:
    strategy_ref, code, title, context, url, terms = SOURCES[kind][2](row, analyzer)
    return Entry(
        kind, row["id"], strategy_ref, code, title, context, url, digest or _digest(kind, row), terms
    )


def _entries(kind: str, analyzer: Analyzer, **filters) -> Iterator[Entry]:
    for row in _rows(kind, **filters):
        yield _entry(kind, row, analyzer)


def entries(kind: str, analyzer: Analyzer | None = None) -> Iterator[Entry]:
    """Every document of a kind as the index would hold it (terms with weights), written nowhere.

    For tools that compare or feed other engines the same terms (bench/search.py).
    """
    return _entries(kind, analyzer or Analyzer())


# --- writing -------------------------------------------------------------------------------------------


def _sort_key(title: str) -> str:
    return " ".join(fold(title).split())[:100]


@contextlib.contextmanager
def _no_cycle_collection():
    """Pause Python's cycle collector while a write builds its rows.

    A batch makes thousands of small objects (rows, entries, term dictionaries) and creates no
    reference cycles; each allocation burst would otherwise set off collections that walk every
    tracked object of the process (the token cache, the rows). Memory stays the same: the objects are
    freed by reference counting when the batch is written.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# SQLite page cache for rebuild() and reindex_strategy(), in KiB (the connection's default is 2 MiB)
WRITE_CACHE_KIB = 65_536


@contextlib.contextmanager
def _roomy_cache():
    """On SQLite, a larger page cache for the connection while a large write runs, then the old size.

    A rebuild writes hundreds of megabytes of runs, and a merge rewrites runs all over their table;
    with the default 2 MiB cache the transaction spills changed pages to the WAL and reads them back
    again and again.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(WRITE_CACHE_KIB)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _write(entries: Iterable[Entry], analyzer: Analyzer, stats: Stats) -> None:
    with _no_cycle_collection():
        batch: list[Entry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= BATCH:
                _write_batch(batch, stats)
                batch = []
        if batch:
            _write_batch(batch, stats)
        _write_forms(analyzer.take_forms(), stats)


@dataclass(slots=True)
class _NewDocument:
    """What ranks are given by (``_assign_ranks``) before a document is written."""

    kind: str
    object_id: int
    sort_key: str
    rank: int = 0


DOCUMENT_COLUMNS = (
    "kind", "object_id", "strategy_ref", "code", "title", "context", "url",
    "sort_key", "digest", "terms", "rank",
)  # fmt: skip


def _write_batch(batch: list[Entry], stats: Stats) -> None:
    docs = [_NewDocument(e.kind, e.object_id, _sort_key(e.title)) for e in batch]
    if not _rebuilding.get():  # rebuild() numbers every document at its end
        _assign_ranks(docs)
    rows = [
        (
            e.kind,
            e.object_id,
            e.strategy_ref,
            e.code[:64],
            e.title,
            e.context,
            e.url[:500],
            d.sort_key,
            e.digest,
            " ".join(e.terms),
            d.rank,
        )  # fmt: skip
        for e, d in zip(batch, docs, strict=True)
    ]
    ids = _insert_documents(rows)
    added = _current_builder().add(
        [
            (ids[(e.kind, e.object_id)], POSTING_KIND[e.kind], d.rank, e.terms)
            for e, d in zip(batch, docs, strict=True)
        ]
    )
    for e in batch:
        stats.documents[e.kind] += 1
    stats.postings += added


def _insert_documents(rows: list[tuple]) -> dict[tuple[str, int], int]:
    """Insert documents (``DOCUMENT_COLUMNS``) with multi-row INSERTs; their ids by (kind, object id).

    Plain SQL rather than ``bulk_create``: building a model instance and preparing every field of it
    through the ORM was a third of the time the documents took.
    """
    qn = connection.ops.quote_name
    table = qn(Document._meta.db_table)
    columns = ", ".join(qn(c) for c in DOCUMENT_COLUMNS)
    row = "(" + ", ".join(["%s"] * len(DOCUMENT_COLUMNS)) + ")"
    ids: dict[tuple[str, int], int] = {}
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 500):
            part = rows[i : i + 500]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(part))} "  # noqa: S608 - quoted names and placeholders; the values are parameters
                "RETURNING id, kind, object_id",
                [value for r in part for value in r],
            )
            ids.update({(kind, int(object_id)): int(pk) for pk, kind, object_id in cursor.fetchall()})
    return ids


def _current_builder() -> store.Builder:
    builder = _builder.get()
    if builder is None:
        raise RuntimeError("search index writes run inside an operation (see _one_segment)")
    return builder


# --- ranks: each document's place in its kind's order, copied into its postings ---------------------

# How much of a gap between two neighbours a batch of k new documents takes: k steps of
# gap // (RANK_SHARE * k + 1) from its lower end. New documents mostly come after the documents with
# the same title (larger object ids), so the next ones usually land in the part of the gap left above;
# a gap shrinks by 1/RANK_SHARE per batch there, and holds hundreds of batches before it runs out.
RANK_SHARE = 16


def _order_sql() -> str:
    """The order ranks follow: sort key bytewise, then object (as the searches used to sort)."""
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    return f"sort_key{collate}, object_id"


def _assign_ranks(docs: list[_NewDocument]) -> None:
    """Give new documents (not yet written) ranks between those of their neighbours in the order.

    Per kind one statement reads, for every new document, the ranks of the stored documents just
    before and just after it (two lookups of the index (kind, sort_key, object_id, rank)). New
    documents between the same two neighbours share that gap in their own order. When a gap has no
    room left, the kind is numbered again (``_number``: every document and run of the kind) and
    the batch asks again – rare, see RANK_SHARE.
    """
    for kind in sorted({d.kind for d in docs}):
        mine = sorted((d for d in docs if d.kind == kind), key=lambda d: (d.sort_key, d.object_id))
        if not _fit(kind, mine):
            _number(kind)
            # now RANK_GAP lies between neighbours, room enough for a batch spread evenly over a gap
            if not _fit(kind, mine, share=1):
                raise RuntimeError(f"no room for {len(mine)} search documents of kind {kind}")


def _fit(kind: str, docs: list[_NewDocument], share: int | None = None) -> bool:
    """Set the ranks of ``docs`` (one kind, in order) from their neighbours'; False if a gap is full."""
    qn = connection.ops.quote_name
    table = qn(Document._meta.db_table)
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    values = ", ".join(["(%s, %s, %s)"] * len(docs))
    # the stored neighbours of every new document: the last one before it and the first one after it
    sql = (
        f"WITH v (i, sort_key, object_id) AS (VALUES {values}) SELECT v.i, "  # noqa: S608 - a quoted table name and a fixed collation; the keys are parameters
        f"(SELECT d.rank FROM {table} d WHERE d.kind = %s AND "
        f"(d.sort_key{collate}, d.object_id) < (v.sort_key, v.object_id) "
        f"ORDER BY d.sort_key{collate} DESC, d.object_id DESC LIMIT 1), "
        f"(SELECT d.rank FROM {table} d WHERE d.kind = %s AND "
        f"(d.sort_key{collate}, d.object_id) > (v.sort_key, v.object_id) "
        f"ORDER BY d.sort_key{collate}, d.object_id LIMIT 1) FROM v"
    )
    params: list = [x for i, d in enumerate(docs) for x in (i, d.sort_key, d.object_id)] + [kind, kind]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        gaps = {int(i): (low, high) for i, low, high in cursor.fetchall()}
    i = 0
    while i < len(docs):
        j = i
        while j + 1 < len(docs) and gaps[j + 1] == gaps[i]:
            j += 1
        k = j - i + 1
        low, high = gaps[i]
        low = 0 if low is None else int(low)
        if high is None:  # after the last one: RANK_GAP apart
            step = RANK_GAP
            if low + step * k >= RANK_LIMIT:
                return False
        else:
            step = (int(high) - low) // ((share or RANK_SHARE) * k + 1)
            if step < 1:
                return False
        for n, doc in enumerate(docs[i : j + 1], start=1):
            doc.rank = low + step * n
        i = j + 1
    return True


def _number(kind: str, postings: bool = True) -> None:
    """Number every document of a kind RANK_GAP apart in the order, and put the new ranks in its runs
    (and in the postings of the operation under way)."""
    qn = connection.ops.quote_name
    document = qn(Document._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {document} SET rank = r.n * %s FROM ("  # noqa: S608 - a quoted table name, a fixed order
            f"SELECT id, ROW_NUMBER() OVER (ORDER BY {_order_sql()}) AS n FROM {document} WHERE kind = %s"
            f") r WHERE {document}.id = r.id",
            [RANK_GAP, kind],
        )
    if postings:
        builder = _builder.get()
        if builder is not None:
            builder.ranks_stale = True
        store.renumbered(POSTING_KIND[kind], set(builder.dead) if builder is not None else frozenset())


def _one_segment(operation):
    """Write what a whole operation adds and removes (all its batches) as one segment at its end, inside
    its transaction, then merge the segments if they have grown past the thresholds (store.py).

    Nested operations (``strategy_saved`` calling ``reindex``) write with the outermost one. An operation
    that fails writes nothing (its transaction rolls back anyway)."""

    @functools.wraps(operation)
    def wrapper(*args, **kwargs):
        if _builder.get() is not None:
            return operation(*args, **kwargs)
        builder = store.Builder()
        with transaction.atomic():  # the segment commits with the documents, or neither does
            token = _builder.set(builder)
            try:
                result = operation(*args, **kwargs)
            finally:
                _builder.reset(token)
            if builder:
                store.write_segment(builder)
                store.merge_if_due()
        return result

    return wrapper


def _write_forms(forms: set[tuple[str, str]], stats: Stats) -> None:
    """Add the (form, lemma) pairs the table does not have yet: one plain INSERT each, known ones skipped."""
    if not forms:
        return
    table = connection.ops.quote_name(Form._meta.db_table)
    sql = f"INSERT INTO {table} (form, lemma) VALUES (%s, %s) ON CONFLICT (form, lemma) DO NOTHING"  # noqa: S608 - a quoted table name; the forms are parameters
    with connection.cursor() as cursor:
        cursor.executemany(sql, sorted(forms))
    stats.forms += len(forms)


def _raw_delete(queryset, using: str | None = None) -> int:
    """Delete the rows of a queryset with one DELETE statement: no objects loaded, no signals sent.

    Django's ``QuerySet._raw_delete`` is what its own deletion collector runs for a "fast delete";
    there is no public spelling of it. ``QuerySet.delete()`` falls back to loading every row and
    sending a signal for each as soon as any post_delete receiver exists (core.caching has one).
    """
    return queryset._raw_delete(using or queryset.db) or 0  # noqa: SLF001 - Django's fast delete, see above


def _delete(documents) -> int:
    """Delete the documents of a queryset; the operation's segment records their ids and terms.

    Their postings stay where they are until a merge: searches leave removed documents out, and the
    merge rewrites the runs of exactly their terms (``Document.terms``). ``_raw_delete`` because a
    project-wide post_delete receiver (core.caching) would otherwise make Django load every row and
    send a signal for each.
    """
    using = documents.db
    if not _rebuilding.get():
        _current_builder().remove(
            (pk, POSTING_KIND[kind], terms.split())
            for pk, kind, terms in documents.values_list("pk", "kind", "terms").order_by()
        )
    return _raw_delete(documents, using)


def _delete_keys(keys: list[tuple[str, int]]) -> int:
    removed = 0
    for kind in {k for k, _ in keys}:
        ids = sorted(object_id for k, object_id in keys if k == kind)
        for i in range(0, len(ids), BATCH):
            removed += _delete(Document.objects.filter(kind=kind, object_id__in=ids[i : i + BATCH]))
    return removed


# --- public API ----------------------------------------------------------------------------------------


def rebuild() -> Stats:
    """Empty the index and build it again from all strategies, nodes, indicators, projects, organisations.

    Ranks depend on all documents, so the documents are written first and numbered at the end (one
    statement per kind, ``_number``); their postings are collected meanwhile and written at the end
    as one run per (term, kind), in order, with the documents' ranks.
    """
    stats = Stats()
    analyzer = Analyzer()
    builder = store.Builder()
    builder.ranks_stale = True  # the ranks are read when the runs are written
    with transaction.atomic(), _roomy_cache():
        rebuilding, current = _rebuilding.set(True), _builder.set(builder)
        try:
            store.clear()
            for model in (Document, Form):
                _raw_delete(model.objects.all())
            for kind in Kind:
                if kind in SOURCES:
                    _write(_entries(kind, analyzer), analyzer, stats)
            for kind in Kind:
                _number(kind, postings=False)
            store.write_runs(builder.postings())
        finally:
            _rebuilding.reset(rebuilding)
            _builder.reset(current)
        # cached search pages and API answers are keyed by the data version: they must not outlive the index
        caching.bump()
    return stats


@_one_segment
def reindex_strategy(strategy_id: int, organisations: Iterable[int] | None = None) -> Stats:
    """Bring one strategy's documents (itself, nodes, indicators, projects) and organisations up to date.

    Rows whose indexed fields did not change are left alone (compared by digest), so re-importing an
    unchanged file costs a few reads. Call after importing a file: the importer writes without signals.
    ``organisations``: the ids of the organisations the caller may have written without signals (the
    importer: those the file created or whose statements it changed); by default every organisation is
    compared, which reads them all.
    """
    stats = Stats()
    analyzer = Analyzer()
    with transaction.atomic(), _roomy_cache():
        stored = {
            (kind, object_id): digest
            for kind, object_id, digest in Document.objects.filter(strategy_ref=strategy_id).values_list(
                "kind", "object_id", "digest"
            )
        }
        sources = [
            (Kind.STRATEGY, {"pk": strategy_id}),
            (Kind.NODE, {"strategy_id": strategy_id}),
            (Kind.INDICATOR, {"strategy_id": strategy_id}),
            (Kind.PROJECT, {"strategy_id": strategy_id}),
        ]
        _sync(sources, stored, analyzer, stats)
        _sync_organisations(analyzer, stats, None if organisations is None else sorted(set(organisations)))
        if stats.total or stats.removed:  # cached search results are keyed by the data version
            caching.bump()
    return stats


def _sync(sources, stored: dict, analyzer: Analyzer, stats: Stats) -> list[tuple[str, int]]:
    """Make the documents of ``sources`` match their rows; ``stored`` holds their current digests.

    Returns the keys of the documents that were written, rewritten or removed.
    """
    changed: list[tuple[str, dict, str]] = []
    seen: set[tuple[str, int]] = set()
    for kind, filters in sources:
        for row in _rows(kind, **filters):
            key = (kind, row["id"])
            seen.add(key)
            digest = _digest(kind, row)
            if stored.get(key) == digest:
                stats.unchanged += 1
            else:
                changed.append((kind, row, digest))
    rewritten = [(kind, row["id"]) for kind, row, _ in changed if (kind, row["id"]) in stored]
    stale = [key for key in stored if key not in seen]
    stats.removed += _delete_keys(rewritten + stale) - len(rewritten)
    _write((_entry(kind, row, analyzer, digest) for kind, row, digest in changed), analyzer, stats)
    return [(kind, row["id"]) for kind, row, _ in changed] + stale


def _sync_organisations(analyzer: Analyzer, stats: Stats, ids: list[int] | None = None) -> None:
    """Bring organisation documents in line with the table (organisations are shared by strategy files).

    When an organisation's document was written, rewritten or removed – its name changed, or it became
    or stopped being a natural person –, the projects it holds (in any strategy) are brought up to date
    too: their text includes the holder's name unless the holder is a natural person. Compared by
    digest, so projects already current (e.g. those of the strategy just synced) are only read.
    ``ids``: only these organisations (None: all).
    """
    parts = [None] if ids is None else [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    changed: list[tuple[str, int]] = []
    for part in parts:
        documents = Document.objects.filter(kind=Kind.ORGANISATION)
        if part is not None:
            documents = documents.filter(object_id__in=part)
        stored = {(Kind.ORGANISATION.value, pk): d for pk, d in documents.values_list("object_id", "digest")}
        filters = {} if part is None else {"pk__in": part}
        changed += _sync([(Kind.ORGANISATION, filters)], stored, analyzer, stats)
    holders = [object_id for _, object_id in changed]
    for i in range(0, len(holders), BATCH):
        held = list(Project.objects.filter(holder_id__in=holders[i : i + BATCH]).values_list("pk", flat=True))
        for j in range(0, len(held), BATCH):
            part = held[j : j + BATCH]
            documents = Document.objects.filter(kind=Kind.PROJECT, object_id__in=part)
            stored = {(Kind.PROJECT.value, pk): d for pk, d in documents.values_list("object_id", "digest")}
            _sync([(Kind.PROJECT, {"pk__in": part})], stored, analyzer, stats)


def _reindex(kind: str, ids: list[int], analyzer: Analyzer, stats: Stats) -> None:
    for i in range(0, len(ids), BATCH):
        part = ids[i : i + BATCH]
        _delete(Document.objects.filter(kind=kind, object_id__in=part))
        _write(_entries(kind, analyzer, pk__in=part), analyzer, stats)


@_one_segment
def reindex(kind: str, ids: Iterable[int]) -> Stats:
    """Index these objects again (or drop them from the index if they no longer exist)."""
    stats = Stats()
    with transaction.atomic():
        _reindex(kind, list(ids), Analyzer(), stats)
    return stats


@_one_segment
def remove(kind: str, ids: Iterable[int]) -> None:
    _delete_keys([(kind, object_id) for object_id in ids])


@_one_segment
def remove_strategy(strategy_id: int) -> None:
    """Drop every document that belongs to a strategy."""
    _delete(Document.objects.filter(strategy_ref=strategy_id))


@_one_segment
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
        # the context is not indexed, so a plain UPDATE will do; the digests (which include the
        # strategy title) now differ, so the next reindex_strategy() rewrites these documents anyway
        Document.objects.filter(strategy_ref=strategy_id).exclude(kind=Kind.STRATEGY).update(
            context=after["title"]
        )


@_one_segment
def organisation_saved(organisation_id: int) -> None:
    """After an organisation is saved: index it (a natural person has no document), and the projects it
    holds when what they say of it changed: its name, or whether it is a natural person (then it has a
    document before or after, not both)."""
    names = Document.objects.filter(kind=Kind.ORGANISATION, object_id=organisation_id).values_list(
        "title", "context"
    )
    before = names.first()
    reindex(Kind.ORGANISATION, [organisation_id])
    if before != names.first():
        reindex(Kind.PROJECT, Project.objects.filter(holder_id=organisation_id).values_list("pk", flat=True))
