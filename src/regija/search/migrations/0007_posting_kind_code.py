"""Postings store their document's kind as a small number (models.POSTING_KIND) instead of its name.

The name was stored twice per posting (table and rank index). On PostgreSQL the column changes type
in place (its rank index is built again). On SQLite a column's type cannot change, so, as in 0004,
the table is made again ``WITHOUT ROWID`` and the postings are copied over in key order, with the
codes; the rank index is built at the end.
"""

from django.db import migrations, models

# the codes of models.POSTING_KIND when this migration was written (they never change)
CODES = {"strategy": 1, "node": 2, "indicator": 3, "project": 4, "organisation": 5, "dataset": 6}
TO_CODE = "CASE kind " + " ".join(f"WHEN '{k}' THEN {c}" for k, c in CODES.items()) + " END"
TO_NAME = "CASE kind " + " ".join(f"WHEN {c} THEN '{k}'" for k, c in CODES.items()) + " END"
COLUMNS = "term, document_id, weight, kind, sort_key, object_id"


def to_codes(apps, schema_editor):
    posting = apps.get_model("search", "Posting")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE search_posting ALTER COLUMN kind TYPE smallint USING ({TO_CODE})")
        return
    for index in posting._meta.indexes:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index.name)}")
    schema_editor.execute("ALTER TABLE search_posting RENAME TO search_posting_old")
    sql, params = schema_editor.table_sql(posting)
    schema_editor.execute(sql + " WITHOUT ROWID", params or None)
    schema_editor.execute(
        f"INSERT INTO search_posting ({COLUMNS}) "
        f"SELECT term, document_id, weight, {TO_CODE}, sort_key, object_id FROM search_posting_old "
        "ORDER BY term, document_id"
    )
    schema_editor.execute("DROP TABLE search_posting_old")
    for index in posting._meta.indexes:
        schema_editor.add_index(posting, index)


def to_names(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE search_posting ALTER COLUMN kind TYPE varchar(12) USING ({TO_NAME})")
    else:  # SQLite keeps text in a column declared integer: the earlier code compares names again
        schema_editor.execute(f"UPDATE search_posting SET kind = {TO_NAME}")


class Migration(migrations.Migration):
    dependencies = [("search", "0006_posting_sort_prefix")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="posting",
                    name="kind",
                    field=models.PositiveSmallIntegerField(verbose_name="kind"),
                )
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_codes, to_names),
    ]
