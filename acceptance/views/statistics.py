"""容缺受理统计 and 电子原件率: the reform's figures for any period, as pages and a workbook."""

from __future__ import annotations

import io
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..selectors.cases import STAFF_GROUPS
from ..selectors.commitments import CommitmentStatistics, commitment_statistics
from ..selectors.originals import originals_statistics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (field, Chinese, English) in the order of the reform's report.
ROWS = (
    ("accepted", "验收通过项目", "cases accepted"),
    ("under_commitment", "其中限时承诺", "under commitment"),
    ("fulfilled", "已履约", "fulfilled"),
    ("fulfilled_on_time", "按期履约", "fulfilled on time"),
    ("fulfilled_late", "逾期履约", "fulfilled late"),
    ("within_period", "仍在承诺期内", "still within the period"),
    ("overdue", "逾期未履约", "overdue"),
    ("escalated", "其中已督办", "of which escalated"),
    ("withdrawn", "已撤销", "withdrawn"),
    ("awaiting_signature", "待签署", "awaiting signature"),
)


def parse_period(start: str | None, end: str | None) -> tuple[date, date]:
    """The period asked for (ISO dates); by default the current year up to today.

    Raises ``ValueError`` with a bilingual message for a malformed or reversed period.
    """
    today = timezone.localdate()
    try:
        since = date.fromisoformat(start) if start else date(today.year, 1, 1)
        until = date.fromisoformat(end) if end else today
    except ValueError:
        raise ValueError(
            "日期格式应为 YYYY-MM-DD — dates are written YYYY-MM-DD, e.g. 2026-01-31"
        ) from None
    if since > until:
        raise ValueError("开始日期晚于结束日期 — the start date is after the end date")
    return since, until


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def statistics_xlsx(stats: CommitmentStatistics) -> bytes:
    # openpyxl is imported where it is used: it takes longer to load than Django itself.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "容缺受理统计"
    sheet.append(["统计期间 Period", f"{stats.start:%Y-%m-%d} — {stats.end:%Y-%m-%d}"])
    sheet.append(["指标", "Figure", "数量 Count"])
    values = stats.as_dict()
    for field, zh, en in ROWS:
        sheet.append([zh, en, values[field]])
    sheet.append(["履约率", "fulfilment rate", percent(stats.fulfilment_rate)])
    sheet.append(["按期履约率", "on-time rate", percent(stats.on_time_rate)])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 26
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _staff_only(user) -> None:
    if not (user.is_superuser or user.groups.filter(name__in=STAFF_GROUPS).exists()):
        raise PermissionDenied("仅档案馆工作人员可查看统计 — archive staff only")


@login_required
@require_GET
def statistics_page(request):
    _staff_only(request.user)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except ValueError as error:
        return render(request, "acceptance/statistics.html", {"error": str(error)}, status=400)
    stats = commitment_statistics(start=start, end=end)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(statistics_xlsx(stats), content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="commitments-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
        )
        return response
    values = stats.as_dict()
    return render(
        request,
        "acceptance/statistics.html",
        {
            "stats": stats,
            "rows": [(zh, en, values[field], field) for field, zh, en in ROWS],
            "fulfilment_rate": percent(stats.fulfilment_rate),
            "on_time_rate": percent(stats.on_time_rate),
        },
    )


@login_required
@require_GET
def originals_page(request):
    """电子原件率 of the cases accepted in a period: the whole and each case."""
    _staff_only(request.user)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except ValueError as error:
        return render(
            request, "acceptance/originals_statistics.html", {"error": str(error)}, status=400
        )
    return render(
        request,
        "acceptance/originals_statistics.html",
        {"stats": originals_statistics(start=start, end=end)},
    )
