"""Fixtures shared by every test package."""

import importlib

import pytest
from django.db import connection

APPEND_ONLY = importlib.import_module("workflows.migrations.0002_journal_append_only")


def run_sql(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        # No parameters, no placeholder parsing: the PostgreSQL trigger's text contains "%".
        cursor.execute(sql, params or None)


@pytest.fixture
def without_append_only_trigger(db):
    """Let a test play the attacker with direct database access; the trigger is restored."""
    down = {"sqlite": APPEND_ONLY.SQLITE_DOWN, "postgresql": APPEND_ONLY.POSTGRESQL_DOWN}
    up = {"sqlite": APPEND_ONLY.SQLITE_UP, "postgresql": APPEND_ONLY.POSTGRESQL_UP}
    run_sql(down[connection.vendor])
    yield
    run_sql(down[connection.vendor])  # idempotent: IF EXISTS
    run_sql(up[connection.vendor])
