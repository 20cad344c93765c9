"""Where the search index keeps its postings: runs per (term, kind), and segments not merged yet.

A **posting** is one term of one document: the document's id, its rank (its place in its kind's order,
``Document.rank``) and the highest weight of a field the term occurs in. Postings are not rows:

* A **run** (``Run``: term, kind, generation) holds one term's documents of one kind as packed arrays,
  best first – weight descending, then rank, then document: exactly the order of the results. A
  word's page is the first ``offset + limit`` entries of its runs. A term has one run per kind after a
  rebuild; merges append runs of newer generations, and a term's runs are merged into one again when
  there are more than ``MAX_RUNS`` of them, or when a removed document's entries have to go.
* A **segment** (``Segment``) is what one operation wrote (an import of a strategy, one saved object):
  its postings grouped by (term, kind) in the same order, the documents it removed (their ids, and
  per (term, kind) how many they had) – one row per operation instead of one per posting. Searches
  read every segment (each process decodes a segment once: they never change) until a merge moves
  their postings into runs; a merge runs at the end of the write that takes the segments past
  ``MERGE_POSTINGS`` postings or ``MERGE_SEGMENTS`` segments.

Removed documents are not searched for in the runs when they are removed: their ids stay in the
segment that removed them, searches leave them out, and the merge rewrites exactly the runs of their
(term, kind) pairs (``Document.terms`` says which). A term's number of documents of a kind is the
runs' counts plus the segments' additions minus their removals, so no count is ever written per
term.

The arrays are little-endian numpy arrays in a blob (bytea on PostgreSQL): ranks ``<i8``, documents
``<i8``, weights ``u1``. Both databases store and return the same bytes, so searches give the same hits
in the same order on both.
"""

from __future__ import annotations

import functools
import itertools
import secrets
import struct
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from .models import Document, Form, Run, Segment

# a term's runs of one kind are merged into one when a merge would leave more than this many
MAX_RUNS = 8
# a merge runs when the segments hold more postings than this, or there are more segments than this
MERGE_POSTINGS = 1_000_000
MERGE_SEGMENTS = 64

_VERSION = 1
_HEADER = struct.Struct("<7I")  # version, groups, entries, minus groups, dead, terms bytes, minus terms bytes

EMPTY_I8 = np.zeros(0, dtype="<i8")
EMPTY_U1 = np.zeros(0, dtype="u1")


def _marks(values) -> str:
    """%s placeholders for the values of an IN list."""
    return ", ".join(["%s"] * len(values))


# --- packing --------------------------------------------------------------------------------------------


# one entry of a run or segment: 17 bytes, no padding
ENTRY = np.dtype([("rank", "<i8"), ("doc", "<i8"), ("weight", "u1")])


def pack_entries(ranks: np.ndarray, docs: np.ndarray, weights: np.ndarray) -> bytes:
    """Entries as bytes, in the order given (best first): (rank, document, weight) records."""
    records = np.empty(len(docs), dtype=ENTRY)
    records["rank"], records["doc"], records["weight"] = ranks, docs, weights
    return records.tobytes()


