"""A four-property report (四性检测报告) of one case at one stage as a PDF and as a sealed OFD."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from workflows.labels import label

from ..models import PropertyCheckReport
from ..selectors.property_checks import findings, property_rows, stage_name, verdict
from .layout import Styles, a4_document, fit_widths, grid_style, page_number_footer


def _report_text(report: PropertyCheckReport) -> dict:
    """What the PDF and the OFD both print, set once."""
    stage_zh, stage_en = stage_name(report.stage)
    checked = timezone.localtime(report.checked_at)
    zh, en = verdict(report)
    project = report.case.project.name if report.case else "—"
    return {
        "title": f"电子档案四性检测报告（{stage_zh}）",
        "subtitle": f"Four-property check report ({stage_en}), after DA/T 70",
        "facts": (
            f"案件 Case：{report.subject}　项目 Project：{project}\n"
            f"检测环节 Stage：{stage_zh} {stage_en}　检测时间 Checked：{checked:%Y-%m-%d %H:%M}"
            f"（北京时间）　检测项 Items：{len(report.items)}"
        ),
        "verdict": (f"结论：{zh}", en),
        "footer": f"{report.subject} 四性检测报告（{stage_zh}）",
    }


def property_report_pdf(report: PropertyCheckReport) -> bytes:
    styles = Styles()
    buffer = io.BytesIO()
    text = _report_text(report)
    doc = a4_document(buffer, title=f"{text['title']} {report.subject}")

    def p(text: str, style=None) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style or styles.cell)

    story = [
        Paragraph(text["title"], styles.title),
        Paragraph(text["subtitle"], styles.subtitle),
        p(text["facts"], styles.body),
        Spacer(0, 3 * mm),
        p(text["verdict"][0], styles.heading),
        p(text["verdict"][1], styles.body),
        p("四性汇总 · Summary by property", styles.heading),
    ]
    rows = [["性质 Property", "结论 Result", "检测项 Items", "未通过 Failed", "提示 Warnings"]]
    for row in property_rows(report):
        result = label("result", row["result"])
        rows.append(
            [
                p(f"{row['name'].zh} {row['name'].en}"),
                p(f"{result.zh} {result.en}"),
                str(row["checked"]),
                str(row["failed"]),
                str(row["warned"]),
            ]
        )
    table = Table(rows, colWidths=fit_widths([40, 36, 24, 24, 24]), repeatRows=1)
    table.setStyle(grid_style(styles.font))
    story.append(table)

    problems = findings(report)
    story.append(p(f"问题 · Findings（{len(problems)}）", styles.heading))
    if not problems:
        story.append(p("没有未通过或需提示的检测项。 No item failed or warned.", styles.body))
    else:
        story.append(_items_table(problems, styles, p))
    story.append(p("全部检测项 · Every item checked", styles.heading))
    story.append(_items_table(report.items, styles, p))
    footer = page_number_footer(text["footer"])
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _items_table(items, styles, p) -> Table:
    rows = [list(row) for row in _item_rows(items)]
    for row in rows[1:]:  # the subject and the finding wrap
        row[1], row[4] = p(row[1]), p(row[4])
    table = Table(rows, colWidths=_item_widths(), repeatRows=1)
    table.setStyle(grid_style(styles.font))
    return table


# -- the same report as OFD ------------------------------------------------------------------------

SEAL_MM = 40.0
PT = 25.4 / 72


def property_report_ofd(report: PropertyCheckReport) -> tuple[bytes, int, tuple[float, ...]]:
    """The report as OFD in the PDF's layout, and where a seal goes: by the conclusion."""
    from workflows.ofd import OfdDocument, ofd_render

    from .layout import (
        OFD_GRID_TABLE,
        ofd_body,
        ofd_heading,
        ofd_report_flow,
        ofd_title,
    )

    text = _report_text(report)
    flow = ofd_report_flow(text["footer"])
    ofd_title(flow, text["title"], text["subtitle"])
    ofd_body(flow, text["facts"])
    flow.space(3 * mm)
    ofd_heading(flow, text["verdict"][0])
    seal_page = len(flow.pages) - 1
    seal = (210 - 15 - SEAL_MM - 8, flow.y * PT - SEAL_MM / 2 - 4, SEAL_MM, SEAL_MM)
    ofd_body(flow, text["verdict"][1])
    ofd_heading(flow, "四性汇总 · Summary by property")
    rows = [("性质 Property", "结论 Result", "检测项 Items", "未通过 Failed", "提示 Warnings")]
    for row in property_rows(report):
        result = label("result", row["result"])
        rows.append(
            (
                f"{row['name'].zh} {row['name'].en}",
                f"{result.zh} {result.en}",
                str(row["checked"]),
                str(row["failed"]),
                str(row["warned"]),
            )
        )
    flow.table(rows, tuple(fit_widths([40, 36, 24, 24, 24])), **OFD_GRID_TABLE)
    problems = findings(report)
    ofd_heading(flow, f"问题 · Findings（{len(problems)}）")
    if not problems:
        ofd_body(flow, "没有未通过或需提示的检测项。 No item failed or warned.")
    else:
        flow.table(_item_rows(problems), _item_widths(), **OFD_GRID_TABLE)
    ofd_heading(flow, "全部检测项 · Every item checked")
    flow.table(_item_rows(report.items), _item_widths(), **OFD_GRID_TABLE)
    data = ofd_render(
        OfdDocument(
            title=f"{text['title']} {report.subject}",
            author="城建档案馆",
            subject=text["title"],
            creation_date=timezone.localtime(report.checked_at).date(),
            pages=flow.pages,
            custom_data=(("文件类型", text["title"]), ("检测对象", report.subject)),
        )
    )
    return data, seal_page, seal


def _item_widths() -> tuple[float, ...]:
    return tuple(fit_widths([8, 44, 14, 14, 100]))


def _item_rows(items) -> list[tuple[str, ...]]:
    rows = [("#", "检测对象 Subject", "性质", "结果", "说明 Finding")]
    for number, item in enumerate(items, start=1):
        rows.append(
            (
                str(number),
                item["subject"],
                label("property", item["property"]).zh,
                label("result", item["result"]).zh,
                f"{item['message_zh']}\n{item['message_en']}",
            )
        )
    return rows


def sealed_property_report_ofd(report: PropertyCheckReport) -> bytes:
    """The report's OFD with the archive's SM2 seal (GB/T 38540) by its conclusion."""
    from signing.ofd_seal import ofd_seal_apply

    data, page, boundary = property_report_ofd(report)
    return ofd_seal_apply(data, boundary=boundary, page=page)
