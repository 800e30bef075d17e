"""The per-item column of SyncSeen, now gathered into per-run id lists (see 0008)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0008_sync_seen_one_row_a_page"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="syncseen",
            name="syncseen_run_external",
        ),
        migrations.RemoveField(
            model_name="syncseen",
            name="external_id",
        ),
    ]
