"""The photo catalog (照片档案目录) of a case, as PDF and XLSX, each row with its thumbnail.

Columns after DA/T 50: 组号 (group), 张号 (number), 题名 (title), 时间 (time), 地点 (place),
人物 (people), 背景 (background), 摄影者 (photographer), plus the file and its pixel size.
Times are shown in Asia/Shanghai.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from PIL import Image as PilImage
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import Paragraph, Table

from ..models import Case, MediaItem
from .layout import MARGIN, Styles, a4_document, grid_style, page_number_footer

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS = ("组号", "张号", "缩略图", "题名", "时间", "地点", "人物", "背景", "摄影者", "文件")
HEADERS_EN = (
    "Group",
    "No.",
    "Thumbnail",
    "Title",
    "Time",
    "Place",
    "People",
    "Background",
    "Photographer",
    "File",
)
THUMB_MM = 28


def catalog_row(item: MediaItem) -> list[str]:
    """One photo's catalog line without its thumbnail (the thumbnail column is left empty)."""
    taken = item.taken_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if item.taken_at else ""
    facts = item.facts or {}
    size = f"{facts['width']}×{facts['height']}" if facts.get("width") else ""
    return [
        item.group,
        str(item.number or ""),
        "",
        item.material.title,
        taken,
        item.place,
        item.people,
        item.background,
        item.photographer,
        f"{item.material.original_name} {size}".strip(),
    ]


def _title(case: Case) -> tuple[str, str]:
    return (
        f"照片档案目录 · {case.project.name}",
        f"Photo catalog · case {case.reference} · project {case.project.reference}",
    )


def photo_catalog_pdf(case: Case, items: list[MediaItem]) -> bytes:
    """A landscape A4 table, one photo per row with its thumbnail."""
    styles = Styles()
    buffer = io.BytesIO()
    page = landscape(A4)
    doc = a4_document(buffer, title=_title(case)[0], pagesize=page)
    header = [
        Paragraph(f"{zh}<br/><font size=6>{en}</font>", styles.cell)
        for zh, en in zip(HEADERS, HEADERS_EN, strict=True)
    ]
    rows = [header]
    for item in items:
        cells = [Paragraph(escape(text), styles.cell) for text in catalog_row(item)]
        cells[2] = _pdf_thumbnail(item)
        rows.append(cells)
    widths = [22, 10, THUMB_MM + 2, 44, 24, 34, 26, 44, 18, 0]
    widths[-1] = (page[0] - 2 * MARGIN) / mm - sum(widths)
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(grid_style(styles.font))
    zh, en = _title(case)
    story = [
        Paragraph(escape(zh), styles.title),
        Paragraph(escape(en) + f" · 共 {len(items)} 张 {len(items)} photos", styles.subtitle),
        table,
    ]
    footer = page_number_footer(f"{case.reference} 照片档案目录 photo catalog")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _pdf_thumbnail(item: MediaItem):
    if not item.thumbnail:
        return ""
    with item.thumbnail.open("rb") as handle:
        data = io.BytesIO(handle.read())
    with PilImage.open(data) as picture:
        width, height = picture.size
    data.seek(0)
    scale = THUMB_MM * mm / max(width, height)
    return PdfImage(data, width=width * scale, height=height * scale)


def photo_catalog_xlsx(case: Case, items: list[MediaItem]) -> bytes:
    """A workbook with one sheet, one photo per row, its thumbnail anchored in column C."""
    # openpyxl is imported where it is used: it takes longer to load than Django itself.
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as SheetImage
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "照片档案目录"
    zh, en = _title(case)
    sheet.append([zh])
    sheet.append([en])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADERS))
    sheet.append(list(HEADERS_EN))
    for column, width in zip(range(1, 11), (18, 6, 20, 30, 17, 26, 18, 30, 12, 36), strict=True):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for item in items:
        sheet.append(catalog_row(item))
        row = sheet.max_row
        for cell in sheet[row]:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        if item.thumbnail:
            with item.thumbnail.open("rb") as handle:
                picture = SheetImage(io.BytesIO(handle.read()))
            scale = 100 / max(picture.width, picture.height)
            picture.width, picture.height = picture.width * scale, picture.height * scale
            sheet.add_image(picture, f"C{row}")
            sheet.row_dimensions[row].height = 78
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
