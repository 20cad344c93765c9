"""Reading the search index: one query string → hits grouped by kind, in at most two SQL queries.

Each query word is expanded to the terms it may match (its folded lemmas and folded self, plus the
lemmas the forms table knows for its folded form). The first query reads, in one statement, those
terms' runs, the forms' lemmas and the segments not merged yet (store.py): every posting the search
needs. A document matches when every word matches one of its terms; its score is, summed over the
words, the highest field weight a word matched with.

A query of one word with one term – most queries – takes each kind's page from the start of its runs
(they are in the order of the results), so its cost does not depend on the number of matches.
Otherwise the words' documents are intersected as sorted arrays, counted per kind, and each kind's
page taken in order. The order is fully determined (score, folded title compared bytewise, object id
– the order of the documents' ranks), so SQLite and PostgreSQL return the same hits in the same
order. The second query reads the page's documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection
from django.urls import get_script_prefix

from . import store
from .models import KIND_OF_POSTING, KIND_ORDER, POSTING_KIND, Document, Kind
from .text import fold, query_terms, query_words

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_WORDS = 12
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    code: str
    context: str
    path: str
    score: int
    object_id: int = 0  # the indexed object's primary key (of its kind's model)

    @property
    def url(self) -> str:
        if not self.path:
            return ""
        return get_script_prefix().rstrip("/") + self.path


@dataclass
class Group:
    kind: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0

    @property
    def label(self) -> StrOrPromise:
        return Kind(self.kind).label

    @property
    def shown_to(self) -> int:
        return self.offset + len(self.hits)

    @property
    def has_more(self) -> bool:
        return self.shown_to < self.total


@dataclass
class SearchResults:
    query: str
    words: list[str]
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    def __bool__(self) -> bool:
        return self.total > 0

    def group(self, kind: str) -> Group | None:
        return next((g for g in self.groups if g.kind == kind), None)


@dataclass
class Expansion:
    """Per query word the terms it may match; per term the number of documents of each kind with it."""

    words: list[set[str]]
    documents: dict[str, dict[str, int]]

    def word_documents(self, i: int) -> int:
        """Documents a word may match, at most (a document can have several of its terms)."""
        return sum(n for term in self.words[i] for n in self.documents.get(term, {}).values())


def _expand(q: str) -> tuple[Expansion, store.Snapshot | None]:
    words = query_words(q, MAX_WORDS)
    expansions = [query_terms(word, is_code) for word, is_code in words]
    if not words:
        return Expansion(expansions, {}), None
    folded = [None if is_code else fold(word) for word, is_code in words]
    bare = {f for f in folded if f is not None}
    snapshot = store.read(set().union(*expansions), bare)
    words_terms = []
    documents: dict[str, dict[str, int]] = {}
    for terms, f in zip(expansions, folded, strict=True):
        candidates = terms | snapshot.lemmas.get(f or "", set())
        kept = set()
        for term in candidates:
            counts = documents.get(term)
            if counts is None:
                counts = documents[term] = {KIND_OF_POSTING[k]: n for k, n in snapshot.counts(term).items()}
            if counts:
                kept.add(term)
        words_terms.append(kept)
    return Expansion(words_terms, {t: c for t, c in documents.items() if c}), snapshot


def expand(q: str) -> Expansion:
    """The terms each query word may match (stop words dropped, at most MAX_WORDS words); one query.

    A word's candidates are its folded lemmas and folded self, plus the lemmas the forms table knows
    for its folded form; candidates no document has are dropped, so most words keep a single term
    ("projekti" → projekt). A word left with no term matches nothing.
    """
    return _expand(q)[0]


def search(
    q: str, *, kinds: Iterable[str] | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> SearchResults:
    """Hits for ``q`` grouped by kind (strategies, nodes, indicators, projects, organisations).

    ``limit`` hits per kind starting at ``offset``; each group also has the number of all its hits.
    An empty or stop-word-only query gives empty results without touching the database.
    """
    q = (q or "").strip()
    kinds = None if kinds is None else set(kinds)
    wanted = KIND_ORDER if kinds is None else [k for k in KIND_ORDER if k in kinds]
    unknown = (kinds or set()) - set(KIND_ORDER)
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(sorted(unknown))}")
    words = [word for word, _ in query_words(q, MAX_WORDS)]
    if not words or not wanted or limit <= 0:
        return SearchResults(q, words, [])
    offset = max(offset, 0)
    expansion, snapshot = _expand(q)
    if snapshot is None or not all(expansion.words):  # a word no document has: nothing matches every word
        return SearchResults(q, words, [])
    if len(expansion.words) == 1 and len(expansion.words[0]) == 1:
        (term,) = expansion.words[0]
        pages = _one_term(snapshot, term, wanted, limit, offset)
    else:
        pages = _matches(snapshot, expansion.words, wanted, limit, offset)
    shown = [int(d) for _, (_, _, docs, _) in pages.items() for d in docs]
    found = _documents(shown)
    groups = []
    for kind in KIND_ORDER:
        if kind not in pages:
            continue
        total, scores, docs, _ = pages[kind]
        group = Group(kind, total, offset=offset)
        for score, doc in zip(scores, docs, strict=True):
            row = found.get(int(doc))
            if row is not None:  # removed since the first statement read the index
                _, _, code, title, context, url, object_id = row
                group.hits.append(Hit(kind, title, code, context, url, int(score), object_id))
        groups.append(group)
    return SearchResults(q, words, groups)


def _documents(ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """The shown documents by id: (id, kind, code, title, context, URL path, object id)."""
    if not ids:
        return {}
    table = connection.ops.quote_name(Document._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, kind, code, title, context, url, object_id FROM {table} "  # noqa: S608 - a quoted table name; ids are parameters
            f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        return {int(row[0]): row for row in cursor.fetchall()}


# kind → (total, scores, documents, ranks) of its page
Pages = dict[str, tuple[int, list[int], list[int], list[int]]]


def _one_term(snapshot: store.Snapshot, term: str, wanted: list[str], limit: int, offset: int) -> Pages:
    """Each kind's page of one term: the first entries of its runs and segment groups, merged."""
    dead = snapshot.dead
    counts = snapshot.counts(term)
    pages: Pages = {}
    for kind in wanted:
        code = POSTING_KIND[kind]
        total = counts.get(code, 0)
        if not total:
            continue
        sources = snapshot.sources(term, code)
        stop = offset + limit
        if len(sources) == 1 and not len(dead):
            ranks, docs, weights, _ = sources[0]
            ranks, docs, weights = ranks[offset:stop], docs[offset:stop], weights[offset:stop]
        else:
            # the page is among the first stop (+ removed) entries of each source, each in order
            take = stop + len(dead)
            ranks = np.concatenate([s[0][:take] for s in sources])
            docs = np.concatenate([s[1][:take] for s in sources])
            weights = np.concatenate([s[2][:take] for s in sources])
            if len(dead):
                keep = ~np.isin(docs, dead)
                ranks, docs, weights = ranks[keep], docs[keep], weights[keep]
            order = np.lexsort((docs, ranks, -weights.astype(np.int16)))[offset:stop]
            ranks, docs, weights = ranks[order], docs[order], weights[order]
        pages[kind] = (total, weights.tolist(), docs.tolist(), ranks.tolist())
    return pages


