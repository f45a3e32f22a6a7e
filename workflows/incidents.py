"""Incidents in bulk: which are open, how they group, and retrying or cancelling many at once
(one at a time is the engine's: ``incident_retry``, ``instance_cancel``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from .ages import AGE_BUCKETS, age_range
from .engine import incident_retry, instance_cancel
from .exceptions import NoIncidentToRetry, ReasonRequired
from .inbox import can_assign
from .models import Incident

logger = logging.getLogger(__name__)


def can_handle_incidents(user) -> bool:
    """Who may see the incident console and retry or cancel: staff and supervisors."""
    return user.is_authenticated and (user.is_staff or can_assign(user))


def open_incidents(*, operation: str = "", error_type: str = "") -> QuerySet[Incident]:
    """Unresolved incidents, oldest first, optionally of one service operation or error type."""
    incidents = Incident.objects.filter(resolved_at__isnull=True).order_by("created_at", "pk")
    if operation:
        incidents = incidents.filter(operation=operation)
    if error_type:
        incidents = incidents.filter(error_type=error_type)
    return incidents


def incidents_filtered(
    incidents: QuerySet[Incident],
    *,
    process: str = "",
    error_type: str = "",
    operation: str = "",
    age: str = "",
    now: datetime | None = None,
) -> QuerySet[Incident]:
    """``incidents`` narrowed to one process, error type, service operation and age bucket."""
    if process:
        incidents = incidents.filter(instance__definition__process_id=process)
    if error_type:
        incidents = incidents.filter(error_type=error_type)
    if operation:
        incidents = incidents.filter(operation=operation)
    if age:
        incidents = incidents.filter(age_range(age, now or timezone.now()))
    return incidents


@dataclass
class IncidentSummary:
    """Counts of ``incidents`` by process, error type, service operation and age bucket."""

    total: int
    by_process: list[tuple[str, int]]
    by_error_type: list[tuple[str, int]]
    by_operation: list[tuple[str, int]]
    by_age: list[tuple[str, int]]


def incident_summary(incidents: QuerySet[Incident], now: datetime | None = None) -> IncidentSummary:
    now = now or timezone.now()
    plain = incidents.order_by()

    def counts(name: str) -> list[tuple[str, int]]:
        rows = plain.values(name).annotate(count=Count("pk")).order_by("-count", name)
        return [(row[name], row["count"]) for row in rows]

    ages = plain.aggregate(
        **{key: Count("pk", filter=age_range(key, now)) for key, _upper in AGE_BUCKETS}
    )
    return IncidentSummary(
        total=plain.count(),
        by_process=counts("instance__definition__process_id"),
        by_error_type=counts("error_type"),
        by_operation=counts("operation"),
        by_age=[(key, ages[key]) for key, _upper in AGE_BUCKETS],
    )


@dataclass
class BulkReport:
    done: list[int] = field(default_factory=list)
    # incident id -> why it could not be handled
    refused: dict[int, str] = field(default_factory=dict)


def _each(incident_ids: Iterable[int], action: Callable[[int], None], verb: str) -> BulkReport:
    """Run ``action`` on each incident in its own transaction; one refusal stops no other."""
    report = BulkReport()
    for incident_id in incident_ids:
        try:
            action(incident_id)
        except Exception as exc:
            logger.warning("incident %s not %s: %s", incident_id, verb, exc)
            report.refused[incident_id] = str(exc)
        else:
            report.done.append(incident_id)
    return report


def incidents_retry(*, incident_ids: Iterable[int], actor=None, reason: str = "") -> BulkReport:
    """Retry each incident's failed step; the reason, when given, is journaled with each."""
    return _each(
        incident_ids,
        lambda pk: incident_retry(incident_id=pk, actor=actor, reason=reason),
        "retried",
    )


def incident_cancel(*, incident_id: int, actor, reason: str) -> None:
    """Cancel an open incident: its process instance is cancelled (see ``instance_cancel``)."""
    incident = Incident.objects.filter(pk=incident_id).values("instance_id", "resolved_at").get()
    if incident["resolved_at"] is not None:
        raise NoIncidentToRetry(
            "该异常已处理", "this incident has already been resolved", incident=incident_id
        )
    instance_cancel(
        instance_id=incident["instance_id"], actor=actor, reason=reason, incident_id=incident_id
    )


def incidents_cancel(*, incident_ids: Iterable[int], actor, reason: str) -> BulkReport:
    """Cancel each incident's process; several incidents of one process cancel it once."""
    if not (reason or "").strip():
        raise ReasonRequired("取消流程须填写理由", "give a reason for cancelling the process")
    ids = list(incident_ids)
    instance_of = dict(Incident.objects.filter(pk__in=ids).values_list("pk", "instance_id"))
    first_of_instance = {}
    for pk in ids:
        first_of_instance.setdefault(instance_of.get(pk), pk)
    report = _each(
        first_of_instance.values(),
        lambda pk: incident_cancel(incident_id=pk, actor=actor, reason=reason),
        "cancelled",
    )
    # The others were closed with their process.
    for pk in ids:
        if (
            pk not in first_of_instance.values()
            and first_of_instance[instance_of[pk]] in report.done
        ):
            report.done.append(pk)
    return report
