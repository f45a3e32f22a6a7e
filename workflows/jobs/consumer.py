"""The Celery worker's consumer, made to outlive a broker that dies under it."""

from __future__ import annotations

import logging

from celery.worker.consumer import Consumer as CeleryConsumer
from celery.worker.state import requests

logger = logging.getLogger(__name__)


class Consumer(CeleryConsumer):
    """Celery's consumer, except that a lost broker connection never ends the worker.

    With Redis (celery 5.7.0, kombu 5.7.0), a message delivered on a connection that was lost
    can be neither given back nor acknowledged: kombu's channel tries through a connection Celery
    has already detached and raises ``AttributeError``, which Celery takes for an unrecoverable
    error, and the worker exits. It happens when the broker dies while a job runs (its message
    is acknowledged late) and the worker waits on its next fetch: while closing the connection,
    or once the job ends and its message is acknowledged. Neither is needed: the lease and the
    outbox sweep, not the broker, see that every job runs once.
    """

    def on_connection_error_after_connected(self, exc):
        # Their acknowledgement is moot with the connection gone; a broker that kept the
        # messages hands them out again after its visibility timeout, and the lease finds
        # the jobs finished.
        for request in tuple(requests.values()):
            request.acknowledged = True
        try:
            super().on_connection_error_after_connected(exc)
        except Exception:
            logger.warning(
                "closing the lost broker connection failed; reconnecting all the same",
                exc_info=True,
            )
