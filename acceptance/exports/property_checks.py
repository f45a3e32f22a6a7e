"""A four-property report (四性检测报告) of one case at one stage as a PDF."""

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


def property_report_pdf(report: PropertyCheckReport) -> bytes:
    styles = Styles()
    buffer = io.BytesIO()
    stage_zh, stage_en = stage_name(report.stage)
    title = f"电子档案四性检测报告（{stage_zh}）"
    doc = a4_document(buffer, title=f"{title} {report.subject}")

    def p(text: str, style=None) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style or styles.cell)

    checked = timezone.localtime(report.checked_at)
    zh, en = verdict(report)
    project = report.case.project.name if report.case else "—"
    story = [
        Paragraph(title, styles.title),
        Paragraph(f"Four-property check report ({stage_en}), after DA/T 70", styles.subtitle),
        p(
            f"案件 Case：{report.subject}　项目 Project：{project}\n"
            f"检测环节 Stage：{stage_zh} {stage_en}　检测时间 Checked：{checked:%Y-%m-%d %H:%M}"
            f"（北京时间）　检测项 Items：{len(report.items)}",
            styles.body,
        ),
        Spacer(0, 3 * mm),
        p(f"结论：{zh}", styles.heading),
        p(en, styles.body),
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
    footer = page_number_footer(f"{report.subject} 四性检测报告（{stage_zh}）")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _items_table(items, styles, p) -> Table:
    rows = [["#", "检测对象 Subject", "性质", "结果", "说明 Finding"]]
    for number, item in enumerate(items, start=1):
        rows.append(
            [
                str(number),
                p(item["subject"]),
                label("property", item["property"]).zh,
                label("result", item["result"]).zh,
                p(f"{item['message_zh']}\n{item['message_en']}"),
            ]
        )
    table = Table(rows, colWidths=fit_widths([8, 44, 14, 14, 100]), repeatRows=1)
    table.setStyle(grid_style(styles.font))
    return table
