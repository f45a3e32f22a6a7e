"""The holiday calendar page: a year at a glance, a day changed, a notice imported (staff).

Anyone on the staff reads it (and whoever holds ``workflows.view_calendarday``); staff and holders
of ``workflows.change_calendarday`` change it. Every change goes through ``workflows.workdays``:
journaled, and the deadlines counted on the calendar recomputed.
"""

from __future__ import annotations

import calendar
from datetime import date
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .exceptions import CalendarError
from .holiday_notice import notice_import
from .labels import label
from .models import CalendarDay, CalendarYear, JournalEntry
from .workdays import CHAIN, calendar_day_set, calendar_readiness

WEEKDAYS_ZH = "一二三四五六日"
MAX_NOTICE_BYTES = 64 * 1024


def may_edit(user) -> bool:
    return user.is_active and (user.is_staff or user.has_perm("workflows.change_calendarday"))


def may_view(user) -> bool:
    return may_edit(user) or user.has_perm("workflows.view_calendarday")


def _holidays(days: list[CalendarDay]) -> list[dict]:
    """The year's holidays in the notice's order: days off as ranges, make-up working days."""
    rows = []
    for name, group in groupby(sorted(days, key=lambda d: (d.name, d.day)), key=lambda d: d.name):
        group = list(group)
        off = [d.day for d in group if not d.working]
        rows.append(
            {
                "name": name or "—",
                "first": min(off) if off else None,
                "last": max(off) if off else None,
                "count": len(off),
                "working": [(d.day, WEEKDAYS_ZH[d.day.weekday()]) for d in group if d.working],
            }
        )
    return sorted(rows, key=lambda row: row["first"] or date.max)


def _months(year: int, days: dict[date, CalendarDay]) -> list[dict]:
    """Twelve month grids (weeks from Monday), each day marked off, make-up working or ordinary."""
    today = timezone.localdate()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in calendar.Calendar().monthdatescalendar(year, month):
            cells = []
            for day in week:
                row = days.get(day)
                if day.month != month:
                    kind = "outside"
                elif row is not None:
                    kind = "work" if row.working else "off"
                else:
                    kind = "weekday" if day.weekday() < 5 else "weekend"
                cells.append(
                    {
                        "day": day,
                        "kind": kind,
                        "name": row.name if row else "",
                        "today": day == today and kind != "outside",
                    }
                )
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


def _history(year: int) -> list[dict]:
    entries = JournalEntry.objects.filter(chain=CHAIN).order_by("-sequence")[:200]
    return [
        {
            "at": entry.recorded_at,
            "actor": entry.actor,
            "what": label("event", entry.kind).zh,
            "days": [
                date.fromisoformat(change["day"]) for change in entry.payload.get("changed", [])
            ],
            "source": entry.payload.get("source", ""),
            "reason": entry.payload.get("reason", ""),
        }
        for entry in entries
        if entry.payload.get("year") == year
    ][:20]


@login_required
def calendar_page(request):
    if not may_view(request.user):
        raise PermissionDenied("只有档案馆工作人员可以查看节假日日历 / staff only")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    entry = CalendarYear.objects.filter(year=year).first()
    days = list(CalendarDay.objects.filter(day__year=year)) if entry else []
    entered = list(CalendarYear.objects.values_list("year", flat=True))
    return render(
        request,
        "workflows/calendar.html",
        {
            "year": year,
            "entry": entry,
            "holidays": _holidays([d for d in days if d.year_id == entry.pk]) if entry else [],
            "months": _months(year, {d.day: d for d in days}),
            "weekdays": WEEKDAYS_ZH,
            "years": sorted(set(entered[-4:]) | {today.year, today.year + 1}),
            "older": [y for y in entered if y < today.year - 1],
            "readiness": calendar_readiness(today),
            "may_edit": may_edit(request.user),
            "history": _history(year),
        },
    )


def _back(year: int):
    return redirect(f"{reverse('workflows:calendar')}?year={year}")


@require_POST
@login_required
def calendar_day(request):
    if not may_edit(request.user):
        raise PermissionDenied("只有档案馆工作人员可以修改节假日日历 / staff only")
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, "请填写日期 / give a date")
        return _back(timezone.localdate().year)
    kind = request.POST.get("kind", "")
    working = {"off": False, "work": True, "ordinary": None}.get(kind, "?")
    if working == "?":
        messages.error(request, "请选择放假、上班或恢复普通日 / choose off, working or ordinary")
        return _back(day.year)
    try:
        change = calendar_day_set(
            day=day,
            working=working,
            name=request.POST.get("name", ""),
            actor=request.user,
            reason=request.POST.get("reason", "").strip(),
        )
    except CalendarError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return _back(day.year)
    if change.changed:
        messages.success(
            request,
            f"{day:%Y年%m月%d日}已修改；{change.deadlines_moved} 个期限已重新计算并通知 / "
            f"{day} changed; {change.deadlines_moved} deadline(s) recomputed",
        )
    else:
        messages.info(request, f"{day:%Y年%m月%d日}未变化 / {day} unchanged")
    return _back(day.year)


@require_POST
@login_required
def calendar_import(request):
    if not may_edit(request.user):
        raise PermissionDenied("只有档案馆工作人员可以导入放假通知 / staff only")
    upload = request.FILES.get("file")
    try:
        if upload is not None:
            if upload.size > MAX_NOTICE_BYTES:
                raise CalendarError("文件过大：放假通知不超过 64 KB", "the file is over 64 KB")
            text = upload.read().decode("utf-8-sig")
        else:
            text = request.POST.get("text", "")
        change = notice_import(
            text=text, actor=request.user, reason=request.POST.get("reason", "").strip()
        )
    except UnicodeDecodeError:
        messages.error(request, "文件须为 UTF-8 文本 / the file must be UTF-8 text")
        return _back(timezone.localdate().year)
    except CalendarError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return _back(timezone.localdate().year)
    messages.success(
        request,
        f"{change.year} 年放假安排已录入：{len(change.changed)} 天变更，"
        f"{change.deadlines_moved} 个期限已重新计算并通知 / the {change.year} arrangement is "
        f"entered: {len(change.changed)} day(s) changed, {change.deadlines_moved} deadline(s) "
        "recomputed",
    )
    return _back(change.year)
