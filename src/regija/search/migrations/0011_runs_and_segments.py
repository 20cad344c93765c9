"""Postings as packed runs per (term, kind) instead of one row per (term, document); no term counts.

An import wrote one row per posting (≈ 58 per document) into two B-trees and upserted one term count
per (term, kind): most of its time. Now each write adds one segment row and merges move segments into
runs (search/store.py). This migration packs the stored postings into one run per (term, kind) – the
same bytes as a rebuild gives – and back again when migrated backwards (segments are merged in first;
the term counts are counted from the postings).
"""

import struct

import numpy as np
from django.db import migrations, models

# the formats of search/store.py at this migration (copied: a migration must not change with the code)
_HEADER = struct.Struct("<7I")
KINDS = {
    1: "strategy",
    2: "node",
    3: "indicator",
    4: "project",
    5: "organisation",
    6: "dataset",
    7: "proposal",
    8: "pb_proposal",
}


ENTRY = np.dtype([("rank", "<i8"), ("doc", "<i8"), ("weight", "u1")])


def _pack(rows):
    """(weight, rank, document) rows, in order, as a run's bytes."""
    records = np.empty(len(rows), dtype=ENTRY)
    records["weight"] = [r[0] for r in rows]
    records["rank"] = [r[1] for r in rows]
    records["doc"] = [r[2] for r in rows]
    return records.tobytes()


def _unpack(data, n):
    records = np.frombuffer(bytes(data), ENTRY, n)
    return records["rank"].tolist(), records["doc"].tolist(), records["weight"].tolist()


def uncompressed(apps, schema_editor):
    """PostgreSQL: runs and segments stored out of line but not compressed (packed numbers do not
    compress, and every search would decompress the runs it reads)."""
    if schema_editor.connection.vendor == "postgresql":
        for table in ("search_run", "search_segment"):
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN data SET STORAGE EXTERNAL")


def postings_to_runs(apps, schema_editor):
    cursor = schema_editor.connection.cursor()
    cursor.execute(
        "SELECT term, kind, weight, rank, document_id FROM search_posting "
        "ORDER BY term, kind, weight DESC, rank, document_id"
    )
    key, rows, out = None, [], []

    def flush():
        if rows:
            out.append((key[0], key[1], 0, len(rows), _pack(rows)))

    for term, kind, weight, rank, document in cursor.fetchall():
        if (term, kind) != key:
            flush()
            key, rows = (term, kind), []
        rows.append((weight, rank, document))
    flush()
    for i in range(0, len(out), 2000):
        cursor.executemany(
            "INSERT INTO search_run (term, kind, gen, documents, data) VALUES (%s, %s, %s, %s, %s)",
            out[i : i + 2000],
        )


def runs_to_postings(apps, schema_editor):
    cursor = schema_editor.connection.cursor()
    live = {}  # (term, document) → (weight, kind, rank)
    cursor.execute("SELECT term, kind, documents, data FROM search_run ORDER BY gen")
    for term, kind, n, data in cursor.fetchall():
        for rank, doc, weight in zip(*_unpack(data, n), strict=True):
            live[(term, doc)] = (weight, kind, rank)
    cursor.execute("SELECT data FROM search_segment ORDER BY id")
    dead = set()
    for (data,) in cursor.fetchall():
        buf = memoryview(bytes(data))
        _, g, n, m, d, tlen, mlen = _HEADER.unpack_from(buf, 0)
        at = _HEADER.size
        terms = bytes(buf[at : at + tlen]).decode().split("\n") if g else []
        at += tlen
        kinds = np.frombuffer(buf, "u1", g, at).tolist()
        at += g
        starts = np.frombuffer(buf, "<i8", g + 1, at).tolist()
        at += 8 * (g + 1)
        ranks, docs, weights = _unpack(buf[at : at + ENTRY.itemsize * n], n)
        at += ENTRY.itemsize * n + mlen + 9 * m
        dead.update(np.frombuffer(buf, "<i8", d, at).tolist())
        for term, kind, start, stop in zip(terms, kinds, starts[:-1], starts[1:], strict=True):
            for i in range(start, stop):
                live[(term, docs[i])] = (weights[i], kind, ranks[i])
    rows = sorted((term, doc, *value) for (term, doc), value in live.items() if doc not in dead)
    for i in range(0, len(rows), 5000):
        cursor.executemany(
            "INSERT INTO search_posting (term, document_id, weight, kind, rank) VALUES (%s, %s, %s, %s, %s)",
            rows[i : i + 5000],
        )
    name = " ".join(f"WHEN {code:d} THEN '{kind}'" for code, kind in sorted(KINDS.items()))
    cursor.execute(
        f"INSERT INTO search_termcount (term, kind, documents) SELECT term, CASE kind {name} END, COUNT(*) "  # noqa: S608 - fixed kind codes of our own
        "FROM search_posting GROUP BY term, kind"
    )
    cursor.execute("DELETE FROM search_segment")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0010_proposal_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="Run",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "term", "kind", "gen", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("term", models.CharField(max_length=64, verbose_name="search term")),
                ("kind", models.PositiveSmallIntegerField(verbose_name="kind")),
                ("gen", models.BigIntegerField(verbose_name="generation")),
                ("documents", models.IntegerField(verbose_name="documents")),
                ("data", models.BinaryField(verbose_name="entries")),
            ],
            options={
                "verbose_name": "search run",
                "verbose_name_plural": "search runs",
            },
        ),
        migrations.CreateModel(
            name="Segment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("nonce", models.BigIntegerField(verbose_name="nonce")),
                ("postings", models.IntegerField(verbose_name="postings")),
                ("data", models.BinaryField(verbose_name="contents")),
            ],
            options={
                "verbose_name": "search segment",
                "verbose_name_plural": "search segments",
            },
        ),
        migrations.RunPython(uncompressed, migrations.RunPython.noop),
        migrations.RunPython(postings_to_runs, runs_to_postings),
        migrations.DeleteModel(
            name="TermCount",
        ),
        migrations.DeleteModel(
            name="Posting",
        ),
    ]
