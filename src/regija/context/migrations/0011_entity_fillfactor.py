"""PostgreSQL: room on each page of the entities' table for a new version of a row (fillfactor 70), so
the ingest's updates of a document – every measure – are HOT updates that leave the table's indexes
alone (bench/mqtt_ingest.py: 7 % → 95 % of the updates HOT, ingest() 3 470 → 4 040 measures/s). Rows
already written move to such pages as they are updated; SQLite has no such setting."""

from django.db import migrations


def _fillfactor(value: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(apps.get_model("context", "ContextEntity")._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("context", "0010_periodic_subscriptions")]

    operations = [migrations.RunPython(_fillfactor(70), _fillfactor(100))]
