"""The integration suite: real PostgreSQL, a real Redis broker and a live Celery worker.

Run with ``DATABASE_URL`` (PostgreSQL) and ``CELERY_BROKER_URL`` (Redis) set, and
``pytest -m integration``; ``.ci/run`` does exactly that.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def real_stack():
    if connection.vendor != "postgresql" or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail(
            "the integration suite needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis)"
        )


@pytest.fixture(scope="session")
def celery_worker(real_stack, django_db_setup, django_db_blocker, tmp_path_factory, signing_files):
    """A worker process on the test database, sharing the media folder and signing key.

    Its name and queue are this session's own, so a second test run sharing the broker can
    neither take these jobs nor be mistaken for this worker.
    """
    from config.celery import app

    name = f"integration-{os.getpid()}"
    app.conf.task_default_queue = name
    test_db = settings.DATABASES["default"]["NAME"]
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"{base_url}/{test_db}",
        # The tasks the worker starts itself (the archival package, previews) stay with it.
        "CELERY_TASK_DEFAULT_QUEUE": name,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CERTIFICATES_PKCS12_PATH": str(signing_files.signer_pkcs12),
        "CERTIFICATES_PKCS12_PASSWORD": signing_files.password,
        "CERTIFICATES_TRUST_ROOTS": str(signing_files.ca_certificate),
    }
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2",
             "--loglevel=info", f"--hostname={name}@%h", f"--queues={name}"],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    process.log_path = log
    process.node_name = f"{name}@{socket.gethostname()}"
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
