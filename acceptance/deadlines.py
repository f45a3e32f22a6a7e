"""Commitment deadlines in calendar days or Chinese working days (Asia/Shanghai).

Working days follow the State Council's holiday arrangement for each year as published in the
``chinesecalendar`` package (statutory holidays off, make-up working days on). A period counted in
calendar days whose last day is not a working day ends on the next working day (民法典 第二百零三条).
A deadline is the end (23:59:59) of its last day in Shanghai. A period with only a time part
(``PT90S``) is added exactly: short periods let demos and tests reach a deadline.

For a year the package does not know yet, weekends are the only days off and a warning is logged:
update ``chinesecalendar`` each year once the arrangement is published (see the README).
"""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import chinese_calendar

from .conf import setting
from .models import DayCount

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


@functools.cache
def _warn_unknown_year(year: int) -> None:
    logger.warning(
        "chinesecalendar does not know %s yet: counting Monday to Friday as working days; "
        "upgrade the package",
        year,
    )


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += is_working_day(day)
    return days


def _end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def commitment_deadline(start: datetime, period: str, day_count: str) -> datetime:
    """When a commitment signed at ``start`` for ``period`` (ISO 8601) falls due."""
    # SpiffWorkflow reads ISO durations as the engine's timers do; imported here, not when the
    # app's system check is registered at start-up.
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


def check_holiday_calendar(app_configs=None, **kwargs) -> list:
    """acceptance.W001: the holiday calendar must know the years a new commitment can reach."""
    from django.core import checks
    from django.utils import timezone

    last_needed = timezone.localdate().year + 1  # a 6-month period signed today ends next year
    known = max(chinese_calendar.constants.holidays).year
    if known >= last_needed:
        return []
    return [
        checks.Warning(
            f"chinesecalendar {chinese_calendar.__version__} knows Chinese holidays up to {known}; "
            f"commitments may run into {last_needed}, where working days count Monday to Friday",
            hint="Upgrade chinesecalendar once the year's holiday arrangement is released "
            "(README: The holiday calendar, once a year).",
            id="acceptance.W001",
        )
    ]
