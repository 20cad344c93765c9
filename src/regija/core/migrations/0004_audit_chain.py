"""The audit log becomes a hash chain: each entry stores its hash and the hash of the entry before it.

Existing entries are chained in the order they were written (by id), and the end of the chain is kept
in AuditHead (pk 1), the row that appending locks.
"""

import django.utils.timezone
from django.db import migrations, models

BATCH = 2000


def chain_existing(apps, schema_editor):
    from regija.core.audit import digest  # the one serialisation, so these hashes verify as new ones do

    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditHead = apps.get_model("core", "AuditHead")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    models_by_id = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.using(db).all()}
    prev_hash, last_id, batch = "", None, []
    for entry in AuditEntry.objects.using(db).order_by("id").iterator(chunk_size=BATCH):
        entry.prev_hash = prev_hash
        entry.hash = digest(
            at=entry.at,
            actor=entry.actor,
            via=entry.via,
            action=entry.action,
            content_type=models_by_id[entry.content_type_id],
            object_id=entry.object_id,
            object_repr=entry.object_repr,
            changes=entry.changes,
            parent=entry.parent,
            prev_hash=prev_hash,
        )
        prev_hash, last_id = entry.hash, entry.pk
        batch.append(entry)
        if len(batch) >= BATCH:
            AuditEntry.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    if batch:
        AuditEntry.objects.using(db).bulk_update(batch, ["prev_hash", "hash"])
    AuditHead.objects.using(db).update_or_create(pk=1, defaults={"entry_id": last_id, "hash": prev_hash})


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_alter_organisation_kind"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("entry_id", models.BigIntegerField(blank=True, null=True)),
                ("hash", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name": "end of the audit log",
            },
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="hash"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="hash of the previous entry"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="when"),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop, elidable=False),
    ]
