"""Which errors are worth another try, and how long to wait before it."""

from __future__ import annotations

import errno
import functools
import socket

from django.db import InterfaceError, OperationalError, connections
from kombu.exceptions import OperationalError as BrokerError

from ..exceptions import TransientServiceError
from .conf import setting


@functools.cache
def transient_errors() -> tuple[type[BaseException], ...]:
    """The error classes worth another try; redis's are looked up on first use, since importing
    redis costs a fifth of a second that a command-line start does not need."""
    errors: tuple[type[BaseException], ...] = (
        OperationalError,  # the database dropped the connection, restarted, or refused it
        InterfaceError,  # the connection was already closed
        BrokerError,
        ConnectionError,
        TimeoutError,
        socket.timeout,
        TransientServiceError,  # a handler's own word that trying again later may work
    )
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is only needed with a Redis broker
        return errors
    return (*errors, RedisConnectionError, RedisTimeoutError)


# A full disk or quota frees up when an operator acts; the job waits for that, it is not wrong.
TRANSIENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def is_transient(exc: BaseException) -> bool:
    """An error that may go away by itself: a lost connection, a broker outage, a timeout,
    a full disk."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, transient_errors()):
            return True
        if isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS:
            return True
        seen.add(id(exc))
        wrapped = getattr(exc, "exception", None)  # SpiffWorkflow keeps the error it wraps
        exc = wrapped if isinstance(wrapped, BaseException) else exc.__cause__
    return False


def backoff_seconds(tries: int) -> float:
    """The wait after the ``tries``-th failed try (1-based): exponential, capped."""
    base = setting("WORKFLOWS_JOB_BACKOFF_SECONDS")
    return min(base * 2 ** (tries - 1), setting("WORKFLOWS_JOB_BACKOFF_MAX_SECONDS"))


def service_attempt_limit(operation: str) -> int:
    """Tries in all a service operation gets before its job opens an incident."""
    return setting("WORKFLOWS_SERVICE_ATTEMPTS").get(operation, setting("WORKFLOWS_JOB_ATTEMPTS"))


def close_broken_connections() -> None:
    """Drop database connections a failure left unusable, so the next query reconnects.

    Celery does this between tasks; a job that records its own failure needs it at once. A
    connection inside a transaction is left alone: its owner (a test, an outer atomic) decides.
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
