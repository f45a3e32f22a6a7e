"""Readiness (``workflows.health``): the holiday calendar knows the years deadlines can reach."""

from __future__ import annotations

from workflows.health import Check, register_check

from .deadlines import check_holiday_calendar


def holiday_calendar() -> Check:
    problems = check_holiday_calendar()
    if problems:
        return Check.fail(problems[0].msg)
    return Check.ok()


register_check("holiday_calendar", holiday_calendar)
