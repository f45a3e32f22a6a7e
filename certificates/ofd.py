"""The acceptance certificate as an OFD document (GB/T 33190), beside the signed PDF.

Lays out the same :class:`~certificates.pdf.CertificateContent` as :mod:`certificates.pdf`, with
the same text, font, QR code and arrangement (red double border, number, title, facts table,
opinion, tolerated items and deadline, QR code with the verification code and address, issuer and
date, the note), and hands the pages to :mod:`workflows.ofd`, which writes the package. The
certificate's elements are also named after GB/T 36905 (电子证照) in the document's custom data,
so a licence system reads them without parsing the page.
"""

from __future__ import annotations

import io
import zipfile

import segno

from workflows.ofd import (
    OfdDocument,
    OfdImage,
    OfdLine,
    OfdPage,
    OfdRect,
    OfdText,
    ofd_render,
    ofd_text_width,
    ofd_wrap,
)

from .pdf import (
    CONDITIONAL_TITLE,
    EMPTY,
    NOTE,
    SUBTITLE,
    TITLE,
    CertificateContent,
    _issue_date,
    _issuer_lines,
    deadline_sentence,
    format_chinese_date,
)

__all__ = [
    "certificate_ofd_custom_data",
    "render_certificate_ofd",
    "seal_boundary",
    "sealed_certificate_ofd",
]

PT = 25.4 / 72  # the PDF's sizes are in points; OFD counts millimetres
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
MARGIN_X = 22.0
MARGIN_TOP = 18.0
MARGIN_BOTTOM = 16.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
QR_SIZE = 22.0
LABEL_WIDTH = 56.0

INK = (26, 26, 26)
MUTED = (92, 92, 92)
ACCENT = (155, 28, 28)
RULE = (122, 122, 122)
LABEL_BACKGROUND = (244, 241, 234)

STATUS_VALID = "有效"


def certificate_ofd_custom_data(
    content: CertificateContent, status: str = STATUS_VALID
) -> tuple[tuple[str, str], ...]:
    """The certificate's elements under the names GB/T 36905 gives a licence's data items."""
    kind = "建设工程竣工档案验收意见书"
    if content.conditional:
        kind += "（有条件验收）"
    return (
        ("证照类型名称", kind),
        ("证照编号", content.number),
        ("持证主体", content.owner),
        ("证照颁发机构", content.issuer_name),
        ("证照颁发日期", _issue_date(content.issued_at).isoformat()),
        ("有效期起始日期", _issue_date(content.issued_at).isoformat()),
        # An acceptance certificate does not expire; it ends only when revoked or superseded.
        ("有效期截止日期", "长期"),
        ("证照状态", status),
        ("验证码", content.verification_code),
        ("验证网址", content.verification_url),
    )


class _Layout:
    """A cursor down the pages: content flows on, a new page when the next block does not fit."""

    def __init__(self, content: CertificateContent) -> None:
        self.content = content
        self.pages: list[OfdPage] = []
        self.y = 0.0
        self._new_page()

    @property
    def items(self):
        return self.pages[-1].items

    def _new_page(self) -> None:
        page = OfdPage()
        self.pages.append(page)
        outer, inner = 10.0, 11.6
        page.items.append(OfdRect(outer, outer, 190.0, 277.0, line_width=1.8 * PT, stroke=ACCENT))
        page.items.append(
            OfdRect(inner, inner, 210 - 2 * inner, 297 - 2 * inner, 0.5 * PT, stroke=ACCENT)
        )
        self.y = MARGIN_TOP
        if len(self.pages) > 1:
            number = f"编号 No.：{self.content.number}"
            self.right(number, 9 * PT, self.y + 2, MUTED)
            n = len(self.pages)
            self.center(f"第 {n} 页（续） Page {n}", 9 * PT, 297 - inner - 3, MUTED)
            self.y += 6

    def room(self, height: float) -> None:
        if self.y + height > PAGE_HEIGHT - MARGIN_BOTTOM:
            self._new_page()

    def text(self, x, y, text, size, color=INK, bold=False) -> float:
        self.items.append(OfdText(x, y, text, size, color, bold))
        return x + ofd_text_width(text, size)

    def right(self, text, size, y, color=INK, bold=False, edge=PAGE_WIDTH - MARGIN_X) -> None:
        self.text(edge - ofd_text_width(text, size), y, text, size, color, bold)

    def center(self, text, size, y, color=INK, bold=False) -> None:
        self.text((PAGE_WIDTH - ofd_text_width(text, size)) / 2, y, text, size, color, bold)


def _value(value: str) -> str:
    return (value or "").strip() or EMPTY


