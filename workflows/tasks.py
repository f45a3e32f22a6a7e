"""Celery entry points of the plugin: thin, idempotent, called with ids."""

from celery import shared_task

from . import anchors, engine, timers


@shared_task(name="workflows.run_service_job", acks_late=True)
def run_service_job(job_id: int) -> None:
    engine.service_job_run(job_id)


@shared_task(name="workflows.fire_due_timers")
def fire_due_timers() -> int:
    return timers.fire_due_timers()


@shared_task(name="workflows.anchor_journal")
def anchor_journal() -> str:
    return anchors.journal_anchor().digest
