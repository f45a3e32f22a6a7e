"""The acceptance certificate (建设工程竣工档案验收意见书) as a PDF.

Pure functions: :func:`render_certificate_pdf` takes a :class:`CertificateContent` and returns
the bytes of an A4 portrait PDF, set in an embedded CJK font (see :mod:`certificates.fonts`).
Nothing here touches models or the database.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import segno
from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
    paragraph,
)

from .fonts import register_cjk_font

__all__ = [
    "CERTIFICATE_TIME_ZONE",
    "QR_CODE_SIZE",
    "CertificateContent",
    "format_chinese_date",
    "render_certificate_pdf",
]

CERTIFICATE_TIME_ZONE = ZoneInfo("Asia/Shanghai")

TITLE = "建设工程竣工档案验收意见书"
CONDITIONAL_TITLE = "(有条件验收 Conditional)"
SUBTITLE = "Completion Archive Acceptance Opinion"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 16 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

# The square, bottom left, holding the verification QR code.
QR_CODE_SIZE = 22 * mm
LEFT_BLOCK_WIDTH = 100 * mm  # the QR code and, beside it, the code and the address

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5c5c5c")
ACCENT = colors.HexColor("#9b1c1c")  # the border and rules: the red of official documents
RULE = colors.HexColor("#7a7a7a")
LABEL_BACKGROUND = colors.HexColor("#f4f1ea")

EMPTY = "—"

# The footnote under the seal and the QR code.
NOTE = (
    "说明：本意见书经涂改或未加盖档案馆印章无效。电子文件附本馆电子签名，签名后的任何改动均可被"
    "检出；可扫描二维码或凭验证码在上述网址核验真伪与效力。Void if altered or unsealed. The file "
    "carries the archive's digital signature, which reveals any later change; verify it and its "
    "status through the QR code, or with the code at the address above."
)

# reportlab's CJK line breaking knows the Japanese "cannot start a line" set, not the Chinese
# full-width punctuation: without these a line could begin with "，". Added once, process-wide,
# to both copies (textsplit's for one-style paragraphs, paragraph's for mixed ones).
CHINESE_CANNOT_START = "，；：！？）》」』】〉、。．"
for _module in (textsplit, paragraph):
    _module.ALL_CANNOT_START += "".join(
        char for char in CHINESE_CANNOT_START if char not in _module.ALL_CANNOT_START
    )


@dataclass(frozen=True)
class CertificateContent:
    number: str  # e.g. "JGYS2026-00001"
    conditional: bool  # 有条件（容缺）验收 vs full
    project_name: str
    project_location: str
    owner: str  # 建设单位
    contractor: str  # 施工单位
    supervisor: str  # 监理单位
    designer: str  # 设计单位
    planning_permit_no: str
    construction_permit_no: str
    floor_area_m2: str  # already formatted, may be ""
    structure_type: str
    start_date: date | None
    completion_date: date | None
    opinion_text: str  # the archive's opinion paragraph(s)
    tolerated_items: tuple[tuple[str, str], ...]  # (catalog code, Chinese name) when conditional
    commitment_deadline: date | None
    issued_at: datetime  # aware; printed in Asia/Shanghai
    issuer_name: str  # e.g. "城市建设档案馆"
    verification_code: str  # short code printed for public verification
    verification_url: str  # printed as text and encoded in the QR code

    _DATES = ("start_date", "completion_date", "commitment_deadline")

    def as_json(self) -> dict:
        """The content as JSON values, for a job that renders it later (the OFD after commit)."""
        values = asdict(self)
        for name in self._DATES:
            values[name] = values[name].isoformat() if values[name] else None
        values["issued_at"] = self.issued_at.isoformat()
        return values

    @classmethod
    def from_json(cls, values: dict) -> CertificateContent:
        known = {field.name: values[field.name] for field in fields(cls)}
        for name in cls._DATES:
            known[name] = date.fromisoformat(known[name]) if known[name] else None
        known["issued_at"] = datetime.fromisoformat(known["issued_at"])
        known["tolerated_items"] = tuple(tuple(item) for item in known["tolerated_items"])
        return cls(**known)


def format_chinese_date(value: date | None) -> str:
    """``2026年11月21日``; an em dash when there is no date."""
    if value is None:
        return EMPTY
    return f"{value.year}年{value.month}月{value.day}日"


def deadline_sentence(deadline: date | None) -> str:
    """What the conditional certificate says under its commitment deadline."""
    if deadline is None:
        return "建设单位须在承诺期限内补交上述容缺档案资料。The remaining records are still due."
    return (
        f"建设单位已承诺于{format_chinese_date(deadline)}前将上述容缺档案资料补齐并移交本馆，"
        f"其余档案资料须在该日期前报送。"
        f"The remaining records are due by {deadline.isoformat()}."
    )


def _issue_date(issued_at: datetime) -> date:
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise ValueError("CertificateContent.issued_at must be timezone-aware")
    return issued_at.astimezone(CERTIFICATE_TIME_ZONE).date()


def _text(value: str) -> str:
    """Paragraph markup for a plain value: escaped, an em dash when empty."""
    value = (value or "").strip()
    return escape(value) if value else EMPTY


class _Styles:
    def __init__(self, font: str) -> None:
        def style(name: str, **kwargs) -> ParagraphStyle:
            kwargs.setdefault("fontName", font)
            kwargs.setdefault("textColor", INK)
            kwargs.setdefault("wordWrap", "CJK")
            return ParagraphStyle(name, **kwargs)

        self.number = style("number", fontSize=10, leading=14, alignment=TA_RIGHT)
        self.title = style("title", fontSize=23, leading=30, alignment=TA_CENTER)
        self.conditional = style(
            "conditional", fontSize=14, leading=20, alignment=TA_CENTER, textColor=ACCENT
        )
        self.subtitle = style(
            "subtitle", fontSize=10.5, leading=14, alignment=TA_CENTER, textColor=MUTED
        )
        self.label = style("label", fontSize=10, leading=13.5)
        self.value = style("value", fontSize=10.5, leading=14.5)
        self.heading = style("heading", fontSize=12, leading=17, spaceBefore=0, spaceAfter=0)
        self.body = style("body", fontSize=11, leading=19, alignment=TA_JUSTIFY, firstLineIndent=22)
        self.cell = style("cell", fontSize=10, leading=13.5)
        self.cell_center = style("cell_center", fontSize=10, leading=13.5, alignment=TA_CENTER)
        self.deadline = style("deadline", fontSize=11.5, leading=18)
        self.small = style("small", fontSize=8.5, leading=12, textColor=MUTED, alignment=TA_LEFT)
        self.url = style("url", fontSize=8.5, leading=11.5, wordWrap=None)
        self.issuer = style("issuer", fontSize=12.5, leading=16, alignment=TA_RIGHT)
        self.issuer_en = style(
            "issuer_en", fontSize=8.5, leading=11, alignment=TA_RIGHT, textColor=MUTED
        )
        self.issue_date = style("issue_date", fontSize=11.5, leading=17, alignment=TA_RIGHT)
        self.seal_note = style(
            "seal_note", fontSize=8.5, leading=12, alignment=TA_RIGHT, textColor=MUTED
        )
        self.footnote = style("footnote", fontSize=8, leading=10.5, textColor=MUTED)


class _BoldParagraph(Paragraph):
    """A paragraph drawn with stroked glyph outlines: a bold face for fonts that have none.

    CJK font files rarely come with a bold face, so the glyphs are filled and then stroked
    (text render mode 2) with a thin line in the text colour. The text stays extractable.
    """

    def __init__(self, text, style, stroke_width: float = 0.45, **kwargs):
        super().__init__(text, style, **kwargs)
        self._stroke_width = stroke_width

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(self._stroke_width)
        canvas.setLineJoin(1)
        canvas.setStrokeColor(self.style.textColor)
        # Text render mode is part of the graphics state: set it once, restoreState resets it.
        mode = canvas.beginText()
        mode.setTextRenderMode(2)
        canvas.drawText(mode)
        super().draw()
        canvas.restoreState()

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for part in parts:
            if isinstance(part, _BoldParagraph):
                part._stroke_width = self._stroke_width
        return parts


class _QrCode(Flowable):
    """The verification QR code: the page's address, drawn as vector modules in the square."""

    def __init__(self, data: str, size: float = QR_CODE_SIZE) -> None:
        super().__init__()
        self.width = self.height = size
        self.data = data

    def wrap(self, availWidth, availHeight):
        return self.width, self.height

    def draw(self):
        if not self.data:
            return
        rows = [list(row) for row in segno.make(self.data, micro=False).matrix_iter(border=2)]
        module = self.width / len(rows)
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(colors.black)
        for y, row in enumerate(rows):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                run = x
                while run < len(row) and row[run]:
                    run += 1
                # One rectangle per run of dark modules, slightly overlapping so no hairlines show.
                canvas.rect(
                    x * module,
                    self.height - (y + 1) * module,
                    (run - x) * module + 0.05,
                    module + 0.05,
                    stroke=0,
                    fill=1,
                )
                x = run
        canvas.restoreState()


