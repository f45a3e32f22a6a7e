"""Celery entry points of the plugin: thin, idempotent, called with ids."""

from celery import shared_task

from . import anchors, compaction, engine, inbox, timers
from .jobs.sweep import jobs_sweep
from .jobs.worker import job_task


# The engine counts a service job's tries itself and opens the incident after the last one.
@job_task(engine.SERVICE_JOB_TASK, soft_time_limit=engine.SERVICE_JOB_SOFT_LIMIT, attempts=None)
def run_service_job(job_id: int) -> None:
    engine.service_job_run(job_id)


@shared_task(name="workflows.fire_due_timers")
def fire_due_timers() -> int:
    return timers.fire_due_timers()


@shared_task(name="workflows.return_expired_delegations")
def return_expired_delegations() -> int:
    return inbox.return_expired_delegations()


@shared_task(name="workflows.sweep_jobs")
def sweep_jobs() -> int:
    return jobs_sweep()


@shared_task(name="workflows.anchor_journal")
def anchor_journal() -> str:
    return anchors.journal_anchor().digest


@shared_task(name="workflows.compact_instances")
def compact_instances() -> int:
    return sum(outcome.compacted for outcome in compaction.compact_ended())
