"""Postings keep only the first 12 characters of the document's sort key (models.SORT_PREFIX).

The full folded title was stored twice per posting (table and rank index): most of the index's size.
Searches now break ties of the prefix on the document's own key, so the order of hits is unchanged.
Existing postings are cut in place; on PostgreSQL the column keeps the "C" collation (see 0004), and
the rank index is built again by the type change.
"""

from django.db import migrations, models

PREFIX = 12


def cut(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'ALTER TABLE search_posting ALTER COLUMN sort_key TYPE varchar({PREFIX}) COLLATE "C" '
            f"USING left(sort_key, {PREFIX})"
        )
    else:
        schema_editor.execute(
            f"UPDATE search_posting SET sort_key = substr(sort_key, 1, {PREFIX}) WHERE length(sort_key) > {PREFIX}"
        )


def uncut(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE search_posting ALTER COLUMN sort_key TYPE varchar(100) COLLATE "C"')
    schema_editor.execute(
        "UPDATE search_posting SET sort_key = "
        "(SELECT d.sort_key FROM search_document d WHERE d.id = search_posting.document_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("search", "0005_dataset_kind")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="posting",
                    name="sort_key",
                    field=models.CharField(max_length=PREFIX, verbose_name="sort key"),
                )
            ],
            database_operations=[migrations.RunPython(cut, uncut)],
        ),
    ]
