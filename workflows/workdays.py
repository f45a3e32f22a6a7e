"""Working days on the holiday calendar kept as data: each year's arrangement (放假安排), editable.

Monday to Friday are working days except the days a year's arrangement gives off; Saturdays and
Sundays are days off except its make-up working days (调休上班). Days of a year with no arrangement
entered count Monday to Friday (logged once per process and year). The State Council publishes the
coming year's arrangement around November: from 1 November the coming year is expected, and
``calendar_readiness`` says which years are missing (the system check and the readiness endpoint
both ask it).

The years ``chinesecalendar`` knows are seeded after every ``migrate`` (and test flush) where they
are missing; an arrangement already entered is never overwritten. Every change made after that is
journaled on the ``calendar`` chain with the days before and after, and announced with
``workflows.signals.calendar_changed`` so the host recomputes the deadlines it counted.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connections, transaction
from django.utils import timezone

from .exceptions import CalendarError
from .journal import actor_label, journal_append
from .models import CalendarDay, CalendarYear
from .signals import calendar_changed

logger = logging.getLogger(__name__)

CHAIN = "calendar"
PACKAGE_ACTOR = "system:chinesecalendar"
# The day from which next year's arrangement is expected (month, day).
EXPECTED_FROM = (11, 1)


@dataclass(frozen=True)
class Day:
    """One day of an arrangement: off (放假) or a make-up working day (上班), for a holiday."""

    day: date
    working: bool
    name: str = ""


# -- reading ------------------------------------------------------------------------------------


@functools.cache
def _warn_unknown_year(year: int) -> None:
    logger.warning(
        "the holiday calendar has no arrangement for %s: counting Monday to Friday as working "
        "days; enter the year (import_holidays or the calendar page)",
        year,
    )


class _Calendar:
    """The days of the years one computation touches, each year read once."""

    def __init__(self) -> None:
        self._years: dict[int, dict[date, bool]] = {}

    def working(self, day: date) -> bool:
        days = self._years.get(day.year)
        if days is None:
            days = self._years[day.year] = dict(
                CalendarDay.objects.filter(day__year=day.year).values_list("day", "working")
            )
            # Only a year without a single listed day can be one not entered: ask only then.
            if not days and not calendar_covers(day.year):
                _warn_unknown_year(day.year)
        return days.get(day, day.weekday() < 5)


# The calendar shared by the computations inside ``calendar_read_once`` (else one per call).
_shared_calendar: ContextVar[_Calendar | None] = ContextVar("shared_calendar", default=None)


@contextmanager
def calendar_read_once():
    """Inside, each year's days are read once for every computation (a sweep counting the days
    left of many deadlines), not once per deadline."""
    token = _shared_calendar.set(_Calendar())
    try:
        yield
    finally:
        _shared_calendar.reset(token)


def _calendar() -> _Calendar:
    return _shared_calendar.get() or _Calendar()


def is_working_day(day: date) -> bool:
    return _calendar().working(day)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    calendar = _calendar()
    while not calendar.working(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    calendar = _calendar()
    while count > 0:
        day += timedelta(days=1)
        count -= calendar.working(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    return working_days_spans([(start, end)])[0]


def working_days_spans(spans: Iterable[tuple[date, date]]) -> list[int]:
    """``working_days_between`` of each ``(start, end)``, each year's days read once for all."""
    calendar, counts = _calendar(), []
    for start, end in spans:
        days, day = 0, start
        while day < end:
            day += timedelta(days=1)
            days += calendar.working(day)
        counts.append(days)
    return counts


def calendar_covers(year: int) -> bool:
    """Whether ``year``'s holiday arrangement has been entered."""
    return CalendarYear.objects.filter(year=year).exists()


@dataclass(frozen=True)
class CalendarReadiness:
    """Whether the calendar holds every year a deadline counted today can reach."""

    ready: bool
    missing: tuple[int, ...]
    message: str


def calendar_readiness(today: date | None = None) -> CalendarReadiness:
    """This year must be entered, and from 1 November the next one too.

    The one answer for the system check and the readiness endpoint; ``message`` (Chinese and
    English) names the missing years, empty when ready.
    """
    today = today or timezone.localdate()
    needed = [today.year]
    if (today.month, today.day) >= EXPECTED_FROM:
        needed.append(today.year + 1)
    entered = set(CalendarYear.objects.filter(year__in=needed).values_list("year", flat=True))
    missing = tuple(year for year in needed if year not in entered)
    if not missing:
        return CalendarReadiness(True, (), "")
    years = "、".join(f"{year} 年" for year in missing)
    years_en = ", ".join(str(year) for year in missing)
    return CalendarReadiness(
        False,
        missing,
        f"节假日安排尚未录入：{years}，期间的工作日按周一至周五计算；请在节假日日历页面或用 "
        f"import_holidays 录入国务院办公厅的放假通知。 The holiday arrangement for {years_en} is "
        "not entered: working days there count Monday to Friday until staff enter the State "
        "Council's notice.",
    )


def calendar_year_days(year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(year__year=year))


# -- writing ------------------------------------------------------------------------------------


def _state(row: CalendarDay | None) -> dict | None:
    return None if row is None else {"working": row.working, "name": row.name}


def _announce(*, year: int, changed: list[dict], actor, reason: str) -> int:
    """Tell the host which days changed; returns how many deadlines the host moved."""
    days = sorted({date.fromisoformat(change["day"]) for change in changed})
    if not days:
        return 0
    because = (
        f"{year} 年节假日安排调整" + (f"：{reason}" if reason else ""),
        f"the {year} holiday arrangement changed" + (f": {reason}" if reason else ""),
    )
    replies = calendar_changed.send(sender=CalendarDay, days=days, actor=actor, reason=because)
    return sum(moved or 0 for _, moved in replies)


