"""Term counts keyed by (term, kind), without an id: on SQLite one ``WITHOUT ROWID`` B-tree.

Every write of the index upserts thousands of (term, kind) rows; with an id primary key and a unique
(term, kind) index each upsert changed two B-trees. As in 0004, the rows go to a scratch table, the
model is made again and the rows come back (``regija rebuild_search_index`` gives the same result).
"""

from django.db import migrations, models


def keep(apps, schema_editor):
    schema_editor.execute("CREATE TABLE search_termcount_copy AS SELECT term, kind, documents FROM search_termcount")
    schema_editor.execute("DROP TABLE search_termcount")


def create(apps, schema_editor):
    model = apps.get_model("search", "TermCount")
    if schema_editor.connection.vendor == "sqlite":
        sql, params = schema_editor.table_sql(model)
        schema_editor.execute(sql + " WITHOUT ROWID", params or None)
    else:
        schema_editor.create_model(model)
    schema_editor.execute(
        "INSERT INTO search_termcount (term, kind, documents) "
        "SELECT term, kind, documents FROM search_termcount_copy ORDER BY term, kind"
    )
    schema_editor.execute("DROP TABLE search_termcount_copy")


back = keep  # the same, the other way round: set the rows aside and drop the table


def restore(apps, schema_editor):
    schema_editor.create_model(apps.get_model("search", "TermCount"))
    schema_editor.execute(
        "INSERT INTO search_termcount (term, kind, documents) SELECT term, kind, documents FROM search_termcount_copy"
    )
    schema_editor.execute("DROP TABLE search_termcount_copy")


class Migration(migrations.Migration):
    dependencies = [("search", "0008_document_rank")]

    operations = [
        migrations.RunPython(keep, restore),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="TermCount"),
                migrations.CreateModel(
                    name="TermCount",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "term", "kind", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("term", models.CharField(max_length=64, verbose_name="search term")),
                        ("kind", models.CharField(max_length=12, verbose_name="kind")),
                        ("documents", models.IntegerField(verbose_name="documents")),
                    ],
                    options={"verbose_name": "search term count", "verbose_name_plural": "search term counts"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(create, back),
    ]
