"""Shared layout of the acceptance domain's PDF reports: A4, the CJK font, table styles."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, TableStyle

from workflows.fonts import reportlab_cjk_font

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
GRID = colors.HexColor("#444444")
HEADER_FILL = colors.HexColor("#eeeeee")


class Styles:
    """Paragraph styles set in the registered CJK font."""

    def __init__(self) -> None:
        font = reportlab_cjk_font()
        self.font = font
        self.title = ParagraphStyle(
            "title", fontName=font, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=4
        )
        self.subtitle = ParagraphStyle(
            "subtitle", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER, spaceAfter=8
        )
        self.body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13)
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11)
        self.small = ParagraphStyle("small", fontName=font, fontSize=7.5, leading=10)
        self.heading = ParagraphStyle(
            "heading", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4
        )


def a4_document(
    buffer,
    *,
    title: str,
    author: str = "城建档案馆",
    subject: str = "",
    pagesize=A4,
    invariant: bool = False,
) -> SimpleDocTemplate:
    """An A4 document with the reports' margins (room at the foot for the page number).

    ``invariant``: no creation date or random id in the file, so equal content gives equal bytes.
    """
    return SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author=author,
        subject=subject,
        invariant=invariant,
    )


def fit_widths(widths: list[float]) -> list[float]:
    """Column widths scaled to fill the page between the margins."""
    scale = CONTENT_WIDTH / sum(widths)
    return [w * scale for w in widths]


def grid_style(font: str, *, header_rows: int = 1) -> TableStyle:
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("GRID", (0, 0), (-1, -1), 0.5, GRID),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )


def page_number_footer(label: str):
    """An ``onPage`` callback writing ``label`` and the page number at the foot of each page."""

    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(reportlab_cjk_font(), 7.5)
        canvas.drawString(MARGIN, 8 * mm, label)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 8 * mm, f"第 {doc.page} 页 page {doc.page}")
        canvas.restoreState()

    return draw