@dataclass(frozen=True)
class CalendarChange:
    year: int
    changed: list[dict]
    deadlines_moved: int


def calendar_year_enter(
    *, year: int, days: Iterable[Day], source: str, actor, reason: str = ""
) -> CalendarChange:
    """Enter (or replace) ``year``'s arrangement: its days off and make-up working days.

    Days of the year's previous arrangement that are not in ``days`` return to Monday-to-Friday.
    The change is journaled (each day before and after) and announced to the host.
    """
    days = list(days)
    if not days:
        raise CalendarError("放假安排中没有任何日期", "the arrangement lists no days")
    source = source.strip()
    if not source:
        raise CalendarError(
            "请注明来源（通知标题、文号或网址）", "name the source (title, number or address)"
        )
    with transaction.atomic():
        entry, created = CalendarYear.objects.select_for_update().get_or_create(
            year=year, defaults={"source": source, "entered_by": actor_label(actor)}
        )
        before = {row.day: row for row in CalendarDay.objects.filter(year=entry)}
        before.update(
            {row.day: row for row in CalendarDay.objects.filter(day__in=[d.day for d in days])}
        )
        after = {d.day: d for d in days}
        changed = []
        for day in sorted(set(before) | set(after)):
            old, new = before.get(day), after.get(day)
            if new is None:
                if old.year_id != entry.pk:
                    continue
                old.delete()
            elif old is None or (old.working, old.name, old.year_id) != (
                new.working,
                new.name,
                entry.pk,
            ):
                CalendarDay.objects.update_or_create(
                    day=day, defaults={"year": entry, "working": new.working, "name": new.name}
                )
            else:
                continue
            changed.append(
                {
                    "day": day.isoformat(),
                    "before": _state(old),
                    "after": None if new is None else {"working": new.working, "name": new.name},
                }
            )
        entry.source, entry.entered_by, entry.entered_at = (
            source,
            actor_label(actor),
            timezone.now(),
        )
        entry.save()
        journal_append(
            chain=CHAIN,
            kind="calendar.year_entered",
            actor=actor,
            payload={"year": year, "source": source, "new_year": created, "changed": changed},
        )
        moved = _announce(year=year, changed=changed, actor=actor, reason=reason)
    return CalendarChange(year, changed, moved)


def calendar_day_set(
    *, day: date, working: bool | None, name: str = "", actor, reason: str = ""
) -> CalendarChange:
    """Make ``day`` a day off (``working=False``), a make-up working day (``True``), or an
    ordinary day again (``None``), in the arrangement of its year, which must be entered."""
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(day=day).first()
        entry = row.year if row is not None else CalendarYear.objects.filter(year=day.year).first()
        if entry is None:
            raise CalendarError(
                f"{day.year} 年的节假日安排尚未录入，请先导入该年的放假通知",
                f"the {day.year} arrangement is not entered: import its notice first",
            )
        ordinary = working is None or (working == (day.weekday() < 5) and not name)
        before = _state(row)
        if ordinary:
            if row is not None:
                row.delete()
            after = None
        else:
            CalendarDay.objects.update_or_create(
                day=day, defaults={"year": entry, "working": working, "name": name.strip()}
            )
            after = {"working": working, "name": name.strip()}
        if before == after:
            return CalendarChange(entry.year, [], 0)
        changed = [{"day": day.isoformat(), "before": before, "after": after}]
        journal_append(
            chain=CHAIN,
            kind="calendar.day_changed",
            actor=actor,
            payload={"year": entry.year, "changed": changed, "reason": reason},
        )
        moved = _announce(year=entry.year, changed=changed, actor=actor, reason=reason)
    return CalendarChange(entry.year, changed, moved)


def calendar_seed_from_package(*, using: str = "default", **kwargs) -> list[int]:
    """Enter each year ``chinesecalendar`` knows and the database does not (post_migrate).

    The first seed of an empty calendar is its initial content; a year seeded into a calendar
    already in use (the package upgraded) is entered like any other year: journaled, announced.
    """
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    if CalendarYear._meta.db_table not in connections[using].introspection.table_names():
        return []  # migrated back to before the calendar existed
    entered = set(CalendarYear.objects.using(using).values_list("year", flat=True))
    years: dict[int, list[Day]] = {}
    for table, working in (
        (chinese_calendar.constants.holidays, False),
        (chinese_calendar.constants.workdays, True),
    ):
        for day, holiday in table.items():
            years.setdefault(day.year, []).append(Day(day, working, Holiday(holiday).chinese))
    source = f"chinesecalendar {chinese_calendar.__version__}（国务院办公厅历年放假通知）"
    new = sorted(year for year in years if year not in entered)
    if not entered:
        with transaction.atomic(using=using):
            CalendarYear.objects.using(using).bulk_create(
                CalendarYear(year=year, source=source, entered_by=PACKAGE_ACTOR) for year in new
            )
            ids = {row.year: row.pk for row in CalendarYear.objects.using(using).all()}
            CalendarDay.objects.using(using).bulk_create(
                CalendarDay(year_id=ids[year], day=d.day, working=d.working, name=d.name)
                for year in new
                for d in years[year]
            )
        return new
    for year in new:
        calendar_year_enter(year=year, days=years[year], source=source, actor=PACKAGE_ACTOR)
    return new
