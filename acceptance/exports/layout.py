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


# -- the same layout for OFD documents (workflows.ofd.OfdFlow counts in points, as here) ----------

OFD_GRID_TABLE = {  # grid_style's table, for OfdFlow.table
    "size": 8.5,
    "leading": 11,
    "valign": "middle",
    "padding": (6, 2),
    "grid": (68, 68, 68),
    "grid_width": 0.5,
    "header_fill": (238, 238, 238),
    "header_centred": True,
    "repeat_header": True,
    # A cell holding a plain string keeps reportlab's default leading (12 pt, not the 8.5 pt
    # font's), so no row of grid_style's tables is lower than 12 pt and the paddings.
    "row_minimum": 16,
}


def ofd_report_flow(footer_label: str):
    """An OfdFlow with a4_document's frame and page_number_footer's foot line on every page."""
    from workflows.ofd import OfdFlow

    grey = (92, 92, 92)
    padding = 6  # platypus' frame padding
    foot = PAGE_HEIGHT - 8 * mm

    def footer(flow) -> None:
        number = len(flow.pages)
        flow.text(MARGIN, foot, footer_label, 7.5, grey)
        label = f"第 {number} 页 page {number}"
        flow.text(PAGE_WIDTH - MARGIN - flow.text_width(label, 7.5), foot, label, 7.5, grey)

    left = MARGIN + padding
    bottom = PAGE_HEIGHT - (MARGIN + 4 * mm) - padding
    return OfdFlow((left, left, PAGE_WIDTH - 2 * left, bottom), on_page=footer)


def ofd_title(flow, title: str, subtitle: str) -> None:
    """Styles.title and Styles.subtitle, with their space after."""
    flow.centred(title, 18, 24)
    flow.space(4)
    flow.centred(subtitle, 9, 12)
    flow.space(8)


def ofd_body(flow, text: str) -> None:
    flow.paragraph(text, 9.5, 13)


def ofd_heading(flow, text: str) -> None:
    """Styles.heading, with its space before and after."""
    flow.space(8)
    flow.paragraph(text, 12, 16)
    flow.space(4)
