"""The holiday calendar as data: seeded from chinesecalendar, imported from the State Council's
notice, edited a day at a time, journaled, and asked whether the coming year is entered."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.checks import Warning
from django.core.management import CommandError, call_command

from workflows.checks import check_holiday_calendar
from workflows.exceptions import CalendarError
from workflows.holiday_notice import notice_parse
from workflows.journal import verify_chain
from workflows.models import CalendarDay, CalendarYear, JournalEntry
from workflows.workdays import (
    add_working_days,
    calendar_covers,
    calendar_day_set,
    calendar_readiness,
    calendar_seed_from_package,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
NOTICE_2026 = DATA / "holidays-2026.txt"
TEST_2027 = DATA / "holidays-2027-test.txt"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def package_days(year: int) -> set[tuple[date, bool]]:
    constants = chinese_calendar.constants
    return {(day, False) for day in constants.holidays if day.year == year} | {
        (day, True) for day in constants.workdays if day.year == year
    }


def test_migrate_seeds_every_year_chinesecalendar_knows_and_no_later_one():
    assert calendar_covers(2004) and calendar_covers(2026)
    assert not calendar_covers(2027)
    stored = set(CalendarDay.objects.filter(day__year=2026).values_list("day", "working"))
    assert stored == package_days(2026)
    assert "chinesecalendar" in CalendarYear.objects.get(year=2026).source


def test_the_2026_notice_as_published_reads_as_the_days_chinesecalendar_ships():
    notice = notice_parse(NOTICE_2026.read_text(encoding="utf-8"))
    assert notice.year == 2026
    assert "国务院办公厅关于2026年部分节假日安排的通知" in notice.source
    assert {(d.day, d.working) for d in notice.days()} == package_days(2026)
    spring = next(h for h in notice.holidays if h.name == "春节")
    assert (spring.off[0], spring.off[-1], len(spring.off)) == (
        date(2026, 2, 15),
        date(2026, 2, 23),
        9,
    )
    assert spring.working == [date(2026, 2, 14), date(2026, 2, 28)]


def test_older_notice_wordings_are_read_too():
    notice = notice_parse(
        "国务院办公厅关于2017年部分节假日安排的通知\n"
        "一、元旦：1月1日放假，1月2日（星期一）补休。\n"
        "四、劳动节：5月1日放假，与周末连休。\n"
        "六、中秋节、国庆节：10月1日至8日放假调休，共8天。9月30日（星期六）上班。\n"
    )
    new_year, labour, autumn = notice.holidays
    assert new_year.off == [date(2017, 1, 1), date(2017, 1, 2)]
    assert labour.off == [date(2017, 5, 1)] and labour.working == []
    assert (autumn.name, len(autumn.off), autumn.working) == (
        "中秋节、国庆节",
        8,
        [date(2017, 9, 30)],
    )


def test_a_new_year_holiday_starting_in_december_belongs_to_the_year_before():
    notice = notice_parse(
        "关于2023年部分节假日安排的通知\n一、元旦：12月31日至1月2日放假调休，共3天。"
    )
    assert notice.holidays[0].off == [date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("二、春节：2月6日至12日放假调休，共8天。", "共 7 天"),
        ("二、春节：2月6日至12日放假调休，共7天。2月15日（周一）上班。", "不是周末"),
        ("二、春节：2月30日至3月2日放假。", "不是有效日期"),
        ("二、春节：全体休息。", "没有读到放假日期"),
    ],
)
def test_a_slip_in_the_notice_is_refused_saying_where(line, says):
    with pytest.raises(CalendarError) as refused:
        notice_parse(f"年度：2027\n{line}")
    assert says in refused.value.message_zh


def test_import_holidays_enters_a_year_and_journals_each_day(capsys):
    out = io.StringIO()
    call_command("import_holidays", str(TEST_2027), "--by", "staff_test", stdout=out)
    assert "2027" in out.getvalue() and "0 deadline(s) recomputed" in out.getvalue()
    assert calendar_covers(2027)
    assert not is_working_day(date(2027, 2, 8))  # a Monday of the test Spring Festival
    assert is_working_day(date(2027, 2, 13))  # the Saturday worked
    (entry,) = JournalEntry.objects.filter(chain="calendar", kind="calendar.year_entered")
    assert entry.actor == "staff_test"
    assert entry.payload["year"] == 2027 and entry.payload["new_year"] is True
    assert {"day": "2027-02-13", "before": None, "after": {"working": True, "name": "春节"}} in (
        entry.payload["changed"]
    )
    assert verify_chain("calendar").intact


def test_import_holidays_refuses_an_unreadable_notice_and_enters_nothing(tmp_path):
    bad = tmp_path / "notice.txt"
    bad.write_text("年度：2027\n二、春节：2月6日至12日放假调休，共9天。", encoding="utf-8")
    with pytest.raises(CommandError, match="共 7 天"):
        call_command("import_holidays", str(bad), stdout=io.StringIO())
    assert not calendar_covers(2027)


def test_a_day_changed_by_staff_counts_at_once_and_is_journaled_with_before_and_after():
    # 2026-10-09 is an ordinary Friday; make it a day off, then a working day again.
    assert add_working_days(date(2026, 10, 8), 1) == date(2026, 10, 9)
    change = calendar_day_set(
        day=date(2026, 10, 9), working=False, name="国庆节", actor="staff_test"
    )
    assert change.changed == [
        {"day": "2026-10-09", "before": None, "after": {"working": False, "name": "国庆节"}}
    ]
    assert add_working_days(date(2026, 10, 8), 1) == date(2026, 10, 10)  # the make-up Saturday
    calendar_day_set(day=date(2026, 10, 9), working=None, actor="staff_test")
    assert is_working_day(date(2026, 10, 9))
    kinds = list(
        JournalEntry.objects.filter(chain="calendar").values_list("kind", "payload__changed")
    )
    assert [kind for kind, _ in kinds] == ["calendar.day_changed"] * 2
    assert kinds[1][1][0]["before"] == {"working": False, "name": "国庆节"}
    assert kinds[1][1][0]["after"] is None


def test_a_day_of_a_year_not_entered_is_refused():
    with pytest.raises(CalendarError, match="2027 年的节假日安排尚未录入"):
        calendar_day_set(day=date(2027, 2, 8), working=False, name="春节", actor="staff_test")


def test_working_days_between_counts_the_days_after_start_up_to_end():
    # 2026: 14 Feb (Sat) worked, 15-23 off, 28 Feb (Sat) worked.
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    assert working_days_between(date(2026, 2, 28), date(2026, 2, 13)) == 0


def test_readiness_wants_next_year_from_the_first_of_november():
    assert calendar_readiness(date(2026, 10, 31)).ready
    missing = calendar_readiness(date(2026, 11, 1))
    assert (missing.ready, missing.missing) == (False, (2027,))
    assert "2027 年" in missing.message and "not entered" in missing.message
    call_command("import_holidays", str(TEST_2027), stdout=io.StringIO())
    assert calendar_readiness(date(2026, 12, 5)).ready
    assert calendar_readiness(date(2031, 3, 1)).missing == (2031,)


def test_the_system_check_says_next_year_is_not_entered_from_the_first_of_november(time_machine):
    time_machine.move_to(datetime(2026, 10, 31, 12, tzinfo=SHANGHAI))
    assert check_holiday_calendar() == []
    time_machine.move_to(datetime(2026, 11, 1, 9, tzinfo=SHANGHAI))
    (warning,) = check_holiday_calendar()
    assert isinstance(warning, Warning) and warning.id == "workflows.W001"
    assert warning.msg == calendar_readiness().message
    assert "import_holidays" in warning.hint


def test_seeding_again_keeps_staff_edits_and_enters_a_missing_year_as_a_journaled_change():
    calendar_day_set(day=date(2026, 10, 9), working=False, name="国庆节", actor="staff_test")
    CalendarYear.objects.filter(year=2025).delete()  # as if the package had just learnt 2025

    assert calendar_seed_from_package() == [2025]

    assert not is_working_day(date(2026, 10, 9))  # the staff edit stands
    stored = set(CalendarDay.objects.filter(day__year=2025).values_list("day", "working"))
    assert stored == package_days(2025)
    entry = JournalEntry.objects.filter(chain="calendar").last()
    assert (entry.kind, entry.actor, entry.payload["year"]) == (
        "calendar.year_entered",
        "system:chinesecalendar",
        2025,
    )
