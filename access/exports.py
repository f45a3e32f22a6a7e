"""利用统计 as a workbook: the period's figures, and the use of records by purpose."""

from __future__ import annotations

import io

from .register import USE_FIGURES, AccessStatistics, figure_rows


def statistics_xlsx(stats: AccessStatistics) -> bytes:
    # openpyxl is imported where it is used: it takes longer to load than Django itself.
    from openpyxl import Workbook

    book = Workbook()
    figures = book.active
    figures.title = "利用统计 Figures"
    figures.append(["统计期间 Period", f"{stats.start:%Y-%m-%d} — {stats.end:%Y-%m-%d}"])
    figures.append(["指标", "Figure", "数值 Value"])
    for _field, zh, en, value in figure_rows(stats):
        figures.append([zh, en, value])
    by_purpose = book.create_sheet("按利用目的 By purpose")
    by_purpose.append(["利用目的 Purpose", *(f"{zh} {en}" for _f, zh, en in USE_FIGURES)])
    for purpose, use in stats.purposes:
        values = use.as_dict()
        by_purpose.append([purpose.name_zh, *(values[field] for field, _zh, _en in USE_FIGURES)])
    figures.column_dimensions["A"].width = 36
    figures.column_dimensions["B"].width = 44
    by_purpose.column_dimensions["A"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
