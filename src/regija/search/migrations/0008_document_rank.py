"""Postings carry their document's rank (its place in its kind's order) instead of a sort-key prefix.

The 12-character prefix of 0006 ordered a word's postings only nearly: hundreds of titles sharing it
were put in order by reading each document's full key ("projekt": 0,24 → 2,6 ms at the benchmark
scale). A number per document – its place among the documents of its kind by (sort key bytewise,
object) – orders them exactly, so the rank index gives a word's hits in their final order, and the
object id need not be copied into the postings any more.

* ``Document.rank``, numbered here ``RANK_GAP`` apart per kind; new documents take numbers between
  their neighbours' (search/indexing.py), found through the new index (kind, sort_key, object_id,
  rank). On PostgreSQL ``search_document.sort_key`` gets the "C" collation first, so that the index
  and the numbering follow the bytewise order SQLite uses (Django does not track the collation).
* ``search_posting`` is made again (on SQLite ``WITHOUT ROWID``, as in 0004 and 0007) with the
  columns (term, document, weight, kind, rank) and the rank index (term, kind, weight descending,
  rank, document); the postings are copied over in key order with their documents' ranks.
"""

from django.db import migrations, models

RANK_GAP = 1 << 32  # models.RANK_GAP when this migration was written


def number_documents(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute('ALTER TABLE search_document ALTER COLUMN sort_key TYPE varchar(100) COLLATE "C"')
    collate = ' COLLATE "C"' if postgres else ""
    schema_editor.execute(
        "UPDATE search_document SET rank = r.n * %s FROM ("
        f"SELECT id, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY sort_key{collate}, object_id) AS n "
        "FROM search_document) r WHERE search_document.id = r.id",
        [RANK_GAP],
    )


def to_ranks(apps, schema_editor):
    """Copy the postings aside with their documents' ranks, make the table again, copy them back."""
    posting = apps.get_model("search", "Posting")
    columns = "term, document_id, weight, kind, rank"
    schema_editor.execute(
        "CREATE TABLE search_posting_copy AS SELECT p.term, p.document_id, p.weight, p.kind, d.rank "
        "FROM search_posting p JOIN search_document d ON d.id = p.document_id"
    )
    schema_editor.execute("DROP TABLE search_posting")
    if schema_editor.connection.vendor == "sqlite":
        sql, params = schema_editor.table_sql(posting)
        schema_editor.execute(sql + " WITHOUT ROWID", params or None)
    else:
        schema_editor.create_model(posting)  # its indexes are built at the end of the migration
    schema_editor.execute(
        f"INSERT INTO search_posting ({columns}) SELECT {columns} FROM search_posting_copy ORDER BY term, document_id"
    )
    schema_editor.execute("DROP TABLE search_posting_copy")
    if schema_editor.connection.vendor == "sqlite":
        for index in posting._meta.indexes:
            schema_editor.add_index(posting, index)


def to_prefixes(apps, schema_editor):
    """Back to 0007's columns: the prefix and the object from the documents, and its rank index."""
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute("DROP INDEX search_posting_rank")
    schema_editor.execute("ALTER TABLE search_posting ADD COLUMN sort_key varchar(12) NOT NULL DEFAULT ''")
    schema_editor.execute("ALTER TABLE search_posting ADD COLUMN object_id bigint NOT NULL DEFAULT 0")
    schema_editor.execute(
        "UPDATE search_posting SET "
        "sort_key = (SELECT substr(d.sort_key, 1, 12) FROM search_document d WHERE d.id = search_posting.document_id), "
        "object_id = (SELECT d.object_id FROM search_document d WHERE d.id = search_posting.document_id)"
    )
    schema_editor.execute("ALTER TABLE search_posting DROP COLUMN rank")
    if postgres:  # as 0006 left it
        schema_editor.execute('ALTER TABLE search_posting ALTER COLUMN sort_key TYPE varchar(12) COLLATE "C"')
    schema_editor.execute(
        "CREATE INDEX search_posting_rank ON search_posting "
        "(term, kind, weight DESC, sort_key, object_id, document_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("search", "0007_posting_kind_code")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="rank",
            field=models.BigIntegerField(default=0, verbose_name="rank"),
        ),
        migrations.RunPython(number_documents, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["kind", "sort_key", "object_id", "rank"], name="search_document_order"),
        ),
        # the posting table is made again by to_ranks (back: to_prefixes) from the state these give
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="posting", name="search_posting_rank"),
                migrations.RemoveField(model_name="posting", name="object_id"),
                migrations.RemoveField(model_name="posting", name="sort_key"),
                migrations.AddField(
                    model_name="posting",
                    name="rank",
                    field=models.BigIntegerField(default=0, verbose_name="rank"),
                    preserve_default=False,
                ),
                migrations.AddIndex(
                    model_name="posting",
                    index=models.Index(
                        fields=["term", "kind", "-weight", "rank", "document"], name="search_posting_rank"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_ranks, to_prefixes),
    ]
