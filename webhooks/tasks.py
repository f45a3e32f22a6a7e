"""Celery entry points of the webhooks app: thin, called with outbox rows, safe to run twice."""

from workflows.jobs.worker import job_task

from . import services


# A failed attempt schedules the next one itself (the subscription's backoff), so transient
# errors escaping the attempt are left to the outbox's own retry.
@job_task("webhooks.deliver", soft_time_limit=120)
def deliver(delivery_pk: int) -> None:
    """One attempt at a delivery; Celery in eager mode runs the retries one after another."""
    services.webhook_deliver(delivery_pk=delivery_pk)
