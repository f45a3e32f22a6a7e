"""The commitment (限时承诺书) as a PDF and as an OFD: the tolerated items, the deadline and the terms.

The PDF is rendered reproducibly (reportlab's invariant mode, no clock in it): the same
commitment, owner and signing day give the same bytes, so the SHA-256 shown to the owner before
signing is the SHA-256 of the document stored and journaled when they sign. The OFD (GB/T 33190)
sets the same text from the same :class:`CommitmentText` in the same CJK font.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from ..deadlines import SHANGHAI

DAY_COUNT_ZH = {"calendar": "自然日 calendar days", "working": "工作日 Chinese working days"}
TITLE = "建设工程竣工档案容缺受理限时承诺书"
SUBTITLE = "Time-limited commitment for a conditional archive acceptance"


@dataclass(frozen=True)
class CommitmentText:
    """What the 承诺书 says, in reading order, whatever format sets it."""

    document_title: str
    author: str
    parties: str
    promise: str
    items: tuple[tuple[str, str], ...]  # (code, "中文名\nEnglish name")
    terms: str
    signature: str
    footer: str


def commitment_text(
    commitment, *, owner, signed_on: datetime, deadline: datetime
) -> CommitmentText:
    case = commitment.case
    project = case.project
    terms = commitment.terms or {}
    local_deadline = deadline.astimezone(SHANGHAI)
    offsets = "、".join(str(day) for day in terms.get("reminder_offsets", [])) or "—"
    return CommitmentText(
        document_title=f"限时承诺书 {case.reference}",
        author=project.owner.name,
        parties=(
            f"案件 Case：{case.reference}\n项目 Project：{project.name}（{project.reference}）\n"
            f"建设单位 Owner：{project.owner.name}"
        ),
        promise=(
            f"本单位承诺于 {local_deadline:%Y年%m月%d日 %H:%M}（北京时间）前向城建档案馆补交下列容缺"
            "材料，并保证其真实、完整、可用；逾期未补交的，验收意见书效力中止，直至补交并经核验合格。\n"
            f"We commit to deliver the items below to the city construction archive by "
            f"{local_deadline:%Y-%m-%d %H:%M} (Beijing time), true, complete and usable. If we "
            "do not, the acceptance certificate is suspended until they are delivered and accepted."
        ),
        items=tuple(
            (item.code, f"{item.name_zh}\n{item.name_en}")
            for item in commitment.items.order_by("code")
        ),
        terms=(
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
        signature=(
            f"承诺人 Signed by：{owner.get_full_name() or owner.get_username()}"
            f"（{project.owner.name}）\n"
            f"签署日期 Date：{signed_on.astimezone(SHANGHAI):%Y-%m-%d}"
        ),
        footer=f"{case.reference} 限时承诺书",
    )


def commitment_pdf(commitment, *, owner, signed_on: datetime, deadline: datetime) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    from .layout import CONTENT_WIDTH, Styles, a4_document, grid_style, page_number_footer

    text = commitment_text(commitment, owner=owner, signed_on=signed_on, deadline=deadline)
    styles = Styles()
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=text.document_title, author=text.author, invariant=True)

    def p(value: str, style=None) -> Paragraph:
        return Paragraph(escape(value).replace("\n", "<br/>"), style or styles.body)

    rows = [["编号 Code", "容缺材料 Tolerated item"]]
    rows += [[code, p(name, styles.cell)] for code, name in text.items]
    table = Table(rows, colWidths=[30 * mm, CONTENT_WIDTH - 30 * mm], repeatRows=1)
    table.setStyle(grid_style(styles.font))
    story = [
        Paragraph(TITLE, styles.title),
        Paragraph(SUBTITLE, styles.subtitle),
        p(text.parties),
        Spacer(0, 3 * mm),
        p(text.promise),
        Spacer(0, 3 * mm),
        table,
        Spacer(0, 3 * mm),
        p(text.terms),
        Spacer(0, 6 * mm),
        p(text.signature),
    ]
    footer = page_number_footer(text.footer)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def commitment_ofd(commitment, *, owner, signed_on: datetime, deadline: datetime) -> bytes:
    """The same 承诺书 as an A4 OFD document, in the PDF's margins, sizes and order."""
    from workflows.ofd import (
        OfdDocument,
        OfdLine,
        OfdPage,
        OfdRect,
        OfdText,
        ofd_render,
        ofd_text_width,
        ofd_wrap,
    )

    text = commitment_text(commitment, owner=owner, signed_on=signed_on, deadline=deadline)
    pt = 25.4 / 72
    margin, width, bottom = 15.0, 180.0, 297.0 - 20.0
    pages: list[OfdPage] = []
    y = 0.0

    def new_page() -> None:
        nonlocal y
        pages.append(OfdPage())
        y = margin
        footer = f"{text.footer} · 第 {len(pages)} 页"
        size = 7.5 * pt
        pages[-1].items.append(OfdText(margin, 297.0 - 10.0, footer, size, (92, 92, 92)))

    def room(height: float) -> None:
        if y + height > bottom:
            new_page()

    def centred(value: str, size: float, leading: float) -> None:
        nonlocal y
        room(leading)
        pages[-1].items.append(
            OfdText((210 - ofd_text_width(value, size)) / 2, y + size, value, size)
        )
        y += leading

    def paragraph(value: str, size: float = 9.5 * pt, leading: float = 13 * pt) -> None:
        nonlocal y
        for line in (
            part for source in value.split("\n") for part in ofd_wrap(source, size, width)
        ):
            room(leading)
            pages[-1].items.append(OfdText(margin, y + size, line, size))
            y += leading

    new_page()
    centred(TITLE, 18 * pt, 24 * pt + 4 * pt)
    centred(SUBTITLE, 9 * pt, 12 * pt + 8 * pt)
    paragraph(text.parties)
    y += 3
    paragraph(text.promise)
    y += 3
    size, leading, code_width = 8.5 * pt, 11 * pt, 30.0
    rows = [("编号 Code", "容缺材料 Tolerated item"), *text.items]
    for index, (code, name) in enumerate(rows):
        lines = [
            part
            for source in name.split("\n")
            for part in ofd_wrap(source, size, width - code_width - 4)
        ]
        height = len(lines) * leading + 3
        room(height)
        fill = (238, 238, 238) if index == 0 else None
        pages[-1].items.append(OfdRect(margin, y, code_width, height, 0.2, (68, 68, 68), fill))
        pages[-1].items.append(
            OfdRect(margin + code_width, y, width - code_width, height, 0.2, (68, 68, 68), fill)
        )
        pages[-1].items.append(OfdText(margin + 2, y + 1.5 + size, code, size))
        for number, line in enumerate(lines):
            pages[-1].items.append(
                OfdText(margin + code_width + 2, y + 1.5 + size + number * leading, line, size)
            )
        y += height
    y += 3
    paragraph(text.terms)
    y += 6
    paragraph(text.signature)
    pages[-1].items.append(OfdLine(margin, y + 1, margin + width, y + 1, 0.2, (122, 122, 122)))
    return ofd_render(
        OfdDocument(
            title=text.document_title,
            author=text.author,
            subject=TITLE,
            creation_date=signed_on.astimezone(SHANGHAI).date(),
            pages=pages,
            custom_data=(
                ("文件类型", "容缺受理限时承诺书"),
                ("案件编号", commitment.case.reference),
            ),
        )
    )
