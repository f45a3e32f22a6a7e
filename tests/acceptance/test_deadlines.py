"""Commitment deadlines in calendar days and Chinese working days (the holiday calendar's data)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from acceptance.deadlines import SHANGHAI, commitment_deadline, days_left
from workflows.workdays import add_working_days, is_working_day, next_working_day

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def test_three_calendar_months_end_at_the_end_of_the_same_day_three_months_later():
    deadline = commitment_deadline(at(date(2026, 1, 15)), "P3M", "calendar")
    assert deadline == datetime(2026, 4, 15, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_calendar_deadline_falling_on_the_national_day_holiday_moves_to_the_first_working_day():
    # 1 July + 3 months = 1 October, National Day; the holiday runs to 7 October 2026.
    deadline = commitment_deadline(at(date(2026, 7, 1)), "P3M", "calendar")
    assert not is_working_day(date(2026, 10, 1))
    assert deadline.date() == date(2026, 10, 8)


def test_six_months_is_an_option_of_its_own():
    deadline = commitment_deadline(at(date(2026, 1, 15)), "P6M", "calendar")
    assert deadline.date() == date(2026, 7, 15)


def test_working_days_across_the_spring_festival_skip_the_holiday_and_count_make_up_saturdays():
    # 2026: 15 to 23 February off; Saturdays 14 and 28 February are make-up working days.
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))
    assert not is_working_day(date(2026, 2, 17)) and not is_working_day(date(2026, 3, 1))
    # Tue 10 Feb + 10 working days: 11, 12, 13, 14(Sat), 24, 25, 26, 27, 28(Sat), 2 March.
    assert add_working_days(date(2026, 2, 10), 10) == date(2026, 3, 2)
    deadline = commitment_deadline(at(date(2026, 2, 10)), "P10D", "working")
    assert deadline == datetime(2026, 3, 2, 23, 59, 59, tzinfo=SHANGHAI)


def test_three_months_of_working_days_are_sixty_five_working_days():
    start = at(date(2026, 1, 15))
    deadline = commitment_deadline(start, "P3M", "working")
    assert deadline.date() == add_working_days(date(2026, 1, 15), 65) == date(2026, 4, 23)
    assert days_left(deadline, start, "working") == 65
    assert days_left(deadline, start, "calendar") == 98


def test_a_period_of_seconds_is_added_exactly():
    start = at(date(2026, 2, 16))  # a holiday: short periods ignore the calendar
    assert (commitment_deadline(start, "PT90S", "working") - start).total_seconds() == 90


def test_a_year_not_entered_counts_weekdays_and_warns_once(caplog):
    assert next_working_day(date(2031, 1, 4)) == date(2031, 1, 6)  # Saturday → Monday
    assert add_working_days(date(2031, 1, 6), 5) == date(2031, 1, 13)
    assert caplog.text.count("has no arrangement for 2031") == 1
    assert "import_holidays" in caplog.text


@pytest.mark.parametrize("period", ["P3M", "P6M"])
def test_a_deadline_is_never_before_the_calendar_period_in_working_days(period):
    start = at(date(2026, 1, 15))
    assert commitment_deadline(start, period, "working") >= commitment_deadline(
        start, period, "calendar"
    )
