"""Prometheus metrics, read from the database when Prometheus scrapes, never counted in memory.

Counting at scrape time keeps every web and worker process out of it: whatever process answers
``/metrics`` reports the same numbers, and a restart loses nothing. The plugin reports what it
knows (instances, user tasks, jobs, incidents); an app adds its own by registering a collector
from a ``metrics.py`` module of its own (found on the first scrape, like ``labels.py``)::

    from workflows.metrics import register_collector
    register_collector("acceptance", CasesCollector())

Request latency is the one metric counted as it happens (``request_latency``, observed by the
host site's middleware), in memory or, under several processes, in shared files.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .ages import AGE_BUCKETS, age_range
from .models import HumanTask, Incident, OutboxJob, ProcessInstance

registry = CollectorRegistry(auto_describe=False)

request_latency = Histogram(
    "http_request_duration_seconds",
    "Time from request to response, by URL pattern name, method and status class.",
    ("view", "method", "status"),
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=registry,
)

_collectors: dict[str, Collector] = {}


def register_collector(name: str, collector: Collector) -> None:
    """Add an app's collector once, whatever how often its module is imported."""
    if name not in _collectors:
        _collectors[name] = collector
        registry.register(collector)


@functools.cache
def _discover() -> None:
    autodiscover_modules("metrics")


def metrics_text() -> bytes:
    """The exposition text of every registered metric, counted now.

    Under several server processes (gunicorn workers) set ``PROMETHEUS_MULTIPROC_DIR`` to an
    empty folder they share: the request latency of all of them is then added up, whichever
    process answers the scrape.
    """
    _discover()
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(registry)
    from prometheus_client import multiprocess

    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    for collector in _collectors.values():
        combined.register(collector)
    return generate_latest(combined)


def counted(
    name: str, documentation: str, labels: Iterable[str], rows: Iterable[tuple]
) -> GaugeMetricFamily:
    """A gauge family from ``(label values..., value)`` rows."""
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    for *values, value in rows:
        family.add_metric([str(v) for v in values], value)
    return family


class WorkflowCollector(Collector):
    """Instances by process and status, waiting user tasks, jobs and open incidents."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield counted(
            "workflow_instances",
            "Process instances by process and status.",
            ("process", "status"),
            ProcessInstance.objects.values_list("definition__process_id", "status")
            .annotate(n=Count("pk"))
            .order_by(),
        )
        open_tasks = HumanTask.objects.open().order_by()
        ages = [(key, age_range(key, now)) for key, _upper in AGE_BUCKETS]
        by_task = open_tasks.values("task_name").annotate(
            **{key: Count("pk", filter=condition) for key, condition in ages},
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            oldest=Min("created_at"),
        )
        waiting = GaugeMetricFamily(
            "workflow_user_tasks_waiting",
            "Open user tasks by task and time waiting (hour, day, week, older).",
            labels=["task", "age"],
        )
        oldest = GaugeMetricFamily(
            "workflow_user_task_oldest_wait_seconds",
            "How long the oldest open user task of each task has waited.",
            labels=["task"],
        )
        overdue = GaugeMetricFamily(
            "workflow_user_tasks_overdue",
            "Open user tasks past their due date (SLA breaches), by task.",
            labels=["task"],
        )
        for row in by_task:
            for key, _condition in ages:
                waiting.add_metric([row["task_name"], key], row[key])
            oldest.add_metric([row["task_name"]], (now - row["oldest"]).total_seconds())
            overdue.add_metric([row["task_name"]], row["overdue"])
        yield from (waiting, oldest, overdue)
        yield from self._jobs(now)
        yield counted(
            "workflow_incidents_open",
            "Unresolved incidents by process and error type.",
            ("process", "error_type"),
            Incident.objects.filter(resolved_at__isnull=True)
            .values_list("instance__definition__process_id", "error_type")
            .annotate(n=Count("pk"))
            .order_by(),
        )

    def _jobs(self, now) -> Iterator[Metric]:
        leased = Q(lock_expires_at__gt=now) & ~Q(lock_owner="")
        pending = OutboxJob.objects.filter(status=OutboxJob.Status.PENDING).order_by()
        rows = (
            pending.values("task")
            .annotate(
                queued=Count("pk", filter=~leased),
                running=Count("pk", filter=leased),
            )
            .order_by()
        )
        failed = dict(
            OutboxJob.objects.filter(status=OutboxJob.Status.FAILED)
            .values_list("task")
            .annotate(n=Count("pk"))
            .order_by()
        )
        family = GaugeMetricFamily(
            "workflow_jobs",
            "Background jobs by Celery task and state (queued, running, failed).",
            labels=["task", "state"],
        )
        seen = set()
        for row in rows:
            seen.add(row["task"])
            family.add_metric([row["task"], "queued"], row["queued"])
            family.add_metric([row["task"], "running"], row["running"])
            family.add_metric([row["task"], "failed"], failed.get(row["task"], 0))
        for task, n in failed.items():
            if task not in seen:
                family.add_metric([task, "queued"], 0)
                family.add_metric([task, "running"], 0)
                family.add_metric([task, "failed"], n)
        yield family
        oldest = pending.filter(~leased, available_at__lte=now).aggregate(at=Min("available_at"))
        yield GaugeMetricFamily(
            "workflow_jobs_oldest_queued_seconds",
            "How long the oldest job due to run has waited for a worker (0 when none waits).",
            value=(now - oldest["at"]).total_seconds() if oldest["at"] else 0,
        )


register_collector("workflows", WorkflowCollector())