class _BottomBlock(Flowable):
    """Sits at the bottom of the page: takes the remaining height and draws its content last.

    When the remaining space is too small it asks for its own height, so the frame moves it to
    the next page, where it goes to the bottom again.
    """

    def __init__(self, content: Flowable) -> None:
        super().__init__()
        self.content = content
        self._content_height = 0.0

    def wrap(self, availWidth, availHeight):
        _, self._content_height = self.content.wrap(availWidth, availHeight)
        self.width = availWidth
        self.height = max(availHeight, self._content_height)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        return []

    def draw(self):
        self.content.drawOn(self.canv, 0, 0)


class _SectionHeading(Flowable):
    """A heading with a short accent bar to its left and a thin rule under it."""

    def __init__(self, chinese: str, english: str, styles: _Styles) -> None:
        super().__init__()
        self.paragraph = _BoldParagraph(
            f'{escape(chinese)}<font size="9" color="#5c5c5c">  {escape(english)}</font>',
            styles.heading,
            stroke_width=0.35,
        )

    def wrap(self, availWidth, availHeight):
        _, h = self.paragraph.wrap(availWidth - 9, availHeight)
        self.width = availWidth
        self.height = h + 4
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, 5, 3, self.height - 7, stroke=0, fill=1)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(0, 0.5, self.width, 0.5)
        canvas.restoreState()
        self.paragraph.drawOn(canvas, 9, 4)


