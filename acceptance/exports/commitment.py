"""The commitment (限时承诺书) as a PDF: the tolerated items, the deadline and the terms.

Rendered reproducibly (reportlab's invariant mode, no clock in it): the same commitment, owner
and signing day give the same bytes, so the SHA-256 shown to the owner before signing is the
SHA-256 of the document stored and journaled when they sign.
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from ..deadlines import SHANGHAI
from .layout import CONTENT_WIDTH, Styles, a4_document, grid_style, page_number_footer

DAY_COUNT_ZH = {"calendar": "自然日 calendar days", "working": "工作日 Chinese working days"}


def commitment_pdf(commitment, *, owner, signed_on: datetime, deadline: datetime) -> bytes:
    case = commitment.case
    project = case.project
    terms = commitment.terms or {}
    styles = Styles()
    buffer = io.BytesIO()
    doc = a4_document(
        buffer, title=f"限时承诺书 {case.reference}", author=project.owner.name, invariant=True
    )

    def p(text: str, style=None) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style or styles.body)

    local_deadline = deadline.astimezone(SHANGHAI)
    rows = [["编号 Code", "容缺材料 Tolerated item"]]
    rows += [
        [item.code, p(f"{item.name_zh}\n{item.name_en}", styles.cell)]
        for item in commitment.items.order_by("code")
    ]
    table = Table(rows, colWidths=[30 * mm, CONTENT_WIDTH - 30 * mm], repeatRows=1)
    table.setStyle(grid_style(styles.font))
    offsets = "、".join(str(day) for day in terms.get("reminder_offsets", [])) or "—"
    story = [
        Paragraph("建设工程竣工档案容缺受理限时承诺书", styles.title),
        Paragraph("Time-limited commitment for a conditional archive acceptance", styles.subtitle),
        p(
            f"案件 Case：{case.reference}\n项目 Project：{project.name}（{project.reference}）\n"
            f"建设单位 Owner：{project.owner.name}"
        ),
        Spacer(0, 3 * mm),
        p(
            f"本单位承诺于 {local_deadline:%Y年%m月%d日 %H:%M}（北京时间）前向城建档案馆补交下列容缺"
            "材料，并保证其真实、完整、可用；逾期未补交的，验收意见书效力中止，直至补交并经核验合格。\n"
            f"We commit to deliver the items below to the city construction archive by "
            f"{local_deadline:%Y-%m-%d %H:%M} (Beijing time), true, complete and usable. If we "
            "do not, the acceptance certificate is suspended until they are delivered and accepted."
        ),
        Spacer(0, 3 * mm),
        table,
        Spacer(0, 3 * mm),
        p(
            f"承诺期限 Period：{commitment.period}，按{DAY_COUNT_ZH.get(terms.get('day_count'), '—')}"
            f"计算；到期前 {offsets} 天提醒 reminders before the deadline (days)；"
            + (
                "材料被退回补正期间暂停计时 the clock pauses while delivered items are returned "
                "for correction"
                if terms.get("pause_on_return")
                else "材料被退回补正期间照常计时 the clock runs on while delivered items are "
                "returned for correction"
            )
        ),
        Spacer(0, 6 * mm),
        p(
            f"承诺人 Signed by：{owner.get_full_name() or owner.get_username()}"
            f"（{project.owner.name}）\n"
            f"签署日期 Date：{signed_on.astimezone(SHANGHAI):%Y-%m-%d}"
        ),
    ]
    footer = page_number_footer(f"{case.reference} 限时承诺书")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
