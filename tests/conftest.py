"""Fixtures shared by every test package."""

import importlib
from pathlib import Path

import pytest
from django.db import connection

from signing.devca import DevSigningFiles, dev_signing_ca_create

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


@pytest.fixture(scope="session")
def signing_files(tmp_path_factory) -> DevSigningFiles:
    """A development CA and signing key for this test session (NOT FOR PRODUCTION)."""
    return dev_signing_ca_create(directory=tmp_path_factory.mktemp("signing"))


@pytest.fixture(autouse=True)
def certificate_signing(settings, signing_files) -> DevSigningFiles:
    """Every test signs with the session's key and trusts its CA; the demo finds them made."""
    settings.CERTIFICATES_DEV_SIGNING_DIR = str(signing_files.directory)
    settings.CERTIFICATES_PKCS12_PATH = str(signing_files.signer_pkcs12)
    settings.CERTIFICATES_PKCS12_PASSWORD = signing_files.password
    settings.CERTIFICATES_TRUST_ROOTS = [str(signing_files.ca_certificate)]
    return signing_files


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Users are made with passwords in most tests: hashed cheaply here, as Django's testing
    guide advises (PBKDF2's million rounds took a quarter of the suite's time)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Every test runs: a skip fails, naming what the machine lacks (``./run test`` installs it)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and no test may be: {reason}"


def pytest_sessionfinish(session):
    """Django removes the SQLite test database, not the WAL files beside it: remove them too."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