def _label(chinese: str, english: str) -> str:
    return f'{escape(chinese)} <font size="7.5" color="#5c5c5c">{escape(english)}</font>'


def _facts_table(content: CertificateContent, styles: _Styles) -> Table:
    rows = [
        ("项目名称", "Project name", _text(content.project_name)),
        ("工程地点", "Location", _text(content.project_location)),
        ("建设单位", "Owner", _text(content.owner)),
        ("施工单位", "Contractor", _text(content.contractor)),
        ("监理单位", "Supervisor", _text(content.supervisor)),
        ("设计单位", "Designer", _text(content.designer)),
        ("规划许可证号", "Planning permit No.", _text(content.planning_permit_no)),
        ("施工许可证号", "Construction permit No.", _text(content.construction_permit_no)),
        ("建筑面积", "Floor area", _text(content.floor_area_m2)),
        ("结构类型", "Structure type", _text(content.structure_type)),
        ("开工日期", "Start date", format_chinese_date(content.start_date)),
        ("竣工日期", "Completion date", format_chinese_date(content.completion_date)),
    ]
    data = [
        [Paragraph(_label(chinese, english), styles.label), Paragraph(value, styles.value)]
        for chinese, english, value in rows
    ]
    label_width = 56 * mm
    table = Table(data, colWidths=[label_width, CONTENT_WIDTH - label_width], repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.9, INK),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ]
        )
    )
    return table