def _facts(layout: _Layout, content: CertificateContent) -> None:
    rows = [
        ("项目名称", "Project name", _value(content.project_name)),
        ("工程地点", "Location", _value(content.project_location)),
        ("建设单位", "Owner", _value(content.owner)),
        ("施工单位", "Contractor", _value(content.contractor)),
        ("监理单位", "Supervisor", _value(content.supervisor)),
        ("设计单位", "Designer", _value(content.designer)),
        ("规划许可证号", "Planning permit No.", _value(content.planning_permit_no)),
        ("施工许可证号", "Construction permit No.", _value(content.construction_permit_no)),
        ("建筑面积", "Floor area", _value(content.floor_area_m2)),
        ("结构类型", "Structure type", _value(content.structure_type)),
        ("开工日期", "Start date", format_chinese_date(content.start_date)),
        ("竣工日期", "Completion date", format_chinese_date(content.completion_date)),
    ]
    size, leading = 10.5 * PT, 14.5 * PT
    value_width = CONTENT_WIDTH - LABEL_WIDTH - 4.2
    for chinese, english, value in rows:
        lines = ofd_wrap(value, size, value_width)
        height = len(lines) * leading + 2.2
        layout.room(height)
        top, x = layout.y, MARGIN_X
        layout.items.append(
            OfdRect(x, top, LABEL_WIDTH, height, 0.4 * PT, RULE, fill=LABEL_BACKGROUND)
        )
        layout.items.append(
            OfdRect(x + LABEL_WIDTH, top, CONTENT_WIDTH - LABEL_WIDTH, height, 0.4 * PT, RULE)
        )
        baseline = top + height / 2 + 10 * PT * 0.35
        after = layout.text(x + 2.1, baseline, chinese, 10 * PT)
        layout.text(after + 1.2, baseline, english, 7.5 * PT, MUTED)
        first = top + (height - len(lines) * leading) / 2 + size * 0.95
        for index, line in enumerate(lines):
            layout.text(x + LABEL_WIDTH + 2.1, first + index * leading, line, size)
        layout.y = top + height


def _heading(layout: _Layout, chinese: str, english: str) -> None:
    layout.room(12)
    top = layout.y
    layout.items.append(OfdRect(MARGIN_X, top + 0.6, 1.05, 5.0, fill=ACCENT))
    after = layout.text(MARGIN_X + 3.2, top + 4.6, chinese, 12 * PT, bold=True)
    layout.text(after + 2, top + 4.6, english, 9 * PT, MUTED)
    layout.items.append(
        OfdLine(MARGIN_X, top + 6.6, PAGE_WIDTH - MARGIN_X, top + 6.6, 0.4 * PT, RULE)
    )
    layout.y = top + 8.5


def _paragraphs(layout: _Layout, text: str) -> None:
    size, leading = 11 * PT, 19 * PT
    paragraphs = [line.strip() for line in (text or "").splitlines() if line.strip()] or [EMPTY]
    for paragraph in paragraphs:
        for index, line in enumerate(ofd_wrap(paragraph, size, CONTENT_WIDTH, indent=2 * size)):
            layout.room(leading)
            x = MARGIN_X + (2 * size if index == 0 else 0)
            layout.text(x, layout.y + size, line, size)
            layout.y += leading


def _tolerated(layout: _Layout, content: CertificateContent) -> None:
    layout.y += 3
    _heading(layout, "容缺事项", "Tolerated items (conditional acceptance)")
    widths = (16.0, 38.0, CONTENT_WIDTH - 54.0)
    rows = [("序号 No.", "目录编号 Catalog code", "容缺档案资料名称 Record to be delivered")]
    rows += [
        (str(index), _value(code), _value(name))
        for index, (code, name) in enumerate(content.tolerated_items, start=1)
    ] or [(EMPTY, EMPTY, "")]
    size, leading = 10 * PT, 13.5 * PT
    for row_index, row in enumerate(rows):
        cells = [ofd_wrap(cell, size, width - 4.2) for cell, width in zip(row, widths, strict=True)]
        height = max(len(lines) for lines in cells) * leading + 2.5
        layout.room(height)
        x = MARGIN_X
        for lines, width in zip(cells, widths, strict=True):
            fill = LABEL_BACKGROUND if row_index == 0 else None
            layout.items.append(OfdRect(x, layout.y, width, height, 0.4 * PT, RULE, fill=fill))
            for index, line in enumerate(lines):
                layout.text(x + 2.1, layout.y + 1.2 + size * 0.95 + index * leading, line, size)
            x += width
        layout.y += height
    deadline_text = format_chinese_date(content.commitment_deadline)
    sentence = deadline_sentence(content.commitment_deadline)
    lines = ofd_wrap(sentence, 10.5 * PT, CONTENT_WIDTH - 5.6)
    height = 9 + len(lines) * 14.5 * PT + 2.5
    layout.y += 3
    # The deadline and the footer (seal, date, QR code) stay on one page, as in the PDF: when both
    # do not fit under the items they move to the next page together, never the footer alone.
    layout.room(height + _footer_height() + 4)
    top = layout.y
    layout.items.append(OfdRect(MARGIN_X, top, CONTENT_WIDTH, height, 1.1 * PT, ACCENT))
    layout.text(
        MARGIN_X + 2.8,
        top + 6.3,
        f"承诺补交期限 Commitment deadline：{deadline_text}",
        11.5 * PT,
        bold=True,
    )
    for index, line in enumerate(lines):
        layout.text(MARGIN_X + 2.8, top + 11.5 + index * 14.5 * PT, line, 10.5 * PT)
    layout.y = top + height


