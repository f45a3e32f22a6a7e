"""Due dates counted in working days, on the holiday calendar (``workflows.workdays``).

A site with a calendar of its own names a function in ``WORKFLOWS_WORKING_DAYS_BETWEEN`` (dotted
path, ``(start: date, end: date) -> int``: the working days after ``start`` up to and including
``end``, 0 when ``end`` is not after ``start``). Days are those of the current time zone
(``TIME_ZONE``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from . import workdays


@cache
def _counter(path: str) -> Callable[[date, date], int]:
    return import_string(path)


def working_days_between(start: date, end: date) -> int:
    path = getattr(settings, "WORKFLOWS_WORKING_DAYS_BETWEEN", "")
    return (_counter(path) if path else workdays.working_days_between)(start, end)


def working_days_spans(spans: list[tuple[date, date]]) -> list[int]:
    """``working_days_between`` of each ``(start, end)``; on the holiday calendar, each year is
    read once for all of them (a period's statistics count thousands)."""
    path = getattr(settings, "WORKFLOWS_WORKING_DAYS_BETWEEN", "")
    if path:
        return [_counter(path)(start, end) for start, end in spans]
    return workdays.working_days_spans(spans)


def working_days_left(due_at: datetime, now: datetime | None = None) -> int:
    """Working days from today to the due date's day: 0 on the day itself, negative once past.

    Past due, the count is the working days since (a task due yesterday is ``-1``).
    """
    today = timezone.localdate(now or timezone.now())
    due_day = timezone.localdate(due_at)
    if due_day >= today:
        return working_days_between(today, due_day)
    return -max(working_days_between(due_day, today), 1)
