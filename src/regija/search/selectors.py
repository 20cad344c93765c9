"""Reading the search index: one query string → hits grouped by kind, in at most two SQL queries.

Each query word is expanded to the terms it may match (its folded lemmas and folded self, plus the
lemmas the forms table knows for its folded form). A document matches when every word matches one of
its terms; its score is, summed over the words, the highest field weight a word matched with. One
portable SQL statement counts the matches per kind and takes each kind's best ``limit`` with
``ORDER BY … LIMIT`` (a top-n heap instead of numbering every match, which cost seconds for a word
in 100 000 documents); the order is fully determined (score, folded title compared bytewise, object
id), so SQLite and PostgreSQL return the same hits in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.urls import get_script_prefix

from .models import KIND_ORDER, Document, Form, Kind, Posting
from .text import fold, query_terms, query_words

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
    def label(self) -> str:
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


def expand(q: str) -> list[set[str]]:
    """The terms each query word may match (stop words dropped, at most MAX_WORDS words); one query."""
    words = query_words(q, MAX_WORDS)
    expansions = [query_terms(word, is_code) for word, is_code in words]
    bare = {fold(word): i for i, (word, is_code) in enumerate(words) if not is_code}
    if bare:
        for form, lemma in Form.objects.filter(form__in=sorted(bare)).values_list("form", "lemma"):
            for i, (word, is_code) in enumerate(words):
                if not is_code and fold(word) == form:
                    expansions[i].add(lemma)
    return expansions


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
    sql, params = _sql(expand(q), wanted, limit, offset)
    groups: dict[str, Group] = {}
    rows: dict[str, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, code, title, context, url, score, sort_key, object_id, total in cursor.fetchall():
            if total is not None:  # the count row of a kind
                groups[kind] = Group(kind, int(total), offset=offset)
            else:
                hit = (-int(score), sort_key, int(object_id), code, title, context, url)
                rows.setdefault(kind, []).append(hit)
    for kind, hits in rows.items():
        # UNION ALL keeps no order between its parts: sort each kind's few hits as the SQL ranked them
        # (score, folded title bytewise – the code-point order of str – then object id)
        hits.sort(key=lambda h: h[:3])
        groups[kind].hits = [
            Hit(kind, title, code, context, url, -neg) for neg, _, _, code, title, context, url in hits
        ]
    return SearchResults(q, words, [groups[k] for k in KIND_ORDER if k in groups])


def _in(terms: Iterable[str]) -> tuple[str, list[str]]:
    terms = sorted(terms)
    return "(" + ", ".join(["%s"] * len(terms)) + ")", terms


def _matches(expansions: list[set[str]]) -> tuple[str, list]:
    """SELECT document_id, score of the documents that match every word.

    Per word, a document's best weight among the word's terms (a term occurs once per document, so a
    word with one term needs no grouping); the words are joined on the document and their weights summed.
    """
    posting = connection.ops.quote_name(Posting._meta.db_table)
    parts, params = [], []
    for terms in expansions:
        placeholders, values = _in(terms)
        if len(values) == 1:
            parts.append(
                f"SELECT p.document_id AS document_id, p.weight AS score FROM {posting} p WHERE p.term = %s"
            )
        else:
            parts.append(
                f"SELECT p.document_id AS document_id, MAX(p.weight) AS score FROM {posting} p "
                f"WHERE p.term IN {placeholders} GROUP BY p.document_id"
            )
        params += values
    if len(parts) == 1:
        return parts[0], params
    score = " + ".join(f"w{i}.score" for i in range(len(parts)))
    joins = " ".join(
        f"JOIN ({part}) w{i} ON w{i}.document_id = w0.document_id" for i, part in enumerate(parts) if i
    )
    return f"SELECT w0.document_id AS document_id, {score} AS score FROM ({parts[0]}) w0 {joins}", params


def _sql(expansions: list[set[str]], kinds: list[str], limit: int, offset: int) -> tuple[str, list]:
    """One statement: the number of matches per kind, then each kind's hits from ``offset`` on.

    The counts come first (``c``, a few rows); each kind's part starts from its count row, so a kind
    without matches costs nothing, and takes its best ``limit`` with ORDER BY … LIMIT – a top-n heap,
    not a sort of every match. Rows of hits have no total; count rows have only kind and total.
    CROSS JOIN keeps that order on SQLite: with table statistics (ANALYZE) its planner would rather
    walk every document of the kind first, which costs ~15 ms per kind even when nothing matches.
    """
    qn = connection.ops.quote_name
    document = qn(Document._meta.db_table)
    collate = 'COLLATE "C"' if connection.vendor == "postgresql" else "COLLATE BINARY"
    matches, match_params = _matches(expansions)
    kind_in, kind_params = _in(kinds)
    counts = (
        f"c AS (SELECT d.kind AS kind, COUNT(*) AS total FROM ({matches}) m "
        f"JOIN {document} d ON d.id = m.document_id WHERE d.kind IN {kind_in} GROUP BY d.kind)"
    )
    params = match_params + kind_params
    parts = []
    for i, kind in enumerate(kinds):
        parts.append(
            "SELECT * FROM (SELECT d.kind, d.code, d.title, d.context, d.url, m.score, d.sort_key, "
            "d.object_id, CAST(NULL AS BIGINT) AS total "
            f"FROM c CROSS JOIN ({matches}) m CROSS JOIN {document} d "
            "WHERE c.kind = %s AND d.id = m.document_id AND d.kind = %s "
            f"ORDER BY m.score DESC, d.sort_key {collate}, d.object_id LIMIT %s OFFSET %s) AS k{i}"
        )
        params += match_params + [kind, kind, limit, offset]
    parts.append("SELECT kind, NULL, NULL, NULL, NULL, NULL, NULL, NULL, total FROM c")
    return f"WITH {counts} " + " UNION ALL ".join(parts), params
