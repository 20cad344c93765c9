"""Postings keyed by (term, document), without an id, an index by document or a second term index.

* ``Document.terms`` lists a document's terms: deleting its postings and lowering the term counts
  read it instead of an index of the postings by document (70 MB of 750 at the benchmark scale).
* ``search_posting`` is made again with the primary key (term, document): on SQLite ``WITHOUT
  ROWID``, so the table is that key's B-tree (no rowid, no separate (term, document, weight) index);
  on PostgreSQL the key's index replaces the (term, document, weight) one. The rank index stays.
  Existing postings are copied over (a ``regija rebuild_search_index`` gives the same result).
* On PostgreSQL ``sort_key`` gets the "C" collation again before the rank index is built (see 0002):
  Django does not track it, so a later AlterField of ``Posting.sort_key`` must set it again.

Django cannot change a primary key in place, so the old table's rows go to a scratch table, the model
is dropped and created again, and the rows come back.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_terms(apps, schema_editor):
    qn = schema_editor.connection.ops.quote_name
    aggregate = "group_concat(term, ' ')" if schema_editor.connection.vendor == "sqlite" else "string_agg(term, ' ')"
    document, posting = qn("search_document"), qn("search_posting")
    schema_editor.execute(
        f"UPDATE {document} SET terms = COALESCE((SELECT {aggregate} FROM {posting} p "
        f"WHERE p.document_id = {document}.id), '')"
    )


def keep_postings(apps, schema_editor):
    schema_editor.execute(
        "CREATE TABLE search_posting_copy AS "
        "SELECT term, document_id, weight, kind, sort_key, object_id FROM search_posting"
    )


def create_postings(apps, schema_editor):
    posting = apps.get_model("search", "Posting")
    if schema_editor.connection.vendor == "sqlite":
        sql, params = schema_editor.table_sql(posting)
        schema_editor.execute(sql + " WITHOUT ROWID", params or None)
    else:
        schema_editor.create_model(posting)  # its rank index is built at the end of the migration
        schema_editor.execute('ALTER TABLE search_posting ALTER COLUMN sort_key TYPE varchar(100) COLLATE "C"')
    schema_editor.execute(
        "INSERT INTO search_posting (term, document_id, weight, kind, sort_key, object_id) "
        "SELECT term, document_id, weight, kind, sort_key, object_id FROM search_posting_copy "
        "ORDER BY term, document_id"
    )
    schema_editor.execute("DROP TABLE search_posting_copy")
    if schema_editor.connection.vendor == "sqlite":
        for index in posting._meta.indexes:
            schema_editor.add_index(posting, index)


def drop_postings(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("search", "Posting"))


POSTING_FIELDS = [
    ("pk", models.CompositePrimaryKey("term", "document", blank=True, editable=False, primary_key=True, serialize=False)),
    ("term", models.CharField(max_length=64, verbose_name="search term")),
    (
        "document",
        models.ForeignKey(
            db_constraint=False,
            db_index=False,
            on_delete=django.db.models.deletion.DO_NOTHING,
            related_name="postings",
            to="search.document",
            verbose_name="document",
        ),
    ),
    ("weight", models.PositiveSmallIntegerField(verbose_name="weight")),
    ("kind", models.CharField(max_length=12, verbose_name="kind")),
    ("sort_key", models.CharField(max_length=100, verbose_name="sort key")),
    ("object_id", models.BigIntegerField(verbose_name="object")),
]


class Migration(migrations.Migration):
    dependencies = [("search", "0003_field_labels")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="terms",
            field=models.TextField(blank=True, default="", verbose_name="search terms"),
        ),
        migrations.RunPython(fill_terms, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(keep_postings, migrations.RunPython.noop),
        migrations.DeleteModel(name="Posting"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Posting",
                    fields=POSTING_FIELDS,
                    options={
                        "verbose_name": "search posting",
                        "verbose_name_plural": "search postings",
                        "indexes": [
                            models.Index(
                                fields=["term", "kind", "-weight", "sort_key", "object_id", "document"],
                                name="search_posting_rank",
                            )
                        ],
                    },
                )
            ],
            database_operations=[],
        ),
        migrations.RunPython(create_postings, drop_postings),
    ]
