"""The registry of service-task handlers.

A BPMN service task names an operation (``spiffworkflow:serviceTaskOperator id="..."``); a domain
app registers the Python function that performs it in its ``handlers.py``::

    @service("acceptance.check_drawings", asynchronous=True)
    def check_drawings(call: ServiceCall, **params) -> dict: ...

Synchronous handlers run inside the engine step, in a savepoint of the instance's transaction, so
a failing one leaves none of its writes. One that only reads is registered ``read_only=True``
(``@service("acceptance.drawings_to_check", read_only=True)``): it runs without the savepoint (two
statements fewer per call), and a statement that would write or lock is refused before it runs.
Asynchronous ones run in a Celery worker; the BPMN task waits in STARTED until the result comes.
A handler returns a JSON-serialisable dict (or None), stored under the task's result variable.
Handlers of asynchronous operations must be safe to run twice: a worker killed mid-task is
followed by a redelivery, and a job whose transaction loses a deadlock runs again. They run before
the instance is locked, while user actions lock the instance first: an asynchronous handler should
not lock rows that synchronous handlers lock.

An asynchronous handler whose work is too large for one job may split it into jobs of its own
and return ``DEFERRED``: its task keeps waiting, and the job that finishes the work last delivers
the result (``engine.service_job_deliver``) or the failure (``engine.service_job_fail``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from uuid import UUID

from django.db import connection

from .exceptions import ReadOnlyServiceWrote, ServiceAlreadyRegistered, ServiceNotRegistered


@dataclass(frozen=True)
class ServiceCall:
    """What a handler knows about the call: which instance, which task, the task's data."""

    instance: Any  # workflows.models.ProcessInstance
    task_id: UUID
    task_name: str
    operation: str
    data: dict = field(default_factory=dict)
    # The asynchronous call's ``ServiceJob``, which a ``DEFERRED`` result is delivered to later.
    job_id: int | None = None

    @cached_property
    def business_object(self):
        return self.instance.business_object


Handler = Callable[..., dict | None]

DEFERRED = object()
"""What an asynchronous handler returns when jobs of its own will deliver the result."""


@dataclass(frozen=True)
class RegisteredService:
    name: str
    handler: Handler
    asynchronous: bool
    read_only: bool = False


class ServiceRegistry:
    """Operations and their handlers; ``discover`` (if given) fills it on the first lookup.

    The apps' handler modules import their domain's services, which cost more to load than
    Django itself: they are found when a handler is first looked up (an engine step, a worker's
    job, the system check), not at start-up, so commands that run no process start quickly.
    """

    def __init__(self, discover: Callable[[], None] | None = None) -> None:
        self._services: dict[str, RegisteredService] = {}
        self._discover = discover
        self._lock = threading.RLock()
        self._discovering = False

    def _discovered(self) -> dict[str, RegisteredService]:
        if self._discover is not None:
            with self._lock:
                # A handler module looking an operation up while it is imported sees the
                # registry as far as it is filled; a failed discovery is tried again next time.
                if self._discover is not None and not self._discovering:
                    self._discovering = True
                    try:
                        self._discover()
                        self._discover = None
                    finally:
                        self._discovering = False
        return self._services

    def register(
        self, name: str, handler: Handler, *, asynchronous: bool = False, read_only: bool = False
    ) -> None:
        existing = self._services.get(name)
        if existing is not None and existing.handler is not handler:
            raise ServiceAlreadyRegistered(
                f"服务任务 {name} 已被 {existing.handler.__module__} 注册",
                f"service operation {name!r} is already registered by {existing.handler.__module__}",
            )
        self._services[name] = RegisteredService(name, handler, asynchronous, read_only)

    def unregister(self, name: str) -> None:
        self._services.pop(name, None)

    def get(self, name: str) -> RegisteredService:
        try:
            return self._discovered()[name]
        except KeyError:
            raise ServiceNotRegistered(
                f"没有为服务任务 {name} 注册处理程序",
                f"no handler is registered for service operation {name!r}",
                operation=name,
            ) from None

    def __contains__(self, name: str) -> bool:
        return name in self._discovered()

    def names(self) -> list[str]:
        return sorted(self._discovered())


_READING = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+|KEY\s+)?(?:UPDATE|SHARE)\b", re.IGNORECASE)


@contextmanager
def refusing_writes(operation: str) -> Iterator[None]:
    """Run a read-only handler: a statement that is not a plain ``SELECT`` (a write, or a read
    that locks rows) raises ``ReadOnlyServiceWrote`` before it reaches the database, so the
    handler leaves nothing to undo and holds no lock it could lose a race for.

    A database error in such a handler (a query refused, a statement timeout) has no savepoint
    to roll back to: on PostgreSQL it fails the whole input, which is then refused unsaved.
    """

    refused_in_sound_transaction = []

    def refuse(execute, sql, params, many, context):
        if not _READING.match(sql) or _LOCKING.search(sql):
            refused_in_sound_transaction.append(not connection.needs_rollback)
            raise ReadOnlyServiceWrote(
                f"服务任务 {operation} 登记为只读，却要写入数据库；请去掉 read_only 登记",
                f"service operation {operation!r} is registered read_only but ran a statement "
                f"that writes or locks ({sql.split(None, 1)[0]}): register it without read_only",
                operation=operation,
            )
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(refuse):
            yield
    finally:
        if refused_in_sound_transaction[:1] == [True]:
            # The ORM marks the transaction for rollback when an error passes through a write;
            # the refused statement never ran, so the transaction is sound and the incident
            # this error opens can be saved in it.
            connection.set_rollback(False)


def _discover_handlers() -> None:
    # Each domain app's handlers.py registers its operations, like admin.py modules.
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("handlers")


registry = ServiceRegistry(discover=_discover_handlers)


def service(
    name: str, *, asynchronous: bool = False, read_only: bool = False
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of BPMN service operation ``name``;
    ``read_only``: a synchronous handler that writes nothing (see the module's docstring)."""

    def decorator(handler: Handler) -> Handler:
        registry.register(name, handler, asynchronous=asynchronous, read_only=read_only)
        return handler

    return decorator
