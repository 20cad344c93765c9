"""Reading the search index: one query string → hits grouped by kind, in at most two SQL queries.

Each query word is expanded to the terms it may match (its folded lemmas and folded self, plus the
lemmas the forms table knows for its folded form). A document matches when every word matches one of
its terms; its score is, summed over the words, the highest field weight a word matched with. One
portable SQL statement ranks the matches per kind with ``ROW_NUMBER()`` and counts them with
``COUNT(*) OVER``; the order is fully determined (score, folded title compared bytewise, object id),
so SQLite and PostgreSQL return the same hits in the same order.
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
    expansions = expand(q)
    sql, params = _sql(expansions, wanted, limit, max(offset, 0))
    groups: dict[str, Group] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, code, title, context, url, score, total in cursor.fetchall():
            group = groups.get(kind)
            if group is None:
                group = groups[kind] = Group(kind, int(total), offset=max(offset, 0))
            group.hits.append(Hit(kind, title, code, context, url, int(score)))
    if offset > 0:  # groups whose hits all lie before the offset still need their totals
        for kind, total in _totals(expansions, [k for k in wanted if k not in groups]):
            groups[kind] = Group(kind, total, offset=offset)
    return SearchResults(q, words, [groups[k] for k in KIND_ORDER if k in groups])


def _in(terms: Iterable[str]) -> tuple[str, list[str]]:
    terms = sorted(terms)
    return "(" + ", ".join(["%s"] * len(terms)) + ")", terms


def _matches(expansions: list[set[str]]) -> tuple[str, list]:
    """SELECT document_id, score of the documents that match every word."""
    qn = connection.ops.quote_name
    posting = qn(Posting._meta.db_table)
    score_parts, having_parts = [], []
    score_params: list = []
    having_params: list = []
    for terms in expansions:
        placeholders, values = _in(terms)
        score_parts.append(f"MAX(CASE WHEN p.term IN {placeholders} THEN p.weight ELSE 0 END)")
        score_params += values
        having_parts.append(f"MAX(CASE WHEN p.term IN {placeholders} THEN 1 ELSE 0 END) = 1")
        having_params += values
    placeholders, all_terms = _in(set().union(*expansions))
    sql = (
        f"SELECT p.document_id AS document_id, {' + '.join(score_parts)} AS score "
        f"FROM {posting} p WHERE p.term IN {placeholders} "
        f"GROUP BY p.document_id HAVING {' AND '.join(having_parts)}"
    )
    return sql, score_params + all_terms + having_params


def _sql(expansions: list[set[str]], kinds: list[str], limit: int, offset: int) -> tuple[str, list]:
    qn = connection.ops.quote_name
    document = qn(Document._meta.db_table)
    collate = 'COLLATE "C"' if connection.vendor == "postgresql" else "COLLATE BINARY"
    matches, params = _matches(expansions)
    kind_in, kind_params = _in(kinds)
    kind_rank = "CASE d.kind " + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(KIND_ORDER)) + " END"
    sql = (
        "SELECT d.kind, d.code, d.title, d.context, d.url, r.score, r.total FROM ("
        "  SELECT m.document_id, m.score,"
        f"   ROW_NUMBER() OVER (PARTITION BY d.kind ORDER BY m.score DESC, d.sort_key {collate}, d.object_id) AS rn,"
        "   COUNT(*) OVER (PARTITION BY d.kind) AS total"
        f"  FROM ({matches}) m JOIN {document} d ON d.id = m.document_id"
        f"  WHERE d.kind IN {kind_in}"
        f") r JOIN {document} d ON d.id = r.document_id "
        "WHERE r.rn > %s AND r.rn <= %s "
        f"ORDER BY {kind_rank}, r.rn"
    )
    return sql, params + kind_params + [offset, offset + limit]


def _totals(expansions: list[set[str]], kinds: list[str]) -> list[tuple[str, int]]:
    if not kinds:
        return []
    qn = connection.ops.quote_name
    document = qn(Document._meta.db_table)
    matches, params = _matches(expansions)
    kind_in, kind_params = _in(kinds)
    sql = (
        f"SELECT d.kind, COUNT(*) FROM ({matches}) m JOIN {document} d ON d.id = m.document_id "
        f"WHERE d.kind IN {kind_in} GROUP BY d.kind"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + kind_params)
        return [(kind, int(n)) for kind, n in cursor.fetchall()]
