"""Reading a year's holiday arrangement from the text of the State Council's annual notice.

The file is the notice as published (国务院办公厅关于20XX年部分节假日安排的通知), pasted as text,
with an optional ``来源：`` line naming where it was published. What is read:

- the year, from the title (``关于2027年部分节假日安排``) or a ``年度：2027`` line;
- one numbered line per holiday, as the notice writes it::

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
    四、劳动节：5月1日放假，与周末连休。
    一、元旦：1月1日放假，1月2日（星期一）补休。

Every day from the first to the last day off is off (a holiday's weekend days included), a ``补休``
day too; the days before ``上班`` are make-up working days. ``共N天`` must match the span, and a
make-up working day must fall on a weekend: a typing slip is refused, never entered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from .exceptions import CalendarError
from .workdays import CalendarChange, Day, calendar_year_enter

YEAR = re.compile(r"关于\s*(\d{4})\s*年(?:部分)?节假日安排|^\s*年度[：:]\s*(\d{4})", re.M)
SOURCE = re.compile(r"^\s*(?:来源|出处|source)\s*[：:]\s*(.+?)\s*$", re.M | re.I)
TITLE = re.compile(r"^\s*(国务院办公厅关于.*节假日安排的通知)\s*$", re.M)
NUMBER = re.compile(r"(国办发明电\s*〔\d{4}〕\s*\d+\s*号)")
HOLIDAY = re.compile(
    r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:\n]+?)\s*[：:]\s*(.+?)\s*$", re.M
)
ASIDE = re.compile(r"（[^）]*）|\([^)]*\)")
DAY = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日"
SPAN = re.compile(DAY + r"(?:\s*至\s*(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日)?\s*放假")
DATE = re.compile(DAY)
TOTAL = re.compile(r"共\s*(\d+)\s*天")


@dataclass
class Holiday:
    name: str
    off: list[date] = field(default_factory=list)
    working: list[date] = field(default_factory=list)


@dataclass
class Notice:
    year: int
    source: str
    holidays: list[Holiday]

    def days(self) -> list[Day]:
        return [
            Day(day, working, holiday.name)
            for holiday in self.holidays
            for working, days in ((False, holiday.off), (True, holiday.working))
            for day in days
        ]


def _date(year: int, holiday: str, explicit: str | None, month: str, day: str) -> date:
    # New Year's Day can start in the December before the notice's year (12月31日至1月2日).
    if explicit:
        year = int(explicit)
    elif int(month) == 12 and "元旦" in holiday:
        year -= 1
    try:
        return date(year, int(month), int(day))
    except ValueError:
        raise CalendarError(
            f"{holiday}：{month}月{day}日不是有效日期", f"{holiday}: {month}/{day} is not a date"
        ) from None


def _holiday(year: int, name: str, text: str) -> Holiday:
    holiday = Holiday(name)
    for sentence in filter(None, (s.strip() for s in re.split(r"[。；;]", ASIDE.sub("", text)))):
        span = SPAN.search(sentence)
        if span:
            y1, m1, d1, y2, m2, d2 = span.groups()
            first = _date(year, name, y1, m1, d1)
            last = _date(year, name, y2 or (y1 if not m2 else None), m2 or m1, d2) if d2 else first
            if last < first:
                raise CalendarError(
                    f"{name}：放假结束日早于开始日", f"{name}: the holiday ends before it starts"
                )
            holiday.off += [first + timedelta(days=n) for n in range((last - first).days + 1)]
            total = TOTAL.search(sentence)
            if total and int(total.group(1)) != (last - first).days + 1:
                raise CalendarError(
                    f"{name}：{first:%m月%d日}至{last:%m月%d日}共 {(last - first).days + 1} 天，"
                    f"通知写“共{total.group(1)}天”，请核对",
                    f"{name}: the span has {(last - first).days + 1} days, the notice says "
                    f"{total.group(1)}",
                )
        found = [
            _date(year, name, *groups)
            for groups in DATE.findall(sentence[span.end() :] if span else sentence)
        ]
        if "上班" in sentence:
            holiday.working += found
        elif "补休" in sentence:
            holiday.off += found
    if not holiday.off:
        raise CalendarError(f"{name}：没有读到放假日期", f"{name}: no days off found")
    for day in holiday.working:
        if day.weekday() < 5:
            raise CalendarError(
                f"{name}：调休上班日 {day:%Y-%m-%d} 不是周末，请核对",
                f"{name}: the make-up working day {day:%Y-%m-%d} is not a weekend day",
            )
        if day in holiday.off:
            raise CalendarError(
                f"{name}：{day:%Y-%m-%d} 既放假又上班", f"{name}: {day} is both off and working"
            )
    return holiday


def notice_parse(text: str, *, year: int | None = None) -> Notice:
    """The arrangement a notice's text sets out; refused with a ``CalendarError`` saying where."""
    found = YEAR.search(text)
    if year is None:
        if found is None:
            raise CalendarError(
                "未找到年份：请保留通知标题（关于XXXX年部分节假日安排的通知）或写“年度：XXXX”",
                "no year found: keep the notice's title or add a line 年度：YYYY",
            )
        year = int(found.group(1) or found.group(2))
    holidays = [_holiday(year, name, rest) for name, rest in HOLIDAY.findall(text)]
    if not holidays:
        raise CalendarError(
            "未找到节假日条目（如“二、春节：2月15日至23日放假调休，共9天。”）",
            "no holiday lines found (e.g. 二、春节：2月15日至23日放假调休，共9天。)",
        )
    seen: dict[date, str] = {}
    for holiday in holidays:
        for day in holiday.off + holiday.working:
            if day in seen:
                raise CalendarError(
                    f"{day:%Y-%m-%d} 同时出现在{seen[day]}和{holiday.name}中",
                    f"{day} appears under both {seen[day]} and {holiday.name}",
                )
            seen[day] = holiday.name
    source = SOURCE.search(text)
    title, number = TITLE.search(text), NUMBER.search(text)
    named = " ".join(
        part
        for part in (
            title.group(1) if title else "",
            number.group(1) if number else "",
            source.group(1) if source else "",
        )
        if part
    )
    return Notice(year, named, holidays)


def notice_import(*, text: str, actor, year: int | None = None, reason: str = "") -> CalendarChange:
    """Read a notice and enter its year (replacing that year's arrangement), journaled."""
    notice = notice_parse(text, year=year)
    if not notice.source:
        raise CalendarError(
            "请保留通知标题，或加一行“来源：……”注明出处",
            "keep the notice's title or add a line 来源：… naming where it was published",
        )
    return calendar_year_enter(
        year=notice.year, days=notice.days(), source=notice.source, actor=actor, reason=reason
    )
