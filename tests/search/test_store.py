"""The postings' storage (search/store.py): segments per write, merges into runs, removed documents.

What a user notices is only the results, so each test compares what searches give – every hit of a set
of queries, in order, and pages of them – before and after the storage changed underneath.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from regija.projects.models import Project
from regija.search import indexing, store
from regija.search.models import Document, Kind, Run, Segment
from regija.search.selectors import search
from regija.strategies.models import Strategy

from .test_indexing import LAS, assert_counts_are_true

pytestmark = pytest.mark.usefixtures("indexed")

QUERIES = [
    "projekt",
    "razvoj",
    "dvorana",
    "turizem",
    "kulturna dediščina",
    "zasavje",
    "obcina",
    "5.1",
    "nov center",
]


def everything() -> list:
    """Every hit of every query (all of them, and pages of 3 from offsets 0 and 2), with the totals."""
    seen = []
    for q in QUERIES:
        for limit, offset in ((10_000, 0), (3, 0), (3, 2)):
            results = search(q, limit=limit, offset=offset)
            seen.append(
                (
                    q,
                    limit,
                    offset,
                    [(g.kind, g.total, [(h.object_id, h.score) for h in g.hits]) for g in results.groups],
                )
            )
    return seen


def change_some_projects(count: int = 6) -> list[int]:
    """Save projects one by one (each save is one operation: a segment); returns their ids."""
    ids = list(Project.objects.filter(strategy__slug=LAS).order_by("pk").values_list("pk", flat=True)[:count])
    for i, pk in enumerate(ids):
        project = Project.objects.get(pk=pk)
        project.title = f"Nov center {i} za razvoj podeželja"
        project.save()
    return ids


def test_every_save_is_found_at_once_and_a_merge_changes_no_result():
    before_changes = everything()
    ids = change_some_projects()
    assert Segment.objects.count() >= len(ids)
    found = {h.object_id for h in search("nov center", limit=100).group("project").hits}
    assert set(ids) <= found
    before = everything()
    assert before != before_changes
    with transaction.atomic():
        store.merge()
    assert Segment.objects.count() == 0
    assert everything() == before
    assert_counts_are_true()


def test_removed_documents_are_gone_at_once_and_from_the_runs_after_a_merge():
    project = Project.objects.filter(strategy__slug=LAS).order_by("pk").first()
    document = Document.objects.get(kind=Kind.PROJECT, object_id=project.pk)
    terms = document.terms.split()
    assert project.pk in {h.object_id for h in search(terms[0], limit=10_000).group("project").hits}
    project.delete()
    assert project.pk not in {
        h.object_id
        for t in terms[:5]
        for g in search(t, limit=10_000).groups
        for h in g.hits
        if g.kind == "project"
    }
    results = everything()
    with transaction.atomic():
        store.merge()
    assert everything() == results
    # no run holds the removed document any more
    for term, n, data in Run.objects.values_list("term", "documents", "data"):
        _, docs, _ = store.unpack_entries(bytes(data), n)
        assert document.pk not in docs.tolist(), term
    assert_counts_are_true()


def test_a_term_never_has_more_runs_of_a_kind_than_the_limit(monkeypatch):
    monkeypatch.setattr(store, "MAX_RUNS", 2)
    results = None
    for round_ in range(4):  # each round adds a run of "center" for projects, merged
        change_some_projects(2 + round_)
        with transaction.atomic():
            store.merge()
        counts = {}
        for term, kind in Run.objects.values_list("term", "kind"):
            counts[(term, kind)] = counts.get((term, kind), 0) + 1
        assert max(counts.values()) <= 2
        results = everything()
    with transaction.atomic():
        indexing.rebuild()
    assert everything() == results  # the same as one run per (term, kind)
    assert_counts_are_true()


def test_merges_run_when_the_segments_have_grown(monkeypatch):
    monkeypatch.setattr(store, "MERGE_SEGMENTS", 2)
    change_some_projects(3)  # the third save finds three segments and merges them
    assert Segment.objects.count() == 0
    monkeypatch.setattr(store, "MERGE_SEGMENTS", 1000)
    monkeypatch.setattr(store, "MERGE_POSTINGS", 10)  # any real save has more postings than this
    change_some_projects(1)
    assert Segment.objects.count() == 0
    assert_counts_are_true()


def test_a_segment_read_in_a_rolled_back_transaction_is_not_mistaken_for_a_later_one():
    """A search inside a transaction decodes its own segment; when the transaction rolls back, the next
    segment may get the same id (SQLite), and must not be answered from the copy of the first."""
    strategy = Strategy.objects.get(slug=LAS)
    with transaction.atomic():
        strategy.title = "Zelo posebna kolesarnica"
        strategy.save()
        assert search("kolesarnica").total == 1  # decoded in this process
        transaction.set_rollback(True)
    assert search("kolesarnica").total == 0
    strategy.refresh_from_db()
    strategy.title = "Zelo posebna pekarna"
    strategy.save()
    assert search("pekarna").total == 1
    assert search("kolesarnica").total == 0


def test_renumbering_a_kind_puts_the_new_ranks_in_runs_and_segments(monkeypatch):
    change_some_projects(3)  # segments with projects' ranks
    results = everything()
    with transaction.atomic():
        indexing._number(Kind.PROJECT)  # every project gets a new rank
    ranks = dict(Document.objects.values_list("pk", "rank"))
    assert all(ranks[doc] == rank for _, doc, _, _, rank in store.postings())
    assert everything() == results


def test_the_migration_packs_stored_postings_into_runs_and_back():
    """search.0011's data steps: the postings of search.0010 become runs (the same entries, in order)
    and, backwards, postings and term counts again (run here on scratch copies of the old tables)."""
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("regija.search.migrations.0011_runs_and_segments")
    editor = SimpleNamespace(connection=connection)
    rows = [  # term, document, weight, kind code, rank
        ("zzobcina", 11, 3, 5, 100),
        ("zzobcina", 12, 1, 5, 50),
        ("zzobcina", 13, 3, 5, 200),
        ("zzobcina", 14, 1, 4, 10),
        ("zzrazvoj", 12, 1, 5, 50),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE search_posting (term varchar(64), document_id bigint, weight smallint, "
            "kind smallint, rank bigint)"
        )
        cursor.execute(
            "CREATE TABLE search_termcount (term varchar(64), kind varchar(12), documents integer)"
        )
        cursor.executemany(
            "INSERT INTO search_posting (term, document_id, weight, kind, rank) VALUES (%s, %s, %s, %s, %s)",
            rows,
        )
        cursor.execute("DELETE FROM search_run")
    migration.postings_to_runs(None, editor)
    runs = {
        (term, kind): store.unpack_entries(bytes(data), n)[1].tolist()
        for term, kind, n, data in Run.objects.values_list("term", "kind", "documents", "data")
    }
    # best first: weight 3 before 1, then rank
    assert runs == {("zzobcina", 5): [11, 13, 12], ("zzobcina", 4): [14], ("zzrazvoj", 5): [12]}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_posting")
    migration.runs_to_postings(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, document_id, weight, kind, rank FROM search_posting ORDER BY term, document_id"
        )
        assert [tuple(r) for r in cursor.fetchall()] == rows
        cursor.execute("SELECT term, kind, documents FROM search_termcount ORDER BY term, kind")
        assert [tuple(r) for r in cursor.fetchall()] == [
            ("zzobcina", "organisation", 3),
            ("zzobcina", "project", 1),
            ("zzrazvoj", "organisation", 1),
        ]


def test_an_operation_that_renumbers_after_removing_what_it_added_still_writes():
    """One operation adds a document, removes it again (a second re-index of the same object) and then
    has to number the kind again: the removed document's entries need no rank, the others get theirs."""
    from regija.search.text import Analyzer

    project = Project.objects.filter(strategy__slug=LAS).order_by("pk").first()
    project.title = "Čisto nova kolesarnica"
    Project.objects.filter(pk=project.pk).update(title=project.title)  # no signal

    @indexing._one_segment
    def operation():
        indexing._reindex(Kind.PROJECT, [project.pk], Analyzer(), indexing.Stats())
        indexing._reindex(Kind.PROJECT, [project.pk], Analyzer(), indexing.Stats())  # removes the first
        indexing._number(Kind.PROJECT)

    operation()
    hits = search("kolesarnica").group("project").hits
    assert [h.object_id for h in hits] == [project.pk]
    ranks = dict(Document.objects.values_list("pk", "rank"))
    assert all(ranks[doc] == rank for _, doc, _, _, rank in store.postings())
    assert_counts_are_true()


@pytest.mark.parametrize("spread", [1, 3, 1000])  # document ids close together, or not (the fallback)
def test_the_one_key_sort_gives_the_index_order(spread):
    """store._order's single 64-bit key sorts postings exactly as the four keys would."""
    import numpy as np

    rng = np.random.default_rng(spread)
    documents = 3000
    ids = np.sort(rng.choice(documents * spread, documents, replace=False)).astype(np.int64) + 10_000
    kinds = rng.integers(1, 9, documents).astype("u1")
    ranks = rng.integers(0, 1 << 62, documents).astype(np.int64)
    ranks[:50] = ranks[50:100]  # equal ranks (of documents of other kinds, or ties to break by id)
    per = rng.integers(1, 40, documents)
    docs = np.repeat(ids, per)
    terms = np.concatenate([rng.choice(5000, n, replace=False) for n in per]).astype(np.int64)
    groups = terms * 256 + np.repeat(kinds, per)
    weights = rng.choice(np.array([1, 3], dtype="u1"), len(docs))
    expected = np.lexsort((docs, np.repeat(ranks, per), -weights.astype(np.int16), groups))
    found = store._order(groups, weights, np.repeat(kinds, per), np.repeat(ranks, per), docs)
    assert np.array_equal(found, expected)
