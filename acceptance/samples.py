"""Generators of realistic sample files: an as-built DXF drawing, a site photo, a PDF.

Used by the demo command and by the tests. Every generator writes one file and returns its
path; none of them needs Django.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from pathlib import Path

import ezdxf
from ezdxf import bbox, units
from ezdxf.document import Drawing
from ezdxf.enums import TextEntityAlignment
from ezdxf.layouts import BlockLayout, Paperspace
from ezdxf.tools.standards import setup_dimstyle
from PIL import ExifTags, Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from workflows.fonts import CJK_FONT_PATH, reportlab_cjk_font

AS_BUILT_STAMP_BLOCK = "竣工图章"
"""Block name of the as-built stamp (竣工图章)."""

AS_BUILT_STAMP_FIELDS: dict[str, str] = {
    "CONTRACTOR": "施工单位",
    "COMPILER": "编制人",
    "CHECKER": "审核人",
    "TECH_LEAD": "技术负责人",
    "DATE": "编制日期",
    "SUPERVISOR": "监理单位",
    "SITE_SUPERVISOR": "现场监理",
    "CHIEF_SUPERVISOR": "总监",
}
"""Attribute tag -> Chinese label of each field of the as-built stamp."""

AS_BUILT_STAMP_SIZE_MM = (80.0, 50.0)
"""Width and height of the as-built stamp on paper."""

TITLE_BLOCK = "图签"
"""Block name of the title block."""

TITLE_BLOCK_FIELDS: dict[str, str] = {
    "PROJECT_NAME": "工程名称",
    "DRAWING_NO": "图号",
    "SHEET_TITLE": "图名",
}
"""Attribute tag -> Chinese label of the title block's attributes."""

CJK_TEXT_STYLE = "HZ"
"""DXF text style used for Chinese text."""

SHEET_LAYOUT = "Layout1"
"""Paper space layout holding the A3 frame, the title block and the stamp."""

# Paper space placement in mm on an A3 landscape sheet (420 × 297, binding margin 25, others 5).
_SHEET_SIZE = (420.0, 297.0)
_BORDER = (25.0, 5.0, 415.0, 292.0)
_TITLE_BLOCK_SIZE = (180.0, 40.0)
_TITLE_BLOCK_INSERT = (_BORDER[2] - _TITLE_BLOCK_SIZE[0], _BORDER[1])
# The stamp sits in the blank space right above the title block, 5 mm clear of it.
_STAMP_INSERT = (
    _BORDER[2] - 2.0 - AS_BUILT_STAMP_SIZE_MM[0],
    _TITLE_BLOCK_INSERT[1] + _TITLE_BLOCK_SIZE[1] + 5.0,
)
_PLAN_SCALE = 100  # 1:100

# Floor plan in model space, millimetres.
_PLAN_WIDTH = 24000.0
_PLAN_DEPTH = 12000.0
_WALL = 240.0


