"""Commitment deadlines in calendar days or Chinese working days (Asia/Shanghai).

Working days follow the holiday calendar kept as data (``workflows.workdays``: each year's State
Council arrangement, statutory holidays off and make-up working days on, entered by staff or seeded
from ``chinesecalendar``); this module is acceptance's one way to it. A period counted in calendar
days whose last day is not a working day ends on the next working day (民法典 第二百零三条).
A deadline is the end (23:59:59) of its last day in Shanghai. A period with only a time part
(``PT90S``) is added exactly: short periods let demos and tests reach a deadline.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from workflows.workdays import add_working_days, next_working_day, working_days_between

from .conf import setting
from .models import DayCount

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def commitment_deadline(start: datetime, period: str, day_count: str) -> datetime:
    """When a commitment signed at ``start`` for ``period`` (ISO 8601) falls due."""
    # SpiffWorkflow reads ISO durations as the engine's timers do; imported here, where used,
    # so that Django's start does not load it.
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    parts = TimerEventDefinition.parse_iso_duration(period)
    local = start.astimezone(SHANGHAI)
    if not any(parts.get(unit) for unit in ("years", "months", "weeks", "days")):
        return start + TimerEventDefinition.get_timedelta_from_start(parts, local)
    if day_count == DayCount.WORKING:
        months = Decimal(parts.get("years", 0)) * 12 + Decimal(parts.get("months", 0))
        per_month = Decimal(setting("ACCEPTANCE_WORKING_DAYS_PER_MONTH"))
        count = (months * per_month).quantize(Decimal(1), ROUND_HALF_UP)
        count += int(parts.get("weeks", 0) * 5 + parts.get("days", 0))
        return _end_of(add_working_days(local.date(), int(count)))
    last = (local + TimerEventDefinition.get_timedelta_from_start(parts, local)).date()
    return _end_of(next_working_day(last))


def days_left(deadline: datetime, now: datetime, day_count: str) -> int:
    """Whole days from ``now``'s day to the deadline's day, counted the commitment's way."""
    today = now.astimezone(SHANGHAI).date()
    last = deadline.astimezone(SHANGHAI).date()
    if day_count == DayCount.WORKING:
        return working_days_between(today, last)
    return (last - today).days
