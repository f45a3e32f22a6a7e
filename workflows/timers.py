"""Firing due timers: the periodic sweep loads only instances whose earliest timer has passed."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from .engine import lock_tries, locked_run
from .models import ProcessInstance

logger = logging.getLogger(__name__)


def due_instance_ids(now: datetime | None = None) -> list[int]:
    return list(
        ProcessInstance.objects.filter(next_timer_at__lte=now or timezone.now())
        .exclude(status__in=(ProcessInstance.Status.COMPLETED, ProcessInstance.Status.CANCELLED))
        .order_by("next_timer_at")
        .values_list("pk", flat=True)
    )


def fire_due_timers(now: datetime | None = None) -> int:
    """Fire the due timers of every instance; returns how many timers fired.

    One broken instance is logged and skipped, never stopping the sweep of the others.
    """
    fired = 0
    for instance_id in due_instance_ids(now):
        try:
            for attempt in lock_tries():
                with attempt as memo, locked_run(instance_id, memo) as run:
                    fired += run.timers_fired
        except Exception:
            logger.exception("firing timers of instance %s failed", instance_id)
    return fired