def make_as_built_dxf(
    path: Path,
    *,
    project_name: str,
    drawing_number: str,
    sheet_title: str,
    stamp: dict[str, str] | None,
    units_mm: bool = True,
) -> Path:
    """Write an R2018 as-built drawing (竣工图) to ``path`` and return ``path``.

    Model space holds a simple floor plan in millimetres (walls as LWPOLYLINEs, dimensions,
    room names). Paper space layout ``SHEET_LAYOUT`` holds an A3 frame, a viewport showing the
    plan at 1:100, the title block (an INSERT of ``TITLE_BLOCK`` with attributes PROJECT_NAME,
    DRAWING_NO, SHEET_TITLE) at the bottom right and, unless ``stamp`` is None, the as-built
    stamp (an INSERT of ``AS_BUILT_STAMP_BLOCK``, 80 × 50 mm) right above the title block.
    ``stamp`` maps tags of ``AS_BUILT_STAMP_FIELDS`` to values; missing tags are left empty.
    With ``units_mm`` false, $INSUNITS is 0 (unitless). Raises ValueError for unknown tags.
    """
    if stamp is not None and (unknown := set(stamp) - set(AS_BUILT_STAMP_FIELDS)):
        raise ValueError(f"unknown as-built stamp fields: {sorted(unknown)}")

    # Linetypes only: ezdxf's default text and dimension styles use OpenSans, a font an
    # archive's CAD workstations do not have (the drawing review reports such styles).
    doc = ezdxf.new("R2018", setup=["linetypes"])
    doc.units = units.MM if units_mm else units.InsertUnits.Unitless
    doc.header["$MEASUREMENT"] = 1 if units_mm else 0
    style = doc.styles.add(CJK_TEXT_STYLE, font="simsun.ttc")
    style.set_extended_font_data(family="SimSun")
    for name, color in (("A-WALL", 7), ("A-DIMS", 3), ("A-TEXT", 2), ("A-ANNO", 7), ("A-VPRT", 8)):
        doc.layers.add(name, color=color)

    _draw_floor_plan(doc)
    _define_title_block(doc)
    _define_stamp(doc)

    sheet = doc.paperspace(SHEET_LAYOUT)
    _draw_sheet(sheet)
    sheet.add_blockref(
        TITLE_BLOCK, _TITLE_BLOCK_INSERT, dxfattribs={"layer": "A-ANNO"}
    ).add_auto_attribs(
        {"PROJECT_NAME": project_name, "DRAWING_NO": drawing_number, "SHEET_TITLE": sheet_title}
    )
    if stamp is not None:
        values = {tag: stamp.get(tag, "") for tag in AS_BUILT_STAMP_FIELDS}
        sheet.add_blockref(
            AS_BUILT_STAMP_BLOCK, _STAMP_INSERT, dxfattribs={"layer": "A-ANNO"}
        ).add_auto_attribs(values)

    # What CAD software records on save (ZOOM Extents); ezdxf leaves the header unset.
    msp = doc.modelspace()
    extents = bbox.extents(msp)
    msp.dxf.extmin, msp.dxf.extmax = extents.extmin, extents.extmax
    doc.saveas(path)
    return path


def _draw_floor_plan(doc: Drawing) -> None:
    msp = doc.modelspace()
    w, d, t = _PLAN_WIDTH, _PLAN_DEPTH, _WALL
    wall = {"layer": "A-WALL"}
    msp.add_lwpolyline([(0, 0), (w, 0), (w, d), (0, d)], close=True, dxfattribs=wall)
    msp.add_lwpolyline(
        [(t, t), (w - t, t), (w - t, d - t), (t, d - t)], close=True, dxfattribs=wall
    )
    for x in (9000.0, 16000.0):  # cross walls
        msp.add_lwpolyline(
            [(x - t / 2, t), (x + t / 2, t), (x + t / 2, d - t), (x - t / 2, d - t)],
            close=True,
            dxfattribs=wall,
        )
    x1, x2 = 9000 + t / 2, 16000 - t / 2  # corridor wall between the cross walls
    msp.add_lwpolyline(
        [(x1, 6000 - t / 2), (x2, 6000 - t / 2), (x2, 6000 + t / 2), (x1, 6000 + t / 2)],
        close=True,
        dxfattribs=wall,
    )

    setup_dimstyle(doc, fmt="EZ_MM_100_H25_MM", style=CJK_TEXT_STYLE, name="GB_MM_100")
    dims = {"layer": "A-DIMS"}
    for base, p1, p2, angle in (
        ((0, -800), (0, 0), (w, 0), 0),
        ((0, -400), (0, 0), (9000, 0), 0),
        ((-800, 0), (0, 0), (0, d), 90),
    ):
        msp.add_linear_dim(
            base=base, p1=p1, p2=p2, angle=angle, dimstyle="GB_MM_100", dxfattribs=dims
        ).render()

    text = {"layer": "A-TEXT", "style": CJK_TEXT_STYLE}
    for label, (x, y) in (
        ("办公室", (4500, 6000)),
        ("会议室", (12500, 9000)),
        ("走廊", (12500, 3000)),
        ("设备间", (20000, 6000)),
    ):
        msp.add_text(label, height=350, dxfattribs=text).set_placement(
            (x, y), align=TextEntityAlignment.MIDDLE_CENTER
        )
    msp.add_text("一层平面图  1:100", height=500, dxfattribs=text).set_placement(
        (w / 2, -1600), align=TextEntityAlignment.MIDDLE_CENTER
    )


