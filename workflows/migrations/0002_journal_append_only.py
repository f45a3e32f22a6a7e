"""Make the journal append-only in the database itself, not only in the code that writes it.

PostgreSQL refuses UPDATE and DELETE of journal rows. SQLite refuses UPDATE; its DELETE stays
possible because Django's test flush empties tables with DELETE (PostgreSQL's uses TRUNCATE).
"""

from django.db import migrations

POSTGRESQL_UP = """
CREATE OR REPLACE FUNCTION workflows_journal_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % of journal entries is refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflows_journal_append_only
    BEFORE UPDATE OR DELETE ON workflows_journalentry
    FOR EACH ROW EXECUTE FUNCTION workflows_journal_refuse_change();
"""
POSTGRESQL_DOWN = """
DROP TRIGGER IF EXISTS workflows_journal_append_only ON workflows_journalentry;
DROP FUNCTION IF EXISTS workflows_journal_refuse_change();
"""
SQLITE_UP = """
CREATE TRIGGER workflows_journal_append_only
BEFORE UPDATE ON workflows_journalentry
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: UPDATE of journal entries is refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS workflows_journal_append_only;"


def install(apps, schema_editor):
    sql = {"postgresql": POSTGRESQL_UP, "sqlite": SQLITE_UP}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    sql = {"postgresql": POSTGRESQL_DOWN, "sqlite": SQLITE_DOWN}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
