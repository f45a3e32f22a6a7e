"""Celery entry points of the webhooks app: thin, called with ids, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="webhooks.deliver", acks_late=True)
def deliver(delivery_pk: int) -> None:
    """One attempt; after a failure the task queues itself again with the backoff countdown.

    Celery in eager mode ignores the countdown, so there the retries follow one another at once.
    """
    retry_in = services.webhook_deliver(delivery_pk=delivery_pk)
    if retry_in is not None:
        deliver.apply_async((delivery_pk,), countdown=retry_in)


@shared_task(name="webhooks.requeue_stale")
def requeue_stale() -> int:
    return services.webhooks_requeue_stale()