def _cell_text(block: BlockLayout, text: str, x: float, y: float, height: float = 2.5) -> None:
    block.add_text(text, height=height, dxfattribs={"style": CJK_TEXT_STYLE, "insert": (x, y)})


def _attdef(block: BlockLayout, tag: str, prompt: str, x: float, y: float) -> None:
    block.add_attdef(
        tag, (x, y), height=2.5, dxfattribs={"style": CJK_TEXT_STYLE, "prompt": prompt}
    )


def _grid_lines(block: BlockLayout, lines: list[tuple[float, float, float, float]]) -> None:
    for x1, y1, x2, y2 in lines:
        block.add_line((x1, y1), (x2, y2))


def _define_title_block(doc: Drawing) -> None:
    """Title block 180 × 40 mm, base point at its lower-left corner."""
    block = doc.blocks.new(TITLE_BLOCK)
    w, h = _TITLE_BLOCK_SIZE
    block.add_lwpolyline([(0, 0), (w, 0), (w, h), (0, h)], close=True)
    _grid_lines(
        block,
        [
            (0, 30, w, 30),
            (0, 20, w, 20),
            (0, 10, w, 10),
            (25, 0, 25, h),
            (110, 0, 110, 30),
            (130, 0, 130, 30),
        ],
    )
    _cell_text(block, "工程名称", 2, 33.5)
    _attdef(block, "PROJECT_NAME", TITLE_BLOCK_FIELDS["PROJECT_NAME"], 27, 33.5)
    _cell_text(block, "图名", 2, 23.5)
    _attdef(block, "SHEET_TITLE", TITLE_BLOCK_FIELDS["SHEET_TITLE"], 27, 23.5)
    _cell_text(block, "图号", 112, 23.5)
    _attdef(block, "DRAWING_NO", TITLE_BLOCK_FIELDS["DRAWING_NO"], 132, 23.5)
    _cell_text(block, "设计", 2, 13.5)
    _cell_text(block, "比例", 112, 13.5)
    _cell_text(block, f"1:{_PLAN_SCALE}", 132, 13.5)
    _cell_text(block, "审核", 2, 3.5)
    _cell_text(block, "日期", 112, 3.5)


def _define_stamp(doc: Drawing) -> None:
    """As-built stamp 80 × 50 mm, base point at its lower-left corner.

    Rows from the top: 竣工图; 施工单位; 编制人 | 审核人; 技术负责人 | 编制日期; 监理单位;
    现场监理 | 总监. Each label cell is 20 mm wide, followed by its value (an ATTDEF).
    """
    block = doc.blocks.new(AS_BUILT_STAMP_BLOCK)
    w, h = AS_BUILT_STAMP_SIZE_MM
    block.add_lwpolyline([(0, 0), (w, 0), (w, h), (0, h)], close=True)
    _grid_lines(
        block,
        [(0, y, w, y) for y in (40.0, 32.0, 24.0, 16.0, 8.0)]
        + [(20, 0, 20, 40)]
        + [(x, y1, x, y2) for x in (40.0, 60.0) for y1, y2 in ((16, 32), (0, 8))],
    )
    block.add_text("竣工图", height=5, dxfattribs={"style": CJK_TEXT_STYLE}).set_placement(
        (w / 2, 45), align=TextEntityAlignment.MIDDLE_CENTER
    )
    # (tag, row bottom y, label cell x) for the 8 fields.
    layout = [
        ("CONTRACTOR", 32, 0),
        ("COMPILER", 24, 0),
        ("CHECKER", 24, 40),
        ("TECH_LEAD", 16, 0),
        ("DATE", 16, 40),
        ("SUPERVISOR", 8, 0),
        ("SITE_SUPERVISOR", 0, 0),
        ("CHIEF_SUPERVISOR", 0, 40),
    ]
    for tag, y, x in layout:
        label = AS_BUILT_STAMP_FIELDS[tag]
        _cell_text(block, label, x + 1, y + 2.75)
        _attdef(block, tag, label, x + 21, y + 2.75)


