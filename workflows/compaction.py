"""Compaction: an ended instance keeps its journal and final state digest, not its live rows.

A finished case stays for decades, but the engine needs nothing of its instance again: the
journal replays it (``verify_journal --replay``) and the hash chain proves the journal. So once an
instance has been completed or cancelled for ``WORKFLOWS_COMPACT_AFTER_DAYS`` days, compaction
replaces its serialized workflow state (the largest row of a case) with nothing, keeping the final
state digest, deletes its succeeded and discarded service jobs (their results are journaled with
``service.completed``) and empties the state snapshots of its migrations (an ended instance cannot
be reverted). The journal, incidents, failed jobs, user tasks (who did what, when) and every
business object stay as they are.

Each instance is first replayed and compacted only when its replay verifies and ends on its saved
state: a compacted instance then verifies exactly as before, against the digest it kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import InstanceMigration, ProcessInstance, ServiceJob
from .replay import ReplayError, replay_instance

logger = logging.getLogger(__name__)

ENDED = (ProcessInstance.Status.COMPLETED, ProcessInstance.Status.CANCELLED)
DEFAULT_AFTER_DAYS = 30


@dataclass(frozen=True)
class Compaction:
    instance_id: int
    business_key: str
    compacted: bool
    reason: str = ""
    state_bytes: int = 0
    jobs_deleted: int = 0

    def describe(self) -> str:
        if self.compacted:
            return (
                f"{self.business_key} instance {self.instance_id}: compacted "
                f"({self.state_bytes} bytes of state, {self.jobs_deleted} service job(s))"
            )
        return f"{self.business_key} instance {self.instance_id}: left as is: {self.reason}"


def instance_compact(instance_id: int) -> Compaction:
    """Compact one ended instance, under its row lock; nothing changes unless it verifies."""
    with transaction.atomic():
        instance = ProcessInstance.objects.select_for_update().get(pk=instance_id)

        def left(reason: str) -> Compaction:
            return Compaction(instance.pk, instance.business_key, False, reason)

        if instance.compacted_at is not None:
            return left("compacted already")
        if instance.status not in ENDED:
            return left(f"the instance is {instance.status}, not ended")
        try:
            verdict = replay_instance(instance)
        except ReplayError as exc:
            return left(f"cannot replay: {exc}")
        if not verdict.verified:
            return left(verdict.describe())
        state_bytes = len(instance.state.encode())
        ProcessInstance.objects.filter(pk=instance.pk).update(state="", compacted_at=timezone.now())
        jobs_deleted, _ = ServiceJob.objects.filter(
            instance=instance,
            status__in=(ServiceJob.Status.SUCCEEDED, ServiceJob.Status.DISCARDED),
        ).delete()
        InstanceMigration.objects.filter(instance=instance).update(state_before="")
    return Compaction(
        instance.pk, instance.business_key, True, state_bytes=state_bytes, jobs_deleted=jobs_deleted
    )


def compactable(ended_before=None):
    """Ended, not yet compacted instances that ended before ``ended_before``."""
    if ended_before is None:
        days = getattr(settings, "WORKFLOWS_COMPACT_AFTER_DAYS", DEFAULT_AFTER_DAYS)
        ended_before = timezone.now() - timedelta(days=days)
    return ProcessInstance.objects.filter(
        status__in=ENDED, compacted_at__isnull=True, completed_at__lt=ended_before
    ).order_by("completed_at", "pk")


def compact_ended(ended_before=None, limit: int | None = None) -> list[Compaction]:
    """Compact the instances ``compactable`` finds, oldest first; each in its own transaction."""
    ids = compactable(ended_before).values_list("pk", flat=True)
    outcomes = [instance_compact(pk) for pk in (ids[:limit] if limit else ids)]
    for outcome in outcomes:
        if not outcome.compacted:
            logger.warning("compaction skipped: %s", outcome.describe())
    return outcomes
