"""The completeness report (归档范围核对报告) as a PDF, with the one-time notice (一次性告知)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from ..selectors.completeness import CompletenessReport, ItemStatus
from .layout import Styles, a4_document, fit_widths, grid_style, page_number_footer
from .volumes import retention_zh

STATUS_ZH = {
    ItemStatus.PRESENT: "已提交",
    ItemStatus.MISSING: "缺失",
    ItemStatus.FAILED: "检测未通过",
    ItemStatus.RETURNED: "退回修改",
}


def verdict(report: CompletenessReport) -> tuple[str, str]:
    """The report's conclusion in Chinese and English."""
    if report.complete:
        return "归档范围内的必交材料齐全。", "Every required record is present."
    if report.acceptable:
        return (
            f"主审要件齐全；{len(report.missing_tolerable)} 项可容缺材料尚未提交，可申请容缺受理。",
            f"All core items are present; {len(report.missing_tolerable)} tolerable items are "
            "missing and may follow under a commitment.",
        )
    return (
        f"缺少 {len(report.missing_blocking)} 项主审要件（不可容缺），须补正后方可受理。",
        f"{len(report.missing_blocking)} core items are missing (never tolerable): supplement "
        "them before the case can be accepted.",
    )


def completeness_pdf(report: CompletenessReport) -> bytes:
    styles = Styles()
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=f"归档范围核对报告 {report.case_reference}")

    def p(text: str, style=None) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style or styles.cell)

    generated = timezone.localtime(report.generated_at)
    zh, en = verdict(report)
    story = [
        Paragraph("归档范围核对报告", styles.title),
        Paragraph("Completeness report", styles.subtitle),
        p(
            f"项目 Project：{report.project_name}　案件 Case：{report.case_reference}　"
            f"归档范围 Catalog：v{report.catalog_version}（{report.works_type}）　"
            f"生成时间 Generated：{generated:%Y-%m-%d %H:%M}",
            styles.body,
        ),
        Spacer(0, 3 * mm),
        p(f"结论：{zh}", styles.heading),
        p(en, styles.body),
        p(
            f"必交 {len(report.required)} 项 · 已交 {len(report.present)} · "
            f"缺失可容缺 {len(report.missing_tolerable)} · "
            f"缺失不可容缺 {len(report.missing_blocking)}",
            styles.body,
        ),
    ]
    if report.notice:
        story += [
            p("一次性告知 · Everything to fix at once", styles.heading),
        ]
        rows = [["#", "条目 Item", "须处理 What to do"]]
        for number, entry in enumerate(report.notice, start=1):
            rows.append(
                [
                    str(number),
                    p(entry.code + ("（可容缺）" if entry.tolerable else "")),
                    p(f"{entry.message_zh}\n{entry.message_en}"),
                ]
            )
        table = Table(rows, colWidths=fit_widths([8 * mm, 28 * mm, 144 * mm]), repeatRows=1)
        table.setStyle(grid_style(styles.font))
        story.append(table)

    story.append(p("归档范围条目 · Catalog items", styles.heading))
    rows = [["编号", "名称 Name", "保管期限", "可容缺", "状态 Status", "文件 Files"]]
    for item in report.items:
        files = "；".join(f"{m.name}（v{m.version} {m.status_label}）" for m in item.materials)
        rows.append(
            [
                item.code,
                p(f"{item.name_zh}\n{item.name_en}" + ("" if item.required else "（选交）")),
                retention_zh(item.retention),
                "是" if item.tolerable else "否",
                STATUS_ZH[item.status],
                p(files or "—"),
            ]
        )
    widths = [16 * mm, 62 * mm, 16 * mm, 14 * mm, 20 * mm, 52 * mm]
    table = Table(rows, colWidths=fit_widths(widths), repeatRows=1)
    table.setStyle(grid_style(styles.font))
    story.append(table)
    footer = page_number_footer(f"{report.case_reference} 归档范围核对报告")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