def _opinion(content: CertificateContent, styles: _Styles) -> list[Flowable]:
    paragraphs = [line.strip() for line in (content.opinion_text or "").splitlines()]
    paragraphs = [line for line in paragraphs if line]
    flowables: list[Flowable] = [_SectionHeading("验收意见", "Acceptance opinion", styles)]
    flowables.append(Spacer(0, 5))
    if not paragraphs:
        paragraphs = [EMPTY]
    flowables.extend(Paragraph(escape(text), styles.body) for text in paragraphs)
    return flowables


def _tolerated_items(content: CertificateContent, styles: _Styles) -> list[Flowable]:
    data: list[list[Flowable]] = [
        [
            Paragraph(_label("序号", "No."), styles.cell_center),
            Paragraph(_label("目录编号", "Catalog code"), styles.cell),
            Paragraph(_label("容缺档案资料名称", "Record to be delivered"), styles.cell),
        ]
    ]
    for index, (code, name) in enumerate(content.tolerated_items, start=1):
        data.append(
            [
                Paragraph(str(index), styles.cell_center),
                Paragraph(_text(code), styles.cell),
                Paragraph(_text(name), styles.cell),
            ]
        )
    if len(data) == 1:
        data.append([Paragraph(EMPTY, styles.cell_center), Paragraph(EMPTY, styles.cell), ""])
    widths = [16 * mm, 38 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.9, INK),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE),
                ("BACKGROUND", (0, 0), (-1, 0), LABEL_BACKGROUND),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )

    deadline_text = format_chinese_date(content.commitment_deadline)
    sentence = deadline_sentence(content.commitment_deadline)
    deadline_box = Table(
        [
            [
                _BoldParagraph(
                    f"承诺补交期限 Commitment deadline：{deadline_text}",
                    styles.deadline,
                    stroke_width=0.5,
                )
            ],
            [Paragraph(escape(sentence), styles.value)],
        ],
        colWidths=[CONTENT_WIDTH],
    )
    deadline_box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.1, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (0, 0), 6),
                ("BOTTOMPADDING", (0, 0), (0, 0), 1),
                ("TOPPADDING", (0, 1), (0, 1), 1),
                ("BOTTOMPADDING", (0, 1), (0, 1), 7),
            ]
        )
    )
    return [
        KeepTogether(
            [
                _SectionHeading("容缺事项", "Tolerated items (conditional acceptance)", styles),
                Spacer(0, 6),
                table,
            ]
        ),
        Spacer(0, 8),
        deadline_box,
    ]


_TIGHT = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def _issuer_lines(name: str) -> tuple[str, str]:
    """``城市建设档案馆 City Construction Archive``: the Chinese name, then the English one."""
    head, space, tail = (name or "").strip().partition(" ")
    if space and tail.isascii() and not head.isascii():
        return head, tail.strip()
    return name, ""


def _footer(content: CertificateContent, styles: _Styles) -> Table:
    issued_on = format_chinese_date(_issue_date(content.issued_at))
    verification = [
        Paragraph('扫码核验 <font size="7.5">Scan to verify</font>', styles.small),
        Paragraph(
            f'验证码 <font size="8" color="#5c5c5c">Verification code</font>：'
            f"{_text(content.verification_code)}",
            styles.cell,
        ),
        Paragraph('验证网址 <font size="8" color="#5c5c5c">Verify at</font>：', styles.cell),
        # The address on a line of its own, broken (if ever) only where it must be.
        Paragraph(_text(content.verification_url), styles.url),
    ]
    left = Table(
        [[_QrCode(content.verification_url), verification]],
        colWidths=[QR_CODE_SIZE + 3 * mm, LEFT_BLOCK_WIDTH - QR_CODE_SIZE - 3 * mm],
    )
    left.setStyle(_TIGHT)
    issuer_zh, issuer_en = _issuer_lines(content.issuer_name)
    right = [
        # Room for the archive's seal, which is placed over the issuer's name and the date.
        Paragraph("（盖章 Seal）", styles.seal_note),
        Spacer(0, 4),
        _BoldParagraph(_text(issuer_zh), styles.issuer, stroke_width=0.35),
    ]
    if issuer_en:
        right.append(Paragraph(escape(issuer_en), styles.issuer_en))
    right.append(Paragraph(issued_on, styles.issue_date))
    blocks = Table(
        [[left, right]],
        colWidths=[LEFT_BLOCK_WIDTH, CONTENT_WIDTH - LEFT_BLOCK_WIDTH],
    )
    blocks.setStyle(_TIGHT)
    note = Paragraph(escape(NOTE), styles.footnote)
    footer = Table([[blocks], [note]], colWidths=[CONTENT_WIDTH])
    footer.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (0, 0), 4),
                ("BOTTOMPADDING", (0, 1), (0, 1), 0),
                ("LINEABOVE", (0, 1), (0, 1), 0.4, RULE),
                ("TOPPADDING", (0, 1), (0, 1), 3),
            ]
        )
    )
    return footer


