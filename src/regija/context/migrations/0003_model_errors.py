from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("context", "0002_geo_boxes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contextentity",
            name="model_errors",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "How the entity breaks its Smart Data Model ({path, reason} each), kept when the tenant "
                    "is lenient; empty: it follows its model, or its type has none."
                ),
                verbose_name="data model errors",
            ),
        ),
    ]
