"""The relay: the one place a message for a job is handed to the broker."""

from __future__ import annotations

import logging

from celery import current_app

logger = logging.getLogger(__name__)


def _celery_task(name: str):
    tasks = current_app.tasks
    if name not in tasks:
        # Outside a worker the apps' task modules are imported on first need, never by callers.
        current_app.loader.import_default_modules()
    return tasks[name]


def job_send(job_id: int, task: str, *, countdown: float = 0) -> bool:
    """Send the message of outbox row ``job_id`` to Celery task ``task``; False if it failed.

    A failure is logged and the row left for the sweep: the change that wrote the row has
    committed, and a broker outage must not turn it into an error for the user. The task is
    looked up by name, so callers never import task modules.
    """
    try:
        _celery_task(task).apply_async((job_id,), countdown=countdown or None)
    except Exception:
        logger.exception("job %s (%s) not sent; the sweep will send it again", job_id, task)
        return False
    return True
