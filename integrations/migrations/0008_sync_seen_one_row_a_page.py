"""Seen ids move from a row an item to a row a page. A run in flight during the upgrade keeps
what it saw: each run's rows become one row holding all its ids, so its end still
deactivates only what no page listed. The old column goes in the next migration: PostgreSQL
refuses to alter a table with row changes pending in the same transaction."""

from django.db import migrations, models


def gather_ids_by_run(apps, schema_editor):  # type: ignore[no-untyped-def]
    seen = apps.get_model("integrations", "SyncSeen")
    runs = seen.objects.filter(external_id__gt="").values_list("run_id", flat=True).distinct()
    for run_id in list(runs):
        rows = seen.objects.filter(run_id=run_id, external_id__gt="")
        ids = sorted(set(rows.values_list("external_id", flat=True)))
        rows.delete()
        seen.objects.create(run_id=run_id, external_id="", external_ids=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0007_sync_run_cursor_and_chunks"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncseen",
            name="external_ids",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(gather_ids_by_run, migrations.RunPython.noop),
    ]
