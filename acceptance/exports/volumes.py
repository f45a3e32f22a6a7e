"""The case's volume list (案卷目录) and each volume's catalog (卷内目录), as PDF and XLSX.

The layout follows the forms archives use (GB/T 50328 appendix): a volume catalog lists, per
record, 序号 (sequence), 文件编号 (document number), 责任者 (responsible party), 文件题名 (title),
日期 (date), 页次 (pages) and 备注 (remarks), under the volume's number and title.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table

from ..models import Case, Retention, Volume, VolumeEntry
from .layout import Styles, a4_document, fit_widths, grid_style, page_number_footer

CATALOG_HEADERS = ("序号", "文件编号", "责任者", "文件题名", "日期", "页次", "备注")
CATALOG_HEADERS_EN = ("No.", "Doc. no.", "Responsible", "Title", "Date", "Pages", "Remarks")
VOLUME_HEADERS = ("案卷号", "案卷题名", "起止日期", "件数", "页数", "保管期限")
VOLUME_HEADERS_EN = ("Volume", "Title", "Dates", "Records", "Pages", "Retention")
RETENTION_ZH = {Retention.PERMANENT: "永久", Retention.LONG: "长期", Retention.SHORT: "短期"}


def retention_zh(value: str) -> str:
    return RETENTION_ZH.get(value, value)


def entry_row(entry: VolumeEntry) -> list[str]:
    """One line of a volume catalog, as the PDF and the workbook print it."""
    material = entry.material
    pages = str(entry.start_page) if entry.pages == 1 else f"{entry.start_page}-{entry.end_page}"
    remarks = material.catalog_item.code
    if material.version > 1:
        remarks += f" 第{material.version}版"
    return [
        str(entry.position),
        material.document_number or material.catalog_item.code,
        material.responsible_party,
        material.title or material.original_name,
        material.formed_on.strftime("%Y%m%d") if material.formed_on else "",
        pages,
        remarks,
    ]


def _dates(volume: Volume) -> str:
    if not volume.date_start:
        return ""
    return f"{volume.date_start:%Y%m%d}-{volume.date_end:%Y%m%d}"


def volume_row(volume: Volume) -> list[str]:
    return [
        volume.archival_code,
        volume.title,
        _dates(volume),
        str(volume.item_count),
        str(volume.page_count),
        retention_zh(volume.retention),
    ]


# -- PDF ------------------------------------------------------------------------------------------


def volume_catalog_pdf(case: Case, volumes: list[Volume]) -> bytes:
    """The volume list, then one volume catalog per volume (each starting on a new page)."""
    styles = Styles()
    buffer = io.BytesIO()
    doc = a4_document(
        buffer, title=f"卷内目录 {case.reference}", subject=f"{case.project.name} volume catalog"
    )

    def cells(values: list[str]) -> list[Paragraph]:
        return [Paragraph(escape(value), styles.cell) for value in values]

    story = [
        Paragraph("案卷目录", styles.title),
        Paragraph(
            escape(f"Volume list · {case.project.name} · 案件 {case.reference}"), styles.subtitle
        ),
    ]
    rows = [
        [f"{zh}\n{en}" for zh, en in zip(VOLUME_HEADERS, VOLUME_HEADERS_EN, strict=True)],
        *(cells(volume_row(v)) for v in volumes),
    ]
    widths = [34 * mm, 70 * mm, 34 * mm, 12 * mm, 12 * mm, 18 * mm]
    table = Table(rows, colWidths=fit_widths(widths), repeatRows=1)
    table.setStyle(grid_style(styles.font))
    story.append(table)
    if not volumes:
        story.append(Paragraph("尚未组卷 No volumes arranged yet.", styles.body))

    for volume in volumes:
        story += [
            PageBreak(),
            Paragraph("卷内目录", styles.title),
            Paragraph("Volume catalog", styles.subtitle),
            _volume_header(volume, styles),
            Spacer(0, 4 * mm),
        ]
        rows = [
            [f"{zh}\n{en}" for zh, en in zip(CATALOG_HEADERS, CATALOG_HEADERS_EN, strict=True)],
            *(cells(entry_row(entry)) for entry in volume.entries.all()),
        ]
        widths = [10 * mm, 24 * mm, 34 * mm, 62 * mm, 18 * mm, 14 * mm, 18 * mm]
        table = Table(rows, colWidths=fit_widths(widths), repeatRows=1)
        table.setStyle(grid_style(styles.font))
        story.append(table)
        story.append(Spacer(0, 3 * mm))
        story.append(
            Paragraph(
                escape(
                    f"本卷共 {volume.item_count} 件 {volume.page_count} 页 · "
                    f"{volume.item_count} records, {volume.page_count} pages"
                ),
                styles.small,
            )
        )
    footer = page_number_footer(
        f"{case.reference} 卷内目录 · 组卷于 {volumes[0].arranged_at:%Y-%m-%d}"
        if volumes
        else case.reference
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _volume_header(volume: Volume, styles: Styles) -> Table:
    rows = [
        ["档号 Volume", volume.archival_code, "保管期限 Retention", retention_zh(volume.retention)],
        ["案卷题名 Title", Paragraph(escape(volume.title), styles.cell), "", ""],
        [
            "起止日期 Dates",
            _dates(volume),
            "件数/页数",
            f"{volume.item_count} / {volume.page_count}",
        ],
    ]
    table = Table(rows, colWidths=fit_widths([30 * mm, 70 * mm, 30 * mm, 50 * mm]))
    style = grid_style(styles.font, header_rows=0)
    style.add("SPAN", (1, 1), (3, 1))
    table.setStyle(style)
    return table


# -- XLSX -----------------------------------------------------------------------------------------


def volume_catalog_xlsx(case: Case, volumes: list[Volume]) -> bytes:
    """Sheet ``案卷目录`` with the volume list, then one sheet ``卷内目录-<n>`` per volume."""
    # openpyxl is imported where it is used: it takes longer to load than Django itself.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "案卷目录"
    sheet.append([f"案卷目录 · {case.project.name} · 案件 {case.reference}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(VOLUME_HEADERS))
    for volume in volumes:
        sheet.append(volume_row(volume))
    _grid(sheet, header_row=2, widths=[22, 50, 20, 8, 8, 10])

    for volume in volumes:
        page = book.create_sheet(f"卷内目录-{volume.number}")
        page.append(["卷内目录"])
        page["A1"].font = Font(bold=True, size=14)
        page.append(["档号", volume.archival_code, "", "案卷题名", volume.title])
        page.append(["保管期限", retention_zh(volume.retention), "", "起止日期", _dates(volume)])
        page.append(list(CATALOG_HEADERS))
        for entry in volume.entries.all():
            row = entry_row(entry)
            row[0] = int(row[0])
            page.append(row)
        page.append([])
        page.append([f"本卷共 {volume.item_count} 件 {volume.page_count} 页"])
        _grid(page, header_row=4, widths=[6, 16, 28, 48, 11, 9, 14], last=4 + volume.item_count)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _grid(sheet, *, header_row: int, widths: list[int], last: int | None = None) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="444444")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = last or sheet.max_row
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=header_row, max_row=last, max_col=len(widths)):
        for cell in row:
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if cell.row == header_row:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
