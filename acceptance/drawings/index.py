"""The drawing index (图纸目录) an owner supplies: a CSV or XLSX of drawing number and sheet name.

Two columns, 图号 (drawing number) and 图名 (sheet name), in that order. A header row is
optional; when present it is recognised by Chinese or English names and may put the columns in
either order. Every problem is refused as a whole with a bilingual message: a partly read index
would make the set review report drawings "missing" that the owner did list.
"""

from __future__ import annotations

import csv
import io
import zipfile

from ..exceptions import UploadRefused
from .review import normalize_name

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
NUMBER_HEADERS = {"图号", "图纸编号", "drawing number", "drawing no", "drawing no.", "number"}
NAME_HEADERS = {"图名", "图纸名称", "sheet name", "sheet title", "title", "name"}


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadRefused(
            "CSV 文件不是 UTF-8 或 GBK 编码的文本。请另存为 UTF-8 CSV 后重新上传。",
            "The CSV is not UTF-8 or GBK text. Save it as UTF-8 CSV and upload again.",
        )
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        from openpyxl import load_workbook  # here, where used: slower to load than Django

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UploadRefused(
            "无法读取该 XLSX 文件，文件可能已损坏。请用 Excel 重新保存后上传。",
            f"The XLSX file cannot be read ({error}). Save it again in Excel and upload.",
        ) from error
    try:
        rows = []
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            row = [_cell(v) for v in values]
            # Blank rows do not count, so none of the rows after them is silently dropped;
            # one row past header + limit is enough to refuse an overlong index.
            if any(row):
                rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _columns(header: list[str]) -> tuple[int, int] | None:
    """The (number, name) column positions named by a header row, or None if it is data."""
    names = [h.lower() for h in header]
    number = next((i for i, h in enumerate(names) if h in NUMBER_HEADERS), None)
    name = next((i for i, h in enumerate(names) if h in NAME_HEADERS), None)
    if number is None and name is None:
        return None
    if number is None or name is None:
        missing = ("图号", "drawing number") if number is None else ("图名", "sheet name")
        raise UploadRefused(
            f"图纸目录缺少“{missing[0]}”列。需要两列：图号、图名。",
            f"The drawing index has no “{missing[1]}” column. Two columns are needed: "
            "drawing number, sheet name.",
        )
    return number, name


def parse_drawing_index(data: bytes, filename: str) -> list[tuple[str, str]]:
    """The index's (drawing number, sheet name) rows in file order; UploadRefused if unusable."""
    if len(data) > MAX_BYTES:
        raise UploadRefused(
            f"图纸目录文件超过 {MAX_BYTES // 1024 // 1024} MB，请精简后重新上传。",
            f"The drawing index file is larger than {MAX_BYTES // 1024 // 1024} MB; "
            "trim it and upload again.",
        )
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "csv":
        rows = _csv_rows(data)
    elif suffix == "xlsx":
        rows = _xlsx_rows(data)
    else:
        raise UploadRefused(
            f"不支持的图纸目录文件类型“{filename}”：请上传 CSV 或 XLSX 文件。",
            f"Unsupported drawing index file {filename!r}: upload a CSV or XLSX file.",
        )
    rows = [row for row in rows if any(row)]
    if not rows:
        raise UploadRefused(
            "图纸目录是空的：请填写图号和图名后重新上传。",
            "The drawing index is empty: fill in drawing numbers and sheet names, then upload.",
        )
    columns = _columns(rows[0])
    if columns is not None:
        rows = rows[1:]
    number_at, name_at = columns or (0, 1)
    if not rows:
        raise UploadRefused(
            "图纸目录只有表头，没有图纸行。",
            "The drawing index has a header but no drawing rows.",
        )
    if len(rows) > MAX_ROWS:
        raise UploadRefused(
            f"图纸目录超过 {MAX_ROWS} 行，请拆分或精简后重新上传。",
            f"The drawing index has more than {MAX_ROWS} rows; split or trim it and upload.",
        )
    entries: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2 if columns else 1):
        number = row[number_at] if number_at < len(row) else ""
        name = row[name_at] if name_at < len(row) else ""
        if not number or not name:
            missing = ("图号", "drawing number") if not number else ("图名", "sheet name")
            raise UploadRefused(
                f"图纸目录第 {line} 行缺少{missing[0]}。每行都需要图号和图名。",
                f"Row {line} of the drawing index has no {missing[1]}. Every row needs a "
                "drawing number and a sheet name.",
            )
        key = normalize_name(number)
        if key in seen:
            raise UploadRefused(
                f"图号“{number}”在图纸目录中重复（第 {seen[key]} 行和第 {line} 行）。",
                f"Drawing number {number!r} is listed twice in the drawing index "
                f"(rows {seen[key]} and {line}).",
            )
        seen[key] = line
        entries.append((number, name))
    return entries