def _draw_sheet(sheet: Paperspace) -> None:
    sheet.page_setup(size=_SHEET_SIZE, margins=(0, 0, 0, 0), units="mm")
    x1, y1, x2, y2 = _BORDER
    width, height = _SHEET_SIZE
    anno = {"layer": "A-ANNO"}
    sheet.add_lwpolyline(
        [(0, 0), (width, 0), (width, height), (0, height)], close=True, dxfattribs=anno
    )
    sheet.add_lwpolyline(
        [(x1, y1), (x2, y1), (x2, y2), (x1, y2)],
        close=True,
        dxfattribs={"layer": "A-ANNO", "const_width": 0.7},
    )
    vp_width, vp_height = 260.0, 160.0
    sheet.add_viewport(
        center=(x1 + 5 + vp_width / 2, 100 + vp_height / 2),
        size=(vp_width, vp_height),
        view_center_point=(_PLAN_WIDTH / 2 - 300, _PLAN_DEPTH / 2 - 300),
        view_height=vp_height * _PLAN_SCALE,
        dxfattribs={"layer": "A-VPRT"},
    )


def make_site_photo(
    path: Path,
    *,
    taken_at: datetime,
    make: str = "Canon",
    model: str = "EOS 5D Mark IV",
    size: tuple[int, int] = (2048, 1536),
    label: str = "",
) -> Path:
    """Write a JPEG site photo with EXIF to ``path`` and return ``path``.

    The picture (sky gradient, a building with windows, the label and the time) depends on
    ``label`` and ``taken_at``, so different calls give different images. EXIF holds
    DateTimeOriginal, DateTimeDigitized and DateTime from ``taken_at``, Make, Model,
    Orientation 1 and the pixel size.
    """
    width, height = size
    seed = int.from_bytes(hashlib.sha256(f"{label}|{taken_at.isoformat()}".encode()).digest()[:8])
    rng = random.Random(seed)

    gradient = Image.linear_gradient("L").resize(size)
    tint = Image.new("L", size, rng.randint(120, 230))
    image = Image.merge("RGB", (gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM), tint, tint))
    draw = ImageDraw.Draw(image)
    ground = int(height * rng.uniform(0.65, 0.8))
    draw.rectangle((0, ground, width, height), fill=(110, 100, 90))
    left = int(width * rng.uniform(0.1, 0.3))
    right = int(width * rng.uniform(0.6, 0.9))
    top = int(height * rng.uniform(0.15, 0.35))
    draw.rectangle((left, top, right, ground), fill=(200, 195, 185), outline=(60, 60, 60), width=4)
    step = max(8, (right - left) // rng.randint(6, 12))
    for x in range(left + step // 2, right - step, step):
        for y in range(top + step // 2, ground - step, step):
            draw.rectangle((x, y, x + step // 2, y + step // 2), fill=(70, 110, 150))
    sun = int(min(size) * 0.06)
    cx, cy = int(width * rng.uniform(0.05, 0.95)), int(height * rng.uniform(0.05, 0.15))
    draw.ellipse((cx - sun, cy - sun, cx + sun, cy + sun), fill=(255, 220, 120))

    stamp = taken_at.strftime("%Y-%m-%d %H:%M")
    font = _photo_font(max(12, height // 30))
    caption = f"{label}  {stamp}" if label else stamp
    draw.text((width // 40, height - height // 15), caption, fill=(255, 255, 255), font=font)

    exif = Image.Exif()
    when = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = model
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.DateTime] = when
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = when
    exif_ifd[ExifTags.Base.DateTimeDigitized] = when
    exif_ifd[ExifTags.Base.ExifImageWidth] = width
    exif_ifd[ExifTags.Base.ExifImageHeight] = height
    if taken_at.utcoffset() is not None:
        offset = taken_at.strftime("%z")
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = f"{offset[:3]}:{offset[3:]}"
    image.save(path, "JPEG", quality=85, exif=exif)
    return path


def _photo_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(CJK_FONT_PATH), size)


def make_pdf_document(path: Path, *, title: str, lines: list[str]) -> Path:
    """Write an A4 PDF with ``title`` and ``lines`` to ``path`` and return ``path``.

    Long lines wrap and the text flows onto further pages as needed (one or two pages for
    typical input), set in the shipped CJK font (embedded).
    """
    font = reportlab_cjk_font()
    page_width, page_height = A4
    margin = 56.0
    body_size, leading = 11.0, 17.0
    canvas = Canvas(str(path), pagesize=A4, invariant=True)
    canvas.setTitle(title)
    canvas.setCreator("archive-acceptance samples")

    canvas.setFont(font, 18)
    canvas.drawString(margin, page_height - margin, title)
    y = page_height - margin - 36
    canvas.setFont(font, body_size)
    for line in lines:
        for part in _wrap(line, font, body_size, page_width - 2 * margin):
            if y < margin:
                canvas.showPage()
                canvas.setFont(font, body_size)
                y = page_height - margin
            canvas.drawString(margin, y, part)
            y -= leading
    canvas.showPage()
    canvas.save()
    return path


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Split ``text`` into pieces no wider than ``width`` (character by character, for CJK)."""
    parts: list[str] = []
    current = ""
    for char in text:
        if current and pdfmetrics.stringWidth(current + char, font, size) > width:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return parts


SAMPLE_VIDEO = Path(__file__).resolve().parent / "data" / "samples" / "site_video.mp4"
"""A real 8 KB H.264 MP4 (see data/samples/NOTICE.md); the only sample video."""


def make_sample_record(
    base: Path,
    *,
    kind: str,
    code: str,
    title: str,
    subtitle: str,
    project_name: str,
    variant: int = 1,
    stamped: bool = True,
    stamp_date: str = "2026-01-10",
    taken_at: datetime | None = None,
    photo_size: tuple[int, int] = (2048, 1536),
) -> Path:
    """A realistic file for one catalog item of ``kind`` (drawing, photo, video or document).

    ``base`` is the path without suffix; the suffix follows the kind. A drawing carries the
    as-built stamp unless ``stamped`` is false.
    """
    if kind == "drawing":
        stamp = {tag: f"{label}（示例）" for tag, label in AS_BUILT_STAMP_FIELDS.items()}
        stamp["DATE"] = stamp_date
        return make_as_built_dxf(
            base.with_suffix(".dxf"),
            project_name=project_name,
            drawing_number=f"{code}-{variant:02d}",
            sheet_title=title,
            stamp=stamp if stamped else None,
        )
    if kind == "photo":
        return make_site_photo(
            base.with_suffix(".jpg"),
            taken_at=taken_at or datetime(2025, 6, 1, 9, 0),
            label=f"{code} #{variant}",
            size=photo_size,
        )
    if kind == "video":
        target = base.with_suffix(".mp4")
        target.write_bytes(SAMPLE_VIDEO.read_bytes())
        return target
    return make_pdf_document(
        base.with_suffix(".pdf"),
        title=f"{code} {title}",
        lines=[project_name, subtitle, f"第 {variant} 版 version {variant}"],
    )