def _page_decorator(content: CertificateContent, font: str):
    def draw_border(canvas, doc) -> None:
        canvas.saveState()
        canvas.setStrokeColor(ACCENT)
        outer = 10 * mm
        canvas.setLineWidth(1.8)
        canvas.rect(outer, outer, PAGE_WIDTH - 2 * outer, PAGE_HEIGHT - 2 * outer)
        inner = outer + 1.6 * mm
        canvas.setLineWidth(0.5)
        canvas.rect(inner, inner, PAGE_WIDTH - 2 * inner, PAGE_HEIGHT - 2 * inner)
        if doc.page > 1:
            # Continuation pages repeat the number and say which page they are.
            canvas.setFillColor(MUTED)
            canvas.setFont(font, 9)
            canvas.drawRightString(
                PAGE_WIDTH - MARGIN_X, PAGE_HEIGHT - MARGIN_TOP + 4, f"编号 No.：{content.number}"
            )
            canvas.drawCentredString(
                PAGE_WIDTH / 2, inner + 3 * mm, f"第 {doc.page} 页（续） Page {doc.page}"
            )
        canvas.restoreState()

    return draw_border


def _story(content: CertificateContent, styles: _Styles) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(
            f'编号 <font size="8.5" color="#5c5c5c">No.</font>：{_text(content.number)}',
            styles.number,
        ),
        Spacer(0, 8),
        _BoldParagraph(TITLE, styles.title, stroke_width=0.7),
    ]
    if content.conditional:
        story.append(_BoldParagraph(escape(CONDITIONAL_TITLE), styles.conditional, 0.3))
    story += [
        Paragraph(escape(SUBTITLE), styles.subtitle),
        Spacer(0, 9),
        _facts_table(content, styles),
        Spacer(0, 10),
        *_opinion(content, styles),
    ]
    footer = _footer(content, styles)
    if content.conditional:
        *items, deadline = _tolerated_items(content, styles)
        # The deadline and the footer (seal, date, QR code) stay on one page: when both do not
        # fit under the items, they move to the next page together, never the footer alone.
        width = A4[0] - 2 * MARGIN_X
        together = sum(part.wrap(width, A4[1])[1] for part in (deadline, footer)) + 12
        story += [Spacer(0, 8), *items, CondPageBreak(together), KeepTogether([deadline])]
    story += [Spacer(0, 6), _BottomBlock(footer)]
    return story


def render_certificate_pdf(content: CertificateContent) -> bytes:
    """The certificate as a one-page (more if the content is long) A4 portrait PDF."""
    _issue_date(content.issued_at)  # fail early on a naive datetime
    font = register_cjk_font()
    styles = _Styles(font)
    title = f"{TITLE} {SUBTITLE}"
    if content.conditional:
        title = f"{TITLE}{CONDITIONAL_TITLE} {SUBTITLE}"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=content.issuer_name,
        subject=content.number,
        keywords=[content.number, content.project_name],
        creator="archive-acceptance certificates",
        lang="zh-CN",
        displayDocTitle=True,
    )
    decorate = _page_decorator(content, font)
    doc.build(_story(content, styles), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
