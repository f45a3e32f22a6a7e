"""The registry of service-task handlers.

A BPMN service task names an operation (``spiffworkflow:serviceTaskOperator id="..."``); a domain
app registers the Python function that performs it in its ``handlers.py``::

    @service("acceptance.check_drawings", asynchronous=True)
    def check_drawings(call: ServiceCall, **params) -> dict: ...

Synchronous handlers run inside the engine step, in a savepoint of the instance's transaction.
Asynchronous ones run in a Celery worker; the BPMN task waits in STARTED until the result comes.
A handler returns a JSON-serialisable dict (or None), stored under the task's result variable.
Handlers of asynchronous operations must be safe to run twice: a worker killed mid-task is
followed by a redelivery, and a job whose transaction loses a deadlock runs again. They run before
the instance is locked, while user actions lock the instance first: an asynchronous handler should
not lock rows that synchronous handlers lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from uuid import UUID

from .exceptions import ServiceAlreadyRegistered, ServiceNotRegistered


@dataclass(frozen=True)
class ServiceCall:
    """What a handler knows about the call: which instance, which task, the task's data."""

    instance: Any  # workflows.models.ProcessInstance
    task_id: UUID
    task_name: str
    operation: str
    data: dict = field(default_factory=dict)

    @cached_property
    def business_object(self):
        return self.instance.business_object


Handler = Callable[..., dict | None]


@dataclass(frozen=True)
class RegisteredService:
    name: str
    handler: Handler
    asynchronous: bool


class ServiceRegistry:
    def __init__(self) -> None:
        self._services: dict[str, RegisteredService] = {}

    def register(self, name: str, handler: Handler, *, asynchronous: bool = False) -> None:
        existing = self._services.get(name)
        if existing is not None and existing.handler is not handler:
            raise ServiceAlreadyRegistered(
                f"服务任务 {name} 已被 {existing.handler.__module__} 注册",
                f"service operation {name!r} is already registered by {existing.handler.__module__}",
            )
        self._services[name] = RegisteredService(name, handler, asynchronous)

    def unregister(self, name: str) -> None:
        self._services.pop(name, None)

    def get(self, name: str) -> RegisteredService:
        try:
            return self._services[name]
        except KeyError:
            raise ServiceNotRegistered(
                f"没有为服务任务 {name} 注册处理程序",
                f"no handler is registered for service operation {name!r}",
                operation=name,
            ) from None

    def __contains__(self, name: str) -> bool:
        return name in self._services

    def names(self) -> list[str]:
        return sorted(self._services)


registry = ServiceRegistry()


def service(name: str, *, asynchronous: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of BPMN service operation ``name``."""

    def decorator(handler: Handler) -> Handler:
        registry.register(name, handler, asynchronous=asynchronous)
        return handler

    return decorator
