"""What a worker does with a job's message: lease the row, run the job, finish or retry it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext

from celery import shared_task

from .conf import setting
from .conf import soft_time_limit as job_soft_time_limit
from .lease import Heartbeat, job_finish, job_release, job_take, lease_remaining, new_owner
from .relay import job_send
from .retry import backoff_seconds, close_broken_connections, is_transient

logger = logging.getLogger(__name__)


def job_task(name: str, *, soft_time_limit: int, attempts: int | None = 0):
    """Make ``fn(*args)`` the Celery task ``name`` that runs outbox rows.

    The soft time limit (``WORKFLOWS_JOB_TIME_LIMITS[name]`` overrides the default given here)
    raises ``SoftTimeLimitExceeded`` inside the job, a real failure; the hard limit kills the
    pool process a grace period later, and the lease then hands the job out again. ``attempts``:
    tries in all on transient errors (0: ``WORKFLOWS_JOB_ATTEMPTS``; ``None``: the job counts its
    own tries and a transient error escaping it is always tried again).
    """
    soft = job_soft_time_limit(name, soft_time_limit)

    def decorator(fn: Callable) -> Callable:
        @shared_task(
            name=name,
            bind=True,
            acks_late=True,
            soft_time_limit=soft,
            time_limit=soft + setting("WORKFLOWS_JOB_HARD_LIMIT_GRACE"),
        )
        def run(task, job_id: int) -> None:
            job_run(job_id, fn, name=name, attempts=attempts, eager=bool(task.request.is_eager))

        run.__doc__ = fn.__doc__
        return run

    return decorator


def job_run(job_id: int, fn: Callable, *, name: str, attempts: int | None, eager: bool) -> None:
    owner = new_owner()
    job = job_take(job_id, owner)
    if job is None:
        wait = lease_remaining(job_id)
        if wait is None or eager:  # eager: a countdown would run at once, round and round
            logger.info("job %s (%s): finished or leased elsewhere, nothing to do", job_id, name)
        else:
            # Its holder may have died (a pool process killed, the message given back): look
            # again when the lease ends, without waiting for the sweep.
            logger.info("job %s (%s): leased elsewhere, looking again in %.0fs", job_id, name, wait)
            job_send(job_id, name, countdown=wait + 1)
        return
    try:
        # In-process (eager) runs need no heartbeat: nobody else can take the job meanwhile.
        with nullcontext() if eager else Heartbeat(job_id, owner):
            fn(*job.args)
    except Exception as exc:
        close_broken_connections()
        error = f"{type(exc).__name__}: {exc}"
        limit = setting("WORKFLOWS_JOB_ATTEMPTS") if attempts == 0 else attempts
        if is_transient(exc) and (limit is None or job.tries < limit):
            delay = backoff_seconds(job.tries)
            logger.warning(
                "job %s (%s) try %s: %s; again in %ss", job_id, name, job.tries, error, delay
            )
            if job_release(job_id, owner, delay=delay, error=error):
                job_send(job_id, name, countdown=delay)
            return
        logger.exception("job %s (%s) failed after %s tries", job_id, name, job.tries)
        job_finish(job_id, owner, failed_with=error)
        return
    job_finish(job_id, owner)
