"""Digest columns wide enough for a labelled digest ("sm3:" + 64 hex, ``workflows.digests``).

SQLite alters a column by copying its table, which drops the table's triggers: the append-only
triggers of 0002 and 0003 are put back (PostgreSQL alters in place and keeps them).
"""

import importlib

from django.db import migrations, models

ENTRIES = importlib.import_module("workflows.migrations.0002_journal_append_only")
ANCHORS = importlib.import_module("workflows.migrations.0003_journal_anchor")


def reinstall_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for module in (ENTRIES, ANCHORS):
            schema_editor.execute(module.SQLITE_DOWN, params=None)
            schema_editor.execute(module.SQLITE_UP, params=None)


def widened(**options):
    return models.CharField(max_length=72, **options)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0010_instance_compacted_at")]

    operations = [
        migrations.AlterField("journalanchor", "digest", widened(unique=True)),
        migrations.AlterField("journalanchor", "previous_digest", widened(blank=True)),
        migrations.AlterField("journalentry", "entry_hash", widened(unique=True)),
        migrations.AlterField("journalentry", "previous_hash", widened(blank=True)),
        migrations.AlterField("journalhead", "entry_hash", widened(blank=True)),
        migrations.RunPython(reinstall_sqlite_triggers, reinstall_sqlite_triggers),
    ]
