"""The integration suite: real PostgreSQL, a real Redis broker and a live Celery worker.

Run with ``DATABASE_URL`` (PostgreSQL) and ``CELERY_BROKER_URL`` (Redis) set, and
``pytest -m integration``; ``.ci/run`` does exactly that.
"""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .stack import CALL_FAILED, Worker, stack_env


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.integration)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember a failed call, for fixtures that print their processes' logs in teardown."""
    outcome = yield
    if call.when == "call":
        item.stash[CALL_FAILED] = outcome.get_result().failed


@pytest.fixture(scope="session")
def real_stack():
    if connection.vendor != "postgresql" or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail(
            "the integration suite needs DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis)"
        )


@pytest.fixture(autouse=True)
def outbox_settled_before_flush(request):
    """Wait for the jobs a test queued before its tables are emptied.

    The session's live worker takes every job on this run's queue, an upload's intake check
    included, even for a test that did not ask for the worker: emptying the tables under a job
    still running deadlocks the flush and leaves the rows to the next test.
    """
    yield
    if "django_db_setup" not in request.fixturenames:
        return
    from workflows.models import OutboxJob

    deadline = time.monotonic() + 60
    while OutboxJob.objects.filter(status=OutboxJob.Status.PENDING).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)


@pytest.fixture(scope="session")
def celery_worker(real_stack, django_db_setup, django_db_blocker, tmp_path_factory, signing_files):
    """A worker process on the test database, sharing the media folder and signing key.

    Its name and queue are this session's own, so a second test run sharing the broker can
    neither take these jobs nor be mistaken for this worker.
    """
    from config.celery import app

    name = f"integration-{os.getpid()}"
    app.conf.task_default_queue = name
    # The tasks the worker starts itself (the archival package, previews) stay with it.
    # A job whose pool process was killed is taken again once its lease (10 s here) expires.
    env = stack_env(
        signing_files,
        CELERY_TASK_DEFAULT_QUEUE=name,
        WORKFLOWS_JOB_LEASE_SECONDS="10",
        WORKFLOWS_JOB_HEARTBEAT_SECONDS="2",
    )
    worker = Worker(name, env, tmp_path_factory.mktemp("worker") / "worker.log").wait_ready()
    yield worker
    worker.stop()
