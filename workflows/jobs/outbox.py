"""The row first: a job is written in the caller's transaction and sent only after it commits."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from ..models import OutboxJob
from .relay import job_send


def job_enqueue(task: str, *args, delay: float = 0) -> OutboxJob:
    """Write a job for Celery task ``task`` (called with ``args``), sent after the commit.

    ``delay`` holds it back that many seconds (a retry's backoff). Call it inside the
    transaction of the change that asks for the work: if that rolls back, no job exists.
    """
    job = OutboxJob.objects.create(
        task=task, args=list(args), available_at=timezone.now() + timedelta(seconds=delay)
    )
    transaction.on_commit(partial(job_send, job.pk, task, countdown=delay))
    return job


def job_progress(task: str, subject_id: int) -> str:
    """Where the latest job ``task`` for ``subject_id`` (its first argument) stands, for a page
    that waits on its result: ``preparing`` while it may still run, ``failed`` when it gave up,
    ``none`` when there is no such job."""
    jobs = OutboxJob.objects.filter(task=task, args__0=subject_id)
    status = jobs.order_by("-pk").values_list("status", flat=True).first()
    if status == OutboxJob.Status.PENDING:
        return "preparing"
    return "failed" if status == OutboxJob.Status.FAILED else "none"