def _qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, micro=False).save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


def _footer_height() -> float:
    return QR_SIZE + 3 + len(ofd_wrap(NOTE, 8 * PT, CONTENT_WIDTH)) * 10.5 * PT + 2


def _footer(layout: _Layout, content: CertificateContent) -> None:
    note_lines = ofd_wrap(NOTE, 8 * PT, CONTENT_WIDTH)
    height = _footer_height()
    layout.room(height + 4)
    top = PAGE_HEIGHT - MARGIN_BOTTOM - height  # at the bottom of the page, as in the PDF
    if content.verification_url:
        layout.items.append(
            OfdImage(MARGIN_X, top, QR_SIZE, QR_SIZE, _qr_png(content.verification_url))
        )
    x = MARGIN_X + QR_SIZE + 3
    line = top + QR_SIZE - 15.5
    after = layout.text(x, line, "扫码核验", 8.5 * PT, MUTED)
    layout.text(after + 1, line, "Scan to verify", 7.5 * PT, MUTED)
    after = layout.text(x, line + 4.8, "验证码", 10 * PT)
    after = layout.text(after + 1, line + 4.8, "Verification code", 8 * PT, MUTED)
    layout.text(after, line + 4.8, f"：{_value(content.verification_code)}", 10 * PT)
    after = layout.text(x, line + 9.6, "验证网址", 10 * PT)
    after = layout.text(after + 1, line + 9.6, "Verify at", 8 * PT, MUTED)
    layout.text(after, line + 9.6, "：", 10 * PT)
    layout.text(x, line + 13.8, _value(content.verification_url), 8.5 * PT)

    issuer_zh, issuer_en = _issuer_lines(content.issuer_name)
    bottom = top + QR_SIZE
    issued_on = format_chinese_date(_issue_date(content.issued_at))
    layout.right(issued_on, 11.5 * PT, bottom - 0.5)
    if issuer_en:
        layout.right(issuer_en, 8.5 * PT, bottom - 6.4, MUTED)
    layout.right(_value(issuer_zh), 12.5 * PT, bottom - (10.4 if issuer_en else 6.4), bold=True)
    layout.right("（盖章 Seal）", 8.5 * PT, bottom - (17.4 if issuer_en else 13.4), MUTED)

    rule = bottom + 1.6
    layout.items.append(OfdLine(MARGIN_X, rule, PAGE_WIDTH - MARGIN_X, rule, 0.4 * PT, RULE))
    for index, text in enumerate(note_lines):
        layout.text(MARGIN_X, rule + 3.6 + index * 10.5 * PT, text, 8 * PT, MUTED)


def render_certificate_ofd(content: CertificateContent, status: str = STATUS_VALID) -> bytes:
    """The certificate as an A4 OFD document: the text, font, QR code and layout of its PDF."""
    issued_on = _issue_date(content.issued_at)  # fails early on a naive datetime, as the PDF does
    layout = _Layout(content)
    layout.right(f"编号 No.：{_value(content.number)}", 10 * PT, layout.y + 3.5)
    layout.y += 8
    layout.center(TITLE, 23 * PT, layout.y + 8.5, bold=True)
    layout.y += 10.6
    if content.conditional:
        layout.center(CONDITIONAL_TITLE, 14 * PT, layout.y + 5, ACCENT, bold=True)
        layout.y += 7
    layout.center(SUBTITLE, 10.5 * PT, layout.y + 3.7, MUTED)
    layout.y += 8
    _facts(layout, content)
    layout.y += 3.5
    _heading(layout, "验收意见", "Acceptance opinion")
    _paragraphs(layout, content.opinion_text)
    if content.conditional:
        _tolerated(layout, content)
    _footer(layout, content)
    title = f"{TITLE}{CONDITIONAL_TITLE if content.conditional else ''} {SUBTITLE}"
    return ofd_render(
        OfdDocument(
            title=title,
            author=content.issuer_name,
            subject=content.number,
            creation_date=issued_on,
            pages=layout.pages,
            custom_data=certificate_ofd_custom_data(content, status),
            keywords=(content.number, content.project_name),
        )
    )


SEAL_MM = 40.0


def seal_boundary() -> tuple[float, float, float, float]:
    """Where the seal is stamped on the last page: over the issuer's name, as a clerk stamps it."""
    bottom = PAGE_HEIGHT - MARGIN_BOTTOM - _footer_height() + QR_SIZE
    return (PAGE_WIDTH - MARGIN_X - SEAL_MM - 2, bottom - 12 - SEAL_MM / 2, SEAL_MM, SEAL_MM)


def sealed_certificate_ofd(content: CertificateContent) -> bytes:
    """The certificate's OFD with the archive's SM2 electronic seal (GB/T 38540) on its last page."""
    from signing.ofd_seal import ofd_seal_apply

    package = render_certificate_ofd(content)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        pages = sum(name.endswith("/Content.xml") for name in archive.namelist())
    return ofd_seal_apply(package, boundary=seal_boundary(), page=pages - 1)
