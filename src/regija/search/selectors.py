"""Reading the search index: one query string → hits grouped by kind, in at most two SQL queries.

Each query word is expanded to the terms it may match (its folded lemmas and folded self, plus the
lemmas the forms table knows for its folded form); the first query keeps those some document has,
with their numbers of documents per kind (TermCount). A document matches when every word matches
one of its terms; its score is, summed over the words, the highest field weight a word matched with.

The second query depends on the words. A query of one word with one term – most queries, since a
word's other candidates rarely occur – knows its totals already and reads each kind's best ``limit``
straight from the postings' rank index (term, kind, weight, rank, document), so its cost does not
depend on the number of matches. Otherwise one portable statement counts the matches per kind and
takes each kind's best ``limit`` with ``ORDER BY … LIMIT`` (a top-n heap), starting from the rarest
word. The order is fully determined (score, folded title compared bytewise, object id – which is
the order of the documents' ranks, copied into the postings), so SQLite and PostgreSQL return the
same hits in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.db import connection
from django.urls import get_script_prefix

from .models import KIND_OF_POSTING, KIND_ORDER, POSTING_KIND, Document, Form, Kind, Posting, TermCount
from .text import fold, query_terms, query_words

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = TypeVar("T", str, int)

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


def expand(q: str) -> Expansion:
    """The terms each query word may match (stop words dropped, at most MAX_WORDS words); one query.

    A word's candidates are its folded lemmas and folded self, plus the lemmas the forms table knows
    for its folded form. The same query reads each candidate's number of documents per kind
    (TermCount) and drops candidates no document has: most words then keep a single term
    ("projekti" → projekt), whose hits the rank index gives in order and whose totals need no
    counting. A word left with no term matches nothing.
    """
    words = query_words(q, MAX_WORDS)
    expansions = [query_terms(word, is_code) for word, is_code in words]
    if not words:
        return Expansion(expansions, {})
    folded = [None if is_code else fold(word) for word, is_code in words]
    bare = sorted({f for f in folded if f is not None})
    qn = connection.ops.quote_name
    counts, forms = qn(TermCount._meta.db_table), qn(Form._meta.db_table)
    placeholders, params = _in(set().union(*expansions))
    sql = (
        f"SELECT NULL AS form, c.term, c.kind, c.documents FROM {counts} c "  # noqa: S608 - quoted table name, %s placeholders; the terms are parameters
        f"WHERE c.term IN {placeholders} AND c.documents > 0"
    )
    if bare:
        # the lemmas the forms table knows for a word typed without č, š, ž, with their counts
        form_in, values = _in(bare)
        sql += (
            f" UNION ALL SELECT f.form, c.term, c.kind, c.documents FROM {forms} f "  # noqa: S608 - quoted table names, %s placeholders; the forms are parameters
            f"JOIN {counts} c ON c.term = f.lemma WHERE f.form IN {form_in} AND c.documents > 0"
        )
        params += values
    existing: set[str] = set()
    lemmas: dict[str | None, set[str]] = {}  # folded form → lemmas (looked up with None for a code)
    documents: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for form, term, kind, n in cursor.fetchall():
            documents.setdefault(term, {})[kind] = int(n)
            if form is None:
                existing.add(term)
            else:
                lemmas.setdefault(form, set()).add(term)
    words_terms = [
        (terms & existing) | lemmas.get(f, set()) for terms, f in zip(expansions, folded, strict=True)
    ]
    return Expansion(words_terms, documents)


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
    expansion = expand(q)
    if not all(expansion.words):  # a word no document has: nothing matches every word
        return SearchResults(q, words, [])
    groups: dict[str, Group] = {}
    rows: dict[str, list[tuple[int, int, int, str, str, str, str]]] = {}
    if len(expansion.words) == 1 and len(expansion.words[0]) == 1:
        # one word of one term: its totals per kind are known, its hits come in order from the rank index
        (term,) = expansion.words[0]
        totals = expansion.documents.get(term, {})
        for kind in wanted:
            if totals.get(kind):
                groups[kind] = Group(kind, totals[kind], offset=offset)
        shown = [kind for kind in groups if totals[kind] > offset]
        if not shown:
            return SearchResults(q, words, [groups[k] for k in KIND_ORDER if k in groups])
        sql, params = _hits_sql(term, shown, limit, offset)
    else:
        # the rarest word first: the others' postings are then looked up per document it has
        order = sorted(range(len(expansion.words)), key=expansion.word_documents)
        sql, params = _sql([expansion.words[i] for i in order], wanted, limit, offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, code, title, context, url, score, rank, object_id, total in cursor.fetchall():
            if total is not None:  # the count row of a kind: its posting code in the score column
                groups[KIND_OF_POSTING[int(score)]] = Group(
                    KIND_OF_POSTING[int(score)], int(total), offset=offset
                )
            else:
                hit = (-int(score), int(rank), int(object_id), code, title, context, url)
                rows.setdefault(kind, []).append(hit)
    for kind, hits in rows.items():
        # UNION ALL keeps no order between its parts: sort each kind's few hits as the SQL ranked them
        # (score, then rank: the order of the folded title bytewise, then of the object)
        hits.sort(key=lambda h: h[:3])
        groups[kind].hits = [
            Hit(kind, title, code, context, url, -neg, object_id)
            for neg, _, object_id, code, title, context, url in hits
        ]
    return SearchResults(q, words, [groups[k] for k in KIND_ORDER if k in groups])


def _in(terms: Iterable[T]) -> tuple[str, list[T]]:
    terms = sorted(terms)
    return "(" + ", ".join(["%s"] * len(terms)) + ")", terms


def _matches(expansions: list[set[str]]) -> tuple[str, list[str | int]]:
    """SELECT document_id, score, kind, rank of the documents that match every word.

    ``expansions`` come rarest word first. That word's postings are read (one range of an index per
    term; with several terms, the highest weight per document); every other word is then joined per
    document on the postings' primary key (term, document) – a document without any of its terms
    drops out – so the work is one lookup per term of the other words for each document of the
    rarest word, never a scan of a common word's postings.
    Kind and rank come from the postings (copies of the document's), so counting and ranking never
    read the documents.
    """
    posting = connection.ops.quote_name(Posting._meta.db_table)
    first, *others = expansions
    placeholders, first_values = _in(first)
    if len(first_values) == 1:
        rarest = (
            "SELECT p.document_id AS document_id, p.weight AS score, p.kind AS kind, "  # noqa: S608 - a quoted table name; the term is a parameter
            f"p.rank AS rank FROM {posting} p WHERE p.term = %s"
        )
    else:
        rarest = (
            "SELECT p.document_id AS document_id, MAX(p.weight) AS score, MIN(p.kind) AS kind, "  # noqa: S608 - quoted table name, %s placeholders; the terms are parameters
            f"MIN(p.rank) AS rank FROM {posting} p "
            f"WHERE p.term IN {placeholders} GROUP BY p.document_id"
        )
    if not others:
        return rarest, [*first_values]
    # the other words' postings of each document of the rarest word: one primary-key lookup per term
    # (CROSS JOIN keeps SQLite from starting anywhere else); a word of several terms may give a
    # document more than one row, so then the rows are grouped and each word's best weight kept
    joins: list[str] = []
    conditions: list[str] = []
    params: list[str | int] = [*first_values]
    for i, terms in enumerate(others):
        placeholders, values = _in(terms)
        joins.append(f"CROSS JOIN {posting} q{i}")
        conditions.append(f"q{i}.term IN {placeholders} AND q{i}.document_id = w.document_id")
        params += values
    if all(len(terms) == 1 for terms in others):  # at most one row per document
        weights = [f"q{i}.weight" for i in range(len(others))]
        columns = "w.score, w.kind, w.rank"
        group = ""
    else:
        weights = [f"MAX(q{i}.weight)" for i in range(len(others))]
        columns = "MIN(w.score), MIN(w.kind), MIN(w.rank)"
        group = " GROUP BY w.document_id"
    score, kind, rank = columns.split(", ")
    return (
        f"SELECT w.document_id AS document_id, {' + '.join([score, *weights])} AS score, "  # noqa: S608 - the parts above and column aliases; the terms are parameters
        f"{kind} AS kind, {rank} AS rank "
        f"FROM ({rarest}) w {' '.join(joins)} WHERE {' AND '.join(conditions)}{group}",
        params,
    )


def _hits_sql(term: str, kinds: list[str], limit: int, offset: int) -> tuple[str, list[str | int]]:
    """Each kind's hits of one term from ``offset`` on: a range of the rank index per kind, in order."""
    qn = connection.ops.quote_name
    posting, document = qn(Posting._meta.db_table), qn(Document._meta.db_table)
    parts: list[str] = []
    params: list[str | int] = []
    for i, kind in enumerate(kinds):
        # the rank index gives the postings in their final order (weight, then rank: the order of the
        # folded title and the object); only the page's documents are read, for what they show (d)
        parts.append(
            f"SELECT d.kind, d.code, d.title, d.context, d.url, t{i}.score, t{i}.rank, d.object_id, "  # noqa: S608 - quoted table names; values are parameters
            "CAST(NULL AS BIGINT) AS total FROM ("
            "SELECT p.document_id AS document_id, p.weight AS score, p.rank AS rank "
            f"FROM {posting} p WHERE p.term = %s AND p.kind = %s "
            "ORDER BY p.weight DESC, p.rank, p.document_id "
            f"LIMIT %s OFFSET %s) t{i} CROSS JOIN {document} d WHERE d.id = t{i}.document_id"
        )
        params += [term, POSTING_KIND[kind], limit, offset]
    return " UNION ALL ".join(parts), params


def _sql(
    expansions: list[set[str]], kinds: list[str], limit: int, offset: int
) -> tuple[str, list[str | int]]:
    """One statement: the number of matches per kind, then each kind's hits from ``offset`` on.

    The matches (``m``) are found once: a common table expression used several times, which SQLite
    (3.35+) and PostgreSQL (12+) both compute once and keep. The counts come from it (``c``, a few
    rows); each kind's part starts from its count row, so a kind without matches costs nothing, and
    takes its best ``limit`` with ORDER BY … LIMIT (a top-n heap over the matches, not a sort of
    them) before it reads those few documents. Rows of hits have no total; count rows have only
    kind and total. The count row is checked with an uncorrelated EXISTS, evaluated once.
    """
    qn = connection.ops.quote_name
    document = qn(Document._meta.db_table)
    matches, match_params = _matches(expansions)
    kind_in, kind_params = _in([POSTING_KIND[kind] for kind in kinds])
    common = (
        f"m AS ({matches}), "  # noqa: S608 - our subquery, %s placeholders; the kinds are parameters
        f"c AS (SELECT m.kind AS kind, COUNT(*) AS total FROM m WHERE m.kind IN {kind_in} GROUP BY m.kind)"
    )
    params: list[str | int] = [*match_params, *kind_params]
    parts: list[str] = []
    for i, kind in enumerate(kinds):
        parts.append(
            f"SELECT d.kind, d.code, d.title, d.context, d.url, t{i}.score, t{i}.rank, d.object_id, "  # noqa: S608 - a quoted table name; values are parameters
            "CAST(NULL AS BIGINT) AS total FROM ("
            "SELECT m.document_id AS document_id, m.score AS score, m.rank AS rank FROM m "
            "WHERE m.kind = %s AND EXISTS (SELECT 1 FROM c WHERE c.kind = %s) "
            "ORDER BY m.score DESC, m.rank, m.document_id "
            f"LIMIT %s OFFSET %s) t{i} CROSS JOIN {document} d WHERE d.id = t{i}.document_id"
        )
        params += [POSTING_KIND[kind], POSTING_KIND[kind], limit, offset]
    parts.append("SELECT NULL, NULL, NULL, NULL, NULL, kind, NULL, NULL, total FROM c")
    return f"WITH {common} " + " UNION ALL ".join(parts), params
