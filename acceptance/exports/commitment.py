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


SEAL_MM = 40.0


def commitment_ofd(commitment, *, owner, signed_on: datetime, deadline: datetime) -> bytes:
    """The same 承诺书 as an A4 OFD document, in the PDF's margins, sizes and order."""
    return _commitment_ofd(commitment, owner=owner, signed_on=signed_on, deadline=deadline)[0]


def sealed_commitment_ofd(commitment) -> bytes:
    """The signed 承诺书 as OFD, with the archive's SM2 seal (GB/T 38540) over the signature."""
    from signing.ofd_seal import ofd_seal_apply

    data, page, boundary = _commitment_ofd(
        commitment,
        owner=commitment.signed_by,
        signed_on=commitment.signed_at,
        deadline=commitment.initial_deadline,
    )
    return ofd_seal_apply(data, boundary=boundary, page=page)


def _commitment_ofd(
    commitment, *, owner, signed_on: datetime, deadline: datetime
) -> tuple[bytes, int, tuple[float, float, float, float]]:
    """The OFD in the PDF's layout, and where a seal goes: over the signature, on its page."""
    from workflows.ofd import OfdDocument, ofd_render

    from .layout import CONTENT_WIDTH, OFD_GRID_TABLE, ofd_body, ofd_report_flow, ofd_title

    text = commitment_text(commitment, owner=owner, signed_on=signed_on, deadline=deadline)
    points = 72 / 25.4
    flow = ofd_report_flow(text.footer)
    ofd_title(flow, TITLE, SUBTITLE)
    ofd_body(flow, text.parties)
    flow.space(3 * points)
    ofd_body(flow, text.promise)
    flow.space(3 * points)
    rows = [("编号 Code", "容缺材料 Tolerated item"), *text.items]
    flow.table(rows, (30 * points, CONTENT_WIDTH - 30 * points), **OFD_GRID_TABLE)
    flow.space(3 * points)
    ofd_body(flow, text.terms)
    flow.space(6 * points)
    flow.room(2 * 13)  # the signature's two lines stay together, so the seal lands on them
    signature_top = flow.y
    ofd_body(flow, text.signature)
    middle = (signature_top + flow.y) / 2 / points
    seal_top = min(max(middle - SEAL_MM / 2, 15.0), 297.0 - 10.0 - SEAL_MM)
    seal = (210.0 - 15.0 - SEAL_MM - 20.0, seal_top, SEAL_MM, SEAL_MM)
    data = ofd_render(
        OfdDocument(
            title=text.document_title,
            author=text.author,
            subject=TITLE,
            creation_date=signed_on.astimezone(SHANGHAI).date(),
            pages=flow.pages,
            custom_data=(
                ("文件类型", "容缺受理限时承诺书"),
                ("案件编号", commitment.case.reference),
            ),
        )
    )
    return data, len(flow.pages) - 1, seal
