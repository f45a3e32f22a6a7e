"""A worker's lease on a job: taken atomically, renewed by a heartbeat, released when finished.

The lease, not the broker's acknowledgement, decides who runs a job: a message delivered twice
finds the row leased or finished and does nothing, and a job whose worker died (its heartbeat
stopped) is free again once the lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from ..models import OutboxJob
from .conf import setting

logger = logging.getLogger(__name__)


def new_owner() -> str:
    """A name for one take of one job: host, process and a nonce (a process may take twice)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _expiry():
    return timezone.now() + timedelta(seconds=setting("WORKFLOWS_JOB_LEASE_SECONDS"))


def job_take(job_id: int, owner: str) -> OutboxJob | None:
    """Lease the pending row ``job_id`` to ``owner``; None if it is finished or leased to another.

    One conditional UPDATE: of two workers taking the same row at once, exactly one wins.
    """
    now = timezone.now()
    taken = (
        OutboxJob.objects.filter(pk=job_id, status=OutboxJob.Status.PENDING)
        .filter(Q(lock_owner="") | Q(lock_expires_at__lt=now))
        .update(lock_owner=owner, lock_expires_at=_expiry(), heartbeat_at=now, tries=F("tries") + 1)
    )
    return OutboxJob.objects.get(pk=job_id) if taken else None


def lease_remaining(job_id: int) -> float | None:
    """Seconds until the lease on pending row ``job_id`` expires; None if it is not leased."""
    expires = (
        OutboxJob.objects.filter(pk=job_id, status=OutboxJob.Status.PENDING)
        .exclude(lock_owner="")
        .values_list("lock_expires_at", flat=True)
        .first()
    )
    if expires is None:
        return None
    return max((expires - timezone.now()).total_seconds(), 0)


def job_renew(job_id: int, owner: str) -> bool:
    """Extend the lease; False when it is no longer ``owner``'s (expired and taken by another)."""
    return bool(
        OutboxJob.objects.filter(pk=job_id, lock_owner=owner).update(
            lock_expires_at=_expiry(), heartbeat_at=timezone.now()
        )
    )


def job_finish(job_id: int, owner: str, *, failed_with: str = "") -> bool:
    """Mark the leased row done (or failed for good, with the error) and release the lease."""
    status = OutboxJob.Status.FAILED if failed_with else OutboxJob.Status.DONE
    return bool(
        OutboxJob.objects.filter(pk=job_id, lock_owner=owner).update(
            status=status,
            error=failed_with,
            finished_at=timezone.now(),
            lock_owner="",
            lock_expires_at=None,
        )
    )


def job_release(job_id: int, owner: str, *, delay: float, error: str) -> bool:
    """Give the row back to be tried again after ``delay`` seconds (a transient failure)."""
    return bool(
        OutboxJob.objects.filter(pk=job_id, lock_owner=owner).update(
            available_at=timezone.now() + timedelta(seconds=delay),
            sent_at=None,
            error=error,
            lock_owner="",
            lock_expires_at=None,
        )
    )


class Heartbeat:
    """Renews a lease from a thread while the job runs in the calling one.

    The thread has its own database connection, so a job's long transaction does not hold back
    its heartbeat, and a heartbeat that fails (the database is away) only logs: the lease then
    expires and the sweep hands the job out again, which the handler's idempotency makes safe.
    """

    def __init__(self, job_id: int, owner: str) -> None:
        self.job_id, self.owner = job_id, owner
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True
        )

    def _beat(self) -> None:
        interval = setting("WORKFLOWS_JOB_HEARTBEAT_SECONDS")
        try:
            while not self._stop.wait(interval):
                try:
                    if not job_renew(self.job_id, self.owner):
                        logger.warning("job %s: lease lost to another worker", self.job_id)
                        return
                except Exception:
                    logger.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
