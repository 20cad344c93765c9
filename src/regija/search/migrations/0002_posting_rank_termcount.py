"""Postings carry their document's kind, sort key and object, so a search ranks from one index;
TermCount keeps the number of documents per term and kind.

Existing postings are filled from their documents (``regija rebuild_search_index`` gives the same
result). On PostgreSQL the copied sort key gets the "C" collation before the index is built, so the
index serves ``ORDER BY sort_key COLLATE "C"`` – the bytewise order SQLite uses – and both databases
return hits in the same order. Django does not track that collation: a later AlterField of
``Posting.sort_key`` must set it again.
"""

from django.db import migrations, models


def fill_from_documents(apps, schema_editor):
    qn = schema_editor.connection.ops.quote_name
    posting, document = qn("search_posting"), qn("search_document")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {posting} SET "
            f"kind = (SELECT d.kind FROM {document} d WHERE d.id = {posting}.document_id), "
            f"sort_key = (SELECT d.sort_key FROM {document} d WHERE d.id = {posting}.document_id), "
            f"object_id = (SELECT d.object_id FROM {document} d WHERE d.id = {posting}.document_id) "
            f"WHERE EXISTS (SELECT 1 FROM {document} d WHERE d.id = {posting}.document_id)"
        )


def count_terms(apps, schema_editor):
    qn = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn('search_termcount')} (term, kind, documents) "
            f"SELECT term, kind, COUNT(*) FROM {qn('search_posting')} GROUP BY term, kind"
        )


def bytewise_sort_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE search_posting ALTER COLUMN sort_key TYPE varchar(100) COLLATE "C"'
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="posting",
            name="kind",
            field=models.CharField(default="", max_length=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="posting",
            name="sort_key",
            field=models.CharField(default="", max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="posting",
            name="object_id",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(fill_from_documents, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(bytewise_sort_key, migrations.RunPython.noop),
        migrations.CreateModel(
            name="TermCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=64)),
                ("kind", models.CharField(max_length=12)),
                ("documents", models.IntegerField()),
            ],
            options={
                "verbose_name": "search term count",
                "verbose_name_plural": "search term counts",
                "constraints": [
                    models.UniqueConstraint(fields=("term", "kind"), name="search_termcount_unique")
                ],
            },
        ),
        migrations.RunPython(count_terms, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(
                fields=["term", "kind", "-weight", "sort_key", "object_id", "document"],
                name="search_posting_rank",
            ),
        ),
    ]