def unpack_entries(data, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ranks, documents, weights) of ``n`` packed entries; read-only views of ``data``."""
    records = np.frombuffer(data, ENTRY, n)
    return records["rank"], records["doc"], records["weight"]


def _order(groups: np.ndarray, weights: np.ndarray, kinds: np.ndarray, ranks: np.ndarray, docs: np.ndarray):
    """Positions of the entries in index order: (term, kind) group, weight descending, rank, document.

    One sort of one 64-bit key where it fits – the group, the weight and the document's place in the
    order (kind, rank, document) among the documents present, found through a table indexed by
    document id (ids of one write are close together) – instead of a sort by four keys (half the time
    for a merge's million postings). Otherwise the four-key sort.
    """
    if len(docs) > 1:
        low, high = int(docs.min()), int(docs.max())
        if high - low <= 4 * len(docs) + 4096:
            kind_of = np.zeros(high - low + 1, dtype=np.int64)
            rank_of = np.zeros(high - low + 1, dtype=np.int64)
            present = np.zeros(high - low + 1, dtype=bool)
            at = docs - low
            present[at], kind_of[at], rank_of[at] = True, kinds, ranks
            ids = np.flatnonzero(present)
            place = np.zeros(high - low + 1, dtype=np.int64)
            place[ids[np.lexsort((ids, rank_of[ids], kind_of[ids]))]] = np.arange(len(ids))
            bits = len(ids).bit_length()
            if int(groups.max()).bit_length() + 8 + bits <= 63:
                key = (groups << (8 + bits)) | ((255 - weights.astype(np.int64)) << bits) | place[at]
                return np.argsort(key)  # keys are unique: a (term, kind) has a document once
    return np.lexsort((docs, ranks, -weights.astype(np.int16), groups))


@dataclass
class Postings:
    """Postings in index order, grouped by (term, kind): ``terms[i]``/``kinds[i]`` own entries
    ``starts[i]:starts[i + 1]``."""

    terms: list[str]
    kinds: np.ndarray  # u1 per group
    starts: np.ndarray  # i8, groups + 1
    ranks: np.ndarray
    docs: np.ndarray
    weights: np.ndarray

    @classmethod
    def empty(cls) -> Postings:
        return cls([], EMPTY_U1, np.zeros(1, dtype="<i8"), EMPTY_I8, EMPTY_I8, EMPTY_U1)

    @classmethod
    def sorted_from(
        cls,
        vocabulary: list[str],
        term_ids: np.ndarray,
        kinds: np.ndarray,
        weights: np.ndarray,
        ranks: np.ndarray,
        docs: np.ndarray,
        in_term_order: bool = True,
    ) -> Postings:
        """Group flat postings (term as an index into ``vocabulary``); within a group in index order.

        The groups come in term order when ``in_term_order`` (runs written in their key's order), else
        in the vocabulary's (a segment, whose groups are looked up by term).
        """
        if not len(docs):
            return cls.empty()
        if in_term_order:
            by_name = np.array(sorted(range(len(vocabulary)), key=vocabulary.__getitem__), dtype=np.int64)
            place = np.empty(len(vocabulary), dtype=np.int64)
            place[by_name] = np.arange(len(vocabulary))
            tids = place[term_ids]
        else:
            by_name = None
            tids = term_ids
        group = tids * 256 + kinds  # kind codes are below 256
        order = _order(group, weights, kinds, ranks, docs)
        group, weights, ranks, docs = group[order], weights[order], ranks[order], docs[order]
        first = np.concatenate(([0], np.flatnonzero(group[1:] != group[:-1]) + 1))
        starts = np.concatenate((first, [len(docs)])).astype("<i8")
        heads = group[first]
        term_of = (heads // 256) if by_name is None else by_name[heads // 256]
        names = list(map(vocabulary.__getitem__, term_of.tolist()))
        return cls(names, (heads % 256).astype("u1"), starts, ranks, docs, weights.astype("u1"))

    def packed(self) -> bytes:
        """All entries packed, in order: a group's bytes are ``[start * ENTRY.itemsize, stop * …)``."""
        return pack_entries(self.ranks, self.docs, self.weights)

    def groups(self) -> Iterator[tuple[str, int, int, int]]:
        """(term, kind, start, stop) of every group."""
        starts = self.starts.tolist()
        yield from zip(self.terms, self.kinds.tolist(), starts[:-1], starts[1:], strict=True)

    def __len__(self) -> int:
        return len(self.docs)


# --- what one operation writes --------------------------------------------------------------------------


class Builder:
    """Collects one operation's postings and removals; ``write_segment()`` writes them as one segment.

    Postings are kept as numpy arrays per batch (a rebuild collects millions), terms as indexes into
    the builder's vocabulary.
    """

    def __init__(self) -> None:
        self.vocabulary: list[str] = []
        self._ids: dict[str, int] = {}
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.dead: list[int] = []
        self.minus: Counter = Counter()  # (term, kind code) → documents removed
        self.ranks_stale = False  # set when ranks were renumbered after documents were added

    def add(self, documents: list[tuple[int, int, int, dict[str, int]]]) -> int:
        """Add documents as (id, kind code, rank, {term: weight}); returns the number of postings."""
        ids = self._ids
        terms = list(itertools.chain.from_iterable(d[3] for d in documents))
        if not terms:
            return 0
        for term in set(terms).difference(ids):
            ids[term] = len(self.vocabulary)
            self.vocabulary.append(term)
        counts = np.fromiter((len(d[3]) for d in documents), dtype=np.int64, count=len(documents))
        self._chunks.append(
            (
                np.fromiter(map(ids.__getitem__, terms), dtype=np.int64, count=len(terms)),
                np.repeat(np.array([d[1] for d in documents], dtype="u1"), counts),
                np.fromiter(
                    itertools.chain.from_iterable(d[3].values() for d in documents),
                    dtype="u1",
                    count=len(terms),
                ),
                np.repeat(np.array([d[2] for d in documents], dtype="<i8"), counts),
                np.repeat(np.array([d[0] for d in documents], dtype="<i8"), counts),
            )
        )
        return len(terms)

    def remove(self, documents: Iterable[tuple[int, int, list[str]]]) -> None:
        """Record removed documents as (id, kind code, terms)."""
        for pk, kind, terms in documents:
            self.dead.append(pk)
            self.minus.update((term, kind) for term in terms)

    def __bool__(self) -> bool:
        return bool(self._chunks or self.dead)

    def postings(self, in_term_order: bool = True) -> Postings:
        if not self._chunks:
            return Postings.empty()
        term_ids, kinds, weights, ranks, docs = (
            np.concatenate(parts) for parts in zip(*self._chunks, strict=True)
        )
        if self.ranks_stale:
            ranks = current_ranks(docs, removed=set(self.dead))
        return Postings.sorted_from(self.vocabulary, term_ids, kinds, weights, ranks, docs, in_term_order)

    def pack(self) -> tuple[bytes, Postings, list[tuple[str, int, int]], np.ndarray]:
        """The segment's bytes, and what they hold: postings, removals as (term, kind, count), dead ids."""
        postings = self.postings(in_term_order=False)
        minus = sorted(self.minus.items())
        dead = np.array(sorted(self.dead), dtype="<i8")
        terms = "\n".join(postings.terms).encode()
        minus_terms = "\n".join(t for (t, _), _ in minus).encode()
        header = _HEADER.pack(
            _VERSION,
            len(postings.terms),
            len(postings),
            len(minus),
            len(self.dead),
            len(terms),
            len(minus_terms),
        )
        parts = [
            header,
            terms,
            postings.kinds.tobytes(),
            postings.starts.astype("<i8").tobytes(),
            postings.packed(),
            minus_terms,
            np.array([k for (_, k), _ in minus], dtype="u1").tobytes(),
            np.array([n for _, n in minus], dtype="<i8").tobytes(),
            dead.tobytes(),
        ]
        return b"".join(parts), postings, [(t, k, n) for (t, k), n in minus], dead


def current_ranks(docs: np.ndarray, removed: set[int] | frozenset[int] = frozenset()) -> np.ndarray:
    """The stored ranks of these documents (after a renumbering, or for a rebuild's postings).

    A document in ``removed`` (gone since: its entries are left out anyway) gets rank 0; any other
    missing document is an error.
    """
    unique = np.unique(docs)
    known_ids: list[int] = []
    known_ranks: list[int] = []
    table = connection.ops.quote_name(Document._meta.db_table)
    with connection.cursor() as cursor:
        for i in range(0, len(unique), 5000):
            part = unique[i : i + 5000].tolist()
            cursor.execute(
                f"SELECT id, rank FROM {table} WHERE id IN ({_marks(part)})",  # noqa: S608 - a quoted table name; ids are parameters
                part,
            )
            for pk, rank in cursor.fetchall():
                known_ids.append(pk)
                known_ranks.append(rank)
    ids = np.array(known_ids, dtype="<i8")
    ranks = np.array(known_ranks, dtype="<i8")
    order = np.argsort(ids)
    ids, ranks = ids[order], ranks[order]
    if not len(ids):
        ids, ranks = np.zeros(1, dtype="<i8"), np.zeros(1, dtype="<i8")
    at = np.clip(np.searchsorted(ids, docs), 0, len(ids) - 1)
    found = ids[at] == docs
    if not found.all():
        if not set(docs[~found].tolist()) <= removed:
            raise RuntimeError("search postings refer to documents that are not stored")
        return np.where(found, ranks[at], 0)
    return ranks[at]


# --- reading segments -----------------------------------------------------------------------------------


class SegmentView:
    """A segment decoded: its postings in index order, its removals; per term lookups built on first use."""

    def __init__(
        self, pk: int, nonce: int, postings: Postings, minus: list[tuple[str, int, int]], dead: np.ndarray
    ) -> None:
        self.id = pk
        self.nonce = nonce
        self.postings = postings
        self.ranks, self.docs, self.weights = postings.ranks, postings.docs, postings.weights
        self.minus_rows = minus  # (term, kind, documents removed)
        self.dead = dead  # sorted ids

    @functools.cached_property
    def _first(self) -> dict[str, int]:
        """term → its first group (a term's groups, one per kind, are next to each other). One small
        entry per term: a process keeps every segment it has read, up to MERGE_POSTINGS of them."""
        first: dict[str, int] = {}
        for i, term in enumerate(self.postings.terms):
            first.setdefault(term, i)
        return first

    def spans(self, term: str) -> list[tuple[int, int, int]]:
        """(kind, start, stop) of the term's entries, per kind."""
        i = self._first.get(term)
        if i is None:
            return []
        terms, kinds, starts = self.postings.terms, self.postings.kinds, self.postings.starts
        found = []
        while i < len(terms) and terms[i] == term:
            found.append((int(kinds[i]), int(starts[i]), int(starts[i + 1])))
            i += 1
        return found

    @functools.cached_property
    def minus(self) -> dict[str, dict[int, int]]:
        """term → kind → documents the segment removed."""
        minus: dict[str, dict[int, int]] = {}
        for term, kind, count in self.minus_rows:
            minus.setdefault(term, {})[kind] = count
        return minus

    @classmethod
    def decode(cls, pk: int, nonce: int, data) -> SegmentView:
        buf = memoryview(data)
        version, g, n, m, d, tlen, mlen = _HEADER.unpack_from(buf, 0)
        if version != _VERSION:
            raise ValueError(f"search segment {pk} has an unknown format ({version})")
        at = _HEADER.size
        terms = bytes(buf[at : at + tlen]).decode().split("\n") if g else []
        at += tlen
        kinds = np.frombuffer(buf, "u1", g, at)
        at += g
        starts = np.frombuffer(buf, "<i8", g + 1, at)
        at += 8 * (g + 1)
        ranks, docs, weights = unpack_entries(buf[at : at + ENTRY.itemsize * n], n)
        at += ENTRY.itemsize * n
        minus_terms = bytes(buf[at : at + mlen]).decode().split("\n") if m else []
        at += mlen
        minus_kinds = np.frombuffer(buf, "u1", m, at).tolist()
        at += m
        minus_counts = np.frombuffer(buf, "<i8", m, at).tolist()
        at += 8 * m
        dead = np.frombuffer(buf, "<i8", d, at)
        postings = Postings(terms, kinds, starts, ranks, docs, weights)
        return cls(pk, nonce, postings, list(zip(minus_terms, minus_kinds, minus_counts, strict=True)), dead)


class _SegmentCache:
    """Decoded segments of this process, by nonce (a segment never changes; merged ones are dropped)."""

    def __init__(self) -> None:
        self._views: dict[int, SegmentView] = {}
        self._lock = threading.Lock()

    def known(self) -> list[int]:
        return list(self._views)

    def add(self, view: SegmentView) -> None:
        with self._lock:
            self._views[view.nonce] = view

    def get(self, nonce: int) -> SegmentView | None:
        return self._views.get(nonce)

    def keep(self, views: list[SegmentView], live: set[int]) -> None:
        """Remember ``views``; forget segments whose nonce is not in ``live`` (merged)."""
        with self._lock:
            for view in views:
                self._views[view.nonce] = view
            for nonce in [n for n in self._views if n not in live]:
                del self._views[nonce]

    def clear(self) -> None:
        with self._lock:
            self._views.clear()


segments_cache = _SegmentCache()


# --- what a search reads --------------------------------------------------------------------------------


@dataclass
class RunView:
    kind: int
    documents: int
    ranks: np.ndarray
    docs: np.ndarray
    weights: np.ndarray


@dataclass
class Snapshot:
    """What one statement read for a search: the terms' runs, forms' lemmas, and every segment."""

    runs: dict[str, list[RunView]] = field(default_factory=dict)
    lemmas: dict[str, set[str]] = field(default_factory=dict)  # folded form → lemmas
    segments: list[SegmentView] = field(default_factory=list)
    _dead: np.ndarray | None = None

    @property
    def dead(self) -> np.ndarray:
        """Sorted ids of the documents the segments removed (left out of every answer)."""
        if self._dead is None:
            parts = [s.dead for s in self.segments if len(s.dead)]
            self._dead = np.unique(np.concatenate(parts)) if parts else EMPTY_I8
        return self._dead

    def counts(self, term: str) -> dict[int, int]:
        """Documents per kind code that have the term (removed ones not counted)."""
        found: Counter = Counter()
        for run in self.runs.get(term, ()):
            found[run.kind] += run.documents
        for segment in self.segments:
            for kind, start, stop in segment.spans(term):
                found[kind] += stop - start
            for kind, n in segment.minus.get(term, {}).items():
                found[kind] -= n
        return {kind: n for kind, n in found.items() if n > 0}

    def sources(
        self, term: str, kind: int | None = None
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
        """(ranks, documents, weights, kind) of every run and segment group of the term (of one kind)."""
        found = [
            (run.ranks, run.docs, run.weights, run.kind)
            for run in self.runs.get(term, ())
            if kind is None or run.kind == kind
        ]
        for segment in self.segments:
            for k, start, stop in segment.spans(term):
                if kind is None or k == kind:
                    found.append(
                        (segment.ranks[start:stop], segment.docs[start:stop], segment.weights[start:stop], k)
                    )
        return found


def read(terms: Iterable[str], forms: Iterable[str]) -> Snapshot:
    """One statement: the runs of ``terms`` and of the lemmas the forms table knows for ``forms``, those
    (form, lemma) pairs, and the segments (with their bytes when this process has not decoded them)."""
    terms, forms = sorted(set(terms)), sorted(set(forms))
    qn = connection.ops.quote_name
    run, segment, form = qn(Run._meta.db_table), qn(Segment._meta.db_table), qn(Form._meta.db_table)
    blob = "bytea" if connection.vendor == "postgresql" else "blob"
    null_blob = f"CAST(NULL AS {blob})"
    params: list = []
    columns = "SELECT 0 AS part, r.term AS term, CAST(NULL AS VARCHAR(64)) AS form, r.kind AS kind, "
    columns += "r.documents AS n, r.data AS data"
    parts = []
    if terms:
        parts.append(f"{columns} FROM {run} r WHERE r.term IN ({_marks(terms)})")  # noqa: S608 - quoted names, %s placeholders
        params += terms
    if forms:
        # the forms' lemmas' runs (apart, not with OR: each part is then a lookup of the primary key)
        lemmas = f"SELECT f.lemma FROM {form} f WHERE f.form IN ({_marks(forms)})"  # noqa: S608 - a quoted table name, %s placeholders
        other = f" AND r.term NOT IN ({_marks(terms)})" if terms else ""
        parts.append(f"{columns} FROM {run} r WHERE r.term IN ({lemmas}){other}")  # noqa: S608 - quoted names, %s placeholders
        params += [*forms, *terms]
    if forms:
        parts.append(
            "SELECT 1, f.lemma, f.form, CAST(NULL AS INTEGER), CAST(NULL AS BIGINT), "  # noqa: S608 - quoted table names, %s placeholders
            f"{null_blob} FROM {form} f WHERE f.form IN ({_marks(forms)})"
        )
        params += forms
    known = segments_cache.known()
    fresh = "s.data"
    if known:  # the bytes only of segments this process has not decoded yet
        fresh = f"CASE WHEN s.nonce IN ({_marks(known)}) THEN {null_blob} ELSE s.data END"
    parts.append(
        "SELECT 2, CAST(NULL AS VARCHAR(64)), CAST(NULL AS VARCHAR(64)), s.nonce, "  # noqa: S608 - quoted names
        f"s.id, {fresh} FROM {segment} s"
    )
    params += known
    snapshot = Snapshot()
    new: list[SegmentView] = []
    live: dict[int, int] = {}  # id → nonce
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for part, term, form_, kind, n, data in cursor.fetchall():
            if part == 0:
                ranks, docs, weights = unpack_entries(bytes(data), int(n))
                snapshot.runs.setdefault(term, []).append(RunView(int(kind), int(n), ranks, docs, weights))
            elif part == 1:
                snapshot.lemmas.setdefault(form_, set()).add(term)
            else:
                pk, nonce = int(n), int(kind)
                live[pk] = nonce
                if data is not None:
                    new.append(SegmentView.decode(pk, nonce, bytes(data)))
    segments_cache.keep(new, set(live.values()))
    views = [segments_cache.get(live[pk]) for pk in sorted(live)]
    snapshot.segments = [v for v in views if v is not None]
    return snapshot


# --- merging segments into runs -------------------------------------------------------------------------


def pending_size() -> tuple[int, int]:
    """(segments, postings in them)."""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Segment._meta.db_table)
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(postings), 0) FROM {table}")  # noqa: S608 - a quoted table name
        count, postings = cursor.fetchone()
    return int(count), int(postings)


def write_segment(builder: Builder) -> None:
    if not builder:
        return
    data, postings, minus, dead = builder.pack()
    segment = Segment.objects.create(postings=len(postings), data=data, nonce=secrets.randbits(63))
    # this process need not decode what it has just written (a merge reads it soon after an import)
    segments_cache.add(SegmentView(segment.pk, segment.nonce, postings, minus, dead))


def _lock_merges() -> None:
    """One merge at a time (PostgreSQL; SQLite has one writer anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5E_A2C4])


def merge_if_due() -> bool:
    count, postings = pending_size()
    if count > MERGE_SEGMENTS or postings > MERGE_POSTINGS:
        merge()
        return True
    return False


def _stored_segments() -> list[SegmentView]:
    """Every stored segment, in order; only those this process has not decoded are read whole."""
    stored = list(Segment.objects.order_by("pk").values_list("pk", "nonce"))
    missing = [pk for pk, nonce in stored if segments_cache.get(nonce) is None]
    data = dict(Segment.objects.filter(pk__in=missing).values_list("pk", "data")) if missing else {}
    cached = segments_cache.get
    return [cached(nonce) or SegmentView.decode(pk, nonce, bytes(data[pk])) for pk, nonce in stored]


def merge() -> None:
    """Move every segment's postings into runs, leaving out the documents the segments removed.

    Per (term, kind) the new entries become a run of a new generation; when the term would then have
    more than MAX_RUNS runs of that kind, or a removed document had the term, its runs are rewritten as
    one. Call inside a transaction.
    """
    _lock_merges()
    views = _stored_segments()
    if not views:
        return
    generation = views[-1].id
    dead = np.unique(np.concatenate([v.dead for v in views])) if any(len(v.dead) for v in views) else EMPTY_I8
    vocabulary: list[str] = []
    ids: dict[str, int] = {}
    flat: list[tuple[np.ndarray, ...]] = []
    minus_keys: set[tuple[str, int]] = set()
    for view in views:
        minus_keys.update((term, kind) for term, kind, _ in view.minus_rows)
        postings = view.postings
        if not len(postings):
            continue
        group_ids = []
        for term in postings.terms:
            i = ids.get(term)
            if i is None:
                i = ids[term] = len(vocabulary)
                vocabulary.append(term)
            group_ids.append(i)
        lengths = np.diff(postings.starts)
        flat.append(
            (
                np.repeat(np.array(group_ids, dtype=np.int64), lengths),
                np.repeat(postings.kinds, lengths),
                np.asarray(view.weights),
                np.asarray(view.ranks),
                np.asarray(view.docs),
            )
        )
    if flat:
        term_ids, kinds, weights, ranks, docs = (np.concatenate(parts) for parts in zip(*flat, strict=True))
        if len(dead):
            keep = ~np.isin(docs, dead)
            term_ids, kinds, weights, ranks, docs = (a[keep] for a in (term_ids, kinds, weights, ranks, docs))
        postings = Postings.sorted_from(
            vocabulary, term_ids, kinds, weights, ranks, docs, in_term_order=False
        )
    else:
        postings = Postings.empty()
    new = {(term, kind): (start, stop) for term, kind, start, stop in postings.groups()}
    keys = set(new) | minus_keys
    runs = _run_counts(keys)
    # rewritten as one: a (term, kind) whose runs may hold removed documents, or that would have too many
    rewrite = {key for key, count in runs.items() if key in minus_keys or count + (key in new) > MAX_RUNS}
    stored = _runs_of(rewrite)
    packed, size = postings.packed(), ENTRY.itemsize
    inserts: list[tuple[str, int, int, int, bytes]] = []
    deletes: list[tuple[str, int]] = []
    for key in sorted(keys):
        term, kind = key
        span = new.get(key)
        if key not in rewrite:
            if span is not None:
                start, stop = span
                inserts.append((term, kind, generation, stop - start, packed[start * size : stop * size]))
            continue
        parts = list(stored.get(key, []))
        if span is not None:
            start, stop = span
            parts.append(
                (postings.ranks[start:stop], postings.docs[start:stop], postings.weights[start:stop])
            )
        ranks, docs, weights = _sorted_union(parts, dead)
        deletes.append(key)
        if len(docs):
            inserts.append((term, kind, generation, len(docs), pack_entries(ranks, docs, weights)))
    qn = connection.ops.quote_name
    table = qn(Run._meta.db_table)
    with connection.cursor() as cursor:
        for i in range(0, len(deletes), 5000):
            cursor.executemany(f"DELETE FROM {table} WHERE term = %s AND kind = %s", deletes[i : i + 5000])  # noqa: S608 - a quoted table name
        _insert_runs(cursor, inserts)
    with connection.cursor() as cursor:
        merged = [v.id for v in views]  # exactly these: one written meanwhile by another transaction stays
        cursor.execute(
            f"DELETE FROM {qn(Segment._meta.db_table)} WHERE id IN ({_marks(merged)})",  # noqa: S608 - a quoted table name; ids are parameters
            merged,
        )


def _insert_runs(cursor, rows: list[tuple[str, int, int, int, bytes]]) -> None:
    table = connection.ops.quote_name(Run._meta.db_table)
    sql = f"INSERT INTO {table} (term, kind, gen, documents, data) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608 - a quoted table name
    for i in range(0, len(rows), 2000):
        cursor.executemany(sql, rows[i : i + 2000])


def _runs_rows(select: str, tail: str, keys: set[tuple[str, int]]) -> Iterator[tuple]:
    """Rows ``SELECT term, kind, {select} FROM search_run WHERE term IN (…) {tail}`` for the terms of
    ``keys`` (5 000 terms a statement), only those of the (term, kind) pairs in ``keys``."""
    terms = sorted({term for term, _ in keys})
    table = connection.ops.quote_name(Run._meta.db_table)
    with connection.cursor() as cursor:
        for i in range(0, len(terms), 5000):
            part = terms[i : i + 5000]
            cursor.execute(
                f"SELECT term, kind, {select} FROM {table} WHERE term IN ({_marks(part)}) {tail}",  # noqa: S608 - a quoted table name and our own columns; terms are parameters
                part,
            )
            for term, kind, *rest in cursor.fetchall():
                if (term, int(kind)) in keys:
                    yield (term, int(kind)), *rest


def _run_counts(keys: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """How many runs each of these (term, kind) pairs has (those with none are left out)."""
    return {key: int(count) for key, count in _runs_rows("COUNT(*)", "GROUP BY term, kind", keys)}


def _runs_of(
    keys: set[tuple[str, int]],
) -> dict[tuple[str, int], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """The entries of every run of these (term, kind) pairs, oldest generation first."""
    found: dict[tuple[str, int], list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for key, n, data in _runs_rows("documents, data", "ORDER BY gen", keys):
        found.setdefault(key, []).append(unpack_entries(bytes(data), int(n)))
    return found


def _sorted_union(parts, dead: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries of several runs as one, in order, without the removed documents."""
    if not parts:
        return EMPTY_I8, EMPTY_I8, EMPTY_U1
    ranks = np.concatenate([p[0] for p in parts])
    docs = np.concatenate([p[1] for p in parts])
    weights = np.concatenate([p[2] for p in parts])
    if len(dead):
        keep = ~np.isin(docs, dead)
        ranks, docs, weights = ranks[keep], docs[keep], weights[keep]
    order = np.lexsort((docs, ranks, -weights.astype(np.int16)))
    return ranks[order], docs[order], weights[order]


def write_runs(postings: Postings, generation: int = 0) -> None:
    """Runs straight from postings in index order (a rebuild: one run per (term, kind))."""
    packed, size = postings.packed(), ENTRY.itemsize
    rows = [
        (term, kind, generation, stop - start, packed[start * size : stop * size])
        for term, kind, start, stop in postings.groups()
    ]
    with connection.cursor() as cursor:
        _insert_runs(cursor, rows)


def renumbered(kind: int, removed: set[int] | frozenset[int] = frozenset()) -> None:
    """After a kind's documents got new ranks: merge the segments, then every run of the kind in the new
    ranks' order. ``removed``: documents the operation under way removed (its segment is not written
    yet): their entries are still in runs, and have no rank any more."""
    merge()
    table = connection.ops.quote_name(Run._meta.db_table)
    rows = list(Run.objects.filter(kind=kind).values_list("term", "gen", "documents", "data"))
    if not rows:
        return
    updates = []
    for term, gen, n, data in rows:
        _, docs, weights = unpack_entries(bytes(data), int(n))
        ranks = current_ranks(docs, removed) if len(docs) else EMPTY_I8
        order = np.lexsort((docs, ranks, -weights.astype(np.int16)))
        updates.append((pack_entries(ranks[order], docs[order], weights[order]), term, kind, gen))
    with connection.cursor() as cursor:
        sql = f"UPDATE {table} SET data = %s WHERE term = %s AND kind = %s AND gen = %s"  # noqa: S608 - a quoted table name
        cursor.executemany(sql, updates)


def clear() -> None:
    """Every run and segment gone (a rebuild)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:  # plain DELETEs: no rows loaded, no signals
        cursor.execute(f"DELETE FROM {qn(Run._meta.db_table)}")  # noqa: S608 - a quoted table name
        cursor.execute(f"DELETE FROM {qn(Segment._meta.db_table)}")  # noqa: S608 - a quoted table name
    segments_cache.clear()


def postings() -> Iterator[tuple[str, int, int, int, int]]:
    """Every live posting as (term, document, weight, kind code, rank), runs and segments together
    (for tests and tools: it reads the whole index)."""
    snapshot = Snapshot(segments=_stored_segments())
    dead = set(snapshot.dead.tolist())
    for term, kind, n, data in (
        Run.objects.order_by("term", "kind", "gen")
        .values_list("term", "kind", "documents", "data")
        .iterator()
    ):
        ranks, docs, weights = unpack_entries(bytes(data), int(n))
        for rank, doc, weight in zip(ranks.tolist(), docs.tolist(), weights.tolist(), strict=True):
            if doc not in dead:
                yield term, doc, weight, int(kind), rank
    for segment in snapshot.segments:
        for term, kind, start, stop in segment.postings.groups():
            for rank, doc, weight in zip(
                segment.ranks[start:stop].tolist(), segment.docs[start:stop].tolist(),
                segment.weights[start:stop].tolist(), strict=True,
            ):  # fmt: skip
                if doc not in dead:
                    yield term, doc, weight, kind, rank
