"""Liveness and readiness: is the process up, and can it do its work now?

``/health/live`` answers without touching anything. ``/health/ready`` runs every registered check
and answers 503 when one fails. The plugin checks what it needs itself (the database, the broker,
a writable file store, the holiday calendar); an app adds its own from a ``health.py`` module of its own (found on the
first call, like ``labels.py``)::

    from workflows.health import Check, register_check
    register_check("signing_key", lambda: Check.ok("…"))

A check returns a :class:`Check`; one that raises counts as failed with the error's text.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.utils.module_loading import autodiscover_modules

from .workdays import calendar_readiness

logger = logging.getLogger(__name__)

OK, FAIL, NOT_APPLICABLE = "ok", "fail", "not_applicable"
BROKER_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class Check:
    status: str
    detail: str = ""

    @classmethod
    def ok(cls, detail: str = "") -> Check:
        return cls(OK, detail)

    @classmethod
    def fail(cls, detail: str) -> Check:
        return cls(FAIL, detail)

    @classmethod
    def not_applicable(cls, detail: str) -> Check:
        return cls(NOT_APPLICABLE, detail)


_checks: dict[str, Callable[[], Check]] = {}


def register_check(name: str, check: Callable[[], Check]) -> None:
    """Add a readiness check under ``name`` (registering a name again replaces it)."""
    _checks[name] = check


@functools.cache
def _discover() -> None:
    autodiscover_modules("health")


def readiness() -> tuple[bool, dict[str, dict]]:
    """(ready, {name: {"status", "detail"}}) after running every check."""
    _discover()
    results = {}
    for name, check in _checks.items():
        try:
            result = check()
        except Exception as exc:
            logger.warning("readiness check %s failed: %r", name, exc)
            result = Check.fail(f"{type(exc).__name__}: {exc}")
        results[name] = asdict(result)
    return all(r["status"] != FAIL for r in results.values()), results


def database() -> Check:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    return Check.ok()


def broker() -> Check:
    from celery import current_app

    if current_app.conf.task_always_eager:
        return Check.not_applicable("tasks run in the web process (eager): there is no broker")
    with current_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return Check.ok()


def storage() -> Check:
    """A small file written to the default storage, read back and deleted."""
    probe = f".health/probe-{uuid.uuid4().hex}"
    name = default_storage.save(probe, ContentFile(b"ready"))
    try:
        with default_storage.open(name) as stored:
            if stored.read() != b"ready":
                return Check.fail("the file read back differs from the file written")
    finally:
        default_storage.delete(name)
    return Check.ok()


def holiday_calendar() -> Check:
    """The holiday arrangement of every year a deadline counted today can reach is entered."""
    readiness = calendar_readiness()
    return Check.ok() if readiness.ready else Check.fail(readiness.message)


register_check("database", database)
register_check("broker", broker)
register_check("storage", storage)
register_check("holiday_calendar", holiday_calendar)
