"""The sweep: every job whose message went missing, or whose worker died, is sent again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import OutboxJob
from .conf import setting
from .relay import job_send

logger = logging.getLogger(__name__)


def stale_jobs(now: datetime | None = None):
    """Pending rows not taken within ``WORKFLOWS_JOB_PICKUP_SECONDS`` of being due (or of their
    last re-send), unless a live lease holds them."""
    now = now or timezone.now()
    overdue = now - timedelta(seconds=setting("WORKFLOWS_JOB_PICKUP_SECONDS"))
    return (
        OutboxJob.objects.filter(status=OutboxJob.Status.PENDING)
        .annotate(last_sent=Coalesce("sent_at", "available_at"))
        .filter(last_sent__lt=overdue)
        .filter(Q(lock_owner="") | Q(lock_expires_at__lt=now))
        .order_by("available_at")
    )


def jobs_sweep(now: datetime | None = None) -> int:
    """Send every stale job again; returns how many were sent.

    A duplicate message is harmless (the lease lets one worker run the job). A row that cannot
    be sent means the broker is away: the sweep stops there rather than wait on it once per row,
    and that row and the rest, their send times untouched, are due again at the next sweep.
    """
    sent = 0
    for job_id, task in stale_jobs(now).values_list("pk", "task"):
        if not job_send(job_id, task):
            break
        OutboxJob.objects.filter(pk=job_id).update(sent_at=timezone.now(), sends=F("sends") + 1)
        sent += 1
    if sent:
        logger.info("job sweep: %s job(s) sent again", sent)
    return sent
