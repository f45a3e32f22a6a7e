"""Incidents in bulk: which are open, and retrying many at once (one by one is the engine's)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from .engine import incident_retry
from .models import Incident

logger = logging.getLogger(__name__)


def open_incidents(*, operation: str = "", error_type: str = ""):
    """Unresolved incidents, oldest first, optionally of one service operation or error type."""
    incidents = Incident.objects.filter(resolved_at__isnull=True).order_by("created_at", "pk")
    if operation:
        incidents = incidents.filter(operation=operation)
    if error_type:
        incidents = incidents.filter(error_type=error_type)
    return incidents


@dataclass
class BulkRetry:
    retried: list[int] = field(default_factory=list)
    # incident id -> why it could not be retried
    refused: dict[int, str] = field(default_factory=dict)


def incidents_retry(*, incident_ids: Iterable[int], actor=None) -> BulkRetry:
    """Retry each incident in its own transaction; one that cannot be retried stops no other."""
    report = BulkRetry()
    for incident_id in incident_ids:
        try:
            incident_retry(incident_id=incident_id, actor=actor)
        except Exception as exc:
            logger.warning("incident %s not retried: %s", incident_id, exc)
            report.refused[incident_id] = f"{type(exc).__name__}: {exc}"
        else:
            report.retried.append(incident_id)
    return report