def _word(snapshot: store.Snapshot, terms: set[str], codes: set[int]) -> tuple[np.ndarray, ...]:
    """A word's documents (sorted, removed ones left out) with their best weight, kind and rank."""
    sources = [s for term in sorted(terms) for s in snapshot.sources(term) if s[3] in codes]
    if not sources:
        return store.EMPTY_I8, store.EMPTY_U1, store.EMPTY_U1, store.EMPTY_I8
    docs = np.concatenate([s[1] for s in sources])
    weights = np.concatenate([s[2] for s in sources])
    kinds = np.concatenate([np.full(len(s[1]), s[3], dtype="u1") for s in sources])
    ranks = np.concatenate([s[0] for s in sources])
    # by document, its highest weight first; then one row per document
    order = np.lexsort((-weights.astype(np.int16), docs))
    docs, weights, kinds, ranks = docs[order], weights[order], kinds[order], ranks[order]
    first = np.ones(len(docs), dtype=bool)
    first[1:] = docs[1:] != docs[:-1]
    docs, weights, kinds, ranks = docs[first], weights[first], kinds[first], ranks[first]
    dead = snapshot.dead
    if len(dead):
        keep = ~np.isin(docs, dead)
        docs, weights, kinds, ranks = docs[keep], weights[keep], kinds[keep], ranks[keep]
    return docs, weights, kinds, ranks


def _matches(
    snapshot: store.Snapshot, words: list[set[str]], wanted: list[str], limit: int, offset: int
) -> Pages:
    """Documents that match every word, counted per kind, each kind's page in order."""
    codes = {POSTING_KIND[kind] for kind in wanted}
    docs, weights, kinds, ranks = _word(snapshot, words[0], codes)
    scores = weights.astype(np.int64)
    for terms in words[1:]:
        if not len(docs):
            break
        other, other_weights, _, _ = _word(snapshot, terms, codes)
        _, mine, theirs = np.intersect1d(docs, other, assume_unique=True, return_indices=True)
        docs, kinds, ranks = docs[mine], kinds[mine], ranks[mine]
        scores = scores[mine] + other_weights[theirs]
    pages: Pages = {}
    for kind in wanted:
        mask = kinds == POSTING_KIND[kind]
        total = int(mask.sum())
        if not total:
            continue
        k_docs, k_scores, k_ranks = docs[mask], scores[mask], ranks[mask]
        order = np.lexsort((k_docs, k_ranks, -k_scores))[offset : offset + limit]
        pages[kind] = (total, k_scores[order].tolist(), k_docs[order].tolist(), k_ranks[order].tolist())
    return pages
