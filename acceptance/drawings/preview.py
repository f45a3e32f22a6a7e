"""Previews of a reviewed drawing: each layout as SVG (zoomable) and PNG, findings marked.

The drawing is loaded with ezdxf (the only place besides repairs that needs the full document)
and drawn once per layout by ezdxf's drawing add-on into its SVG backend, which records the
primitives; the PNG is rasterised from the same recording with Pillow, so the layout is drawn
once for both. Text is drawn as filled glyphs (``TextPolicy.FILLING``) so a reviewer can read
the stamp and the title block, unless the drawing holds more text entities than
``ACCEPTANCE_DRAWING_PREVIEW_TEXT_LIMIT``: glyph outlines then dominate the cost (about 20 s
for 1 MB with 1,700 labels) and text is drawn as filled boxes (``REPLACE_FILL``). Fonts the server lacks (SHX, SimSun, …) are replaced by the CJK font, so Chinese text
renders. Findings with a location are drawn into the drawing as numbered red frames before it is
rendered; nothing is saved back into the file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw

from workflows.fonts import CJK_FONT_PATH

from ..conf import setting

logger = logging.getLogger(__name__)

MARKER_LAYER = "__REVIEW_FINDINGS__"
MARKER_COLOR = 1  # red
MANIFEST = "preview.json"
GLYPH_SUPERSAMPLING = 4


@dataclass(frozen=True)
class LayoutPreview:
    name: str
    svg: str
    png: str
    markers: list[int]


def render_previews(path: Path, out_dir: Path, findings: list[dict]) -> list[LayoutPreview]:
    """Render every layout with content to ``out_dir`` and write its manifest; return them.

    ``findings`` are stored finding dicts (see :meth:`.rules.Finding.as_dict`); those with a
    ``box`` are marked with their number (1-based position in the list) in their layout.
    """
    # ezdxf's drawing add-on is imported here, where it is used: it takes longer to load than
    # Django itself, and the pages reading previews (read_manifest) never need it.
    from ezdxf.addons.drawing import Frontend, RenderContext, layout, svg
    from ezdxf.addons.drawing.config import BackgroundPolicy, Configuration

    doc = _load(path)
    _substitute_missing_fonts(doc)
    markers = _mark_findings(doc, findings)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = Configuration(
        text_policy=_text_policy(doc),
        background_policy=BackgroundPolicy.WHITE,
    )
    previews = []
    for number, sheet in enumerate(_layouts_with_content(doc)):
        backend = svg.SVGBackend()
        Frontend(RenderContext(doc), backend, config=config).draw_layout(sheet, finalize=True)
        stem = f"layout-{number}"
        # The PNG first: writing the SVG moves the recording into the page's coordinates.
        _write_png(backend, out_dir / f"{stem}.png")
        page = layout.Page(0, 0, layout.Units.mm, margins=layout.Margins.all(5))
        text = backend.get_string(page, settings=layout.Settings(fit_page=True))
        (out_dir / f"{stem}.svg").write_text(text, encoding="utf8")
        previews.append(
            LayoutPreview(sheet.name, f"{stem}.svg", f"{stem}.png", markers.get(sheet.name, []))
        )
    manifest = [p.__dict__ for p in previews]
    tmp = out_dir / f".{MANIFEST}.{os.getpid()}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf8")
    tmp.replace(out_dir / MANIFEST)  # readers see the whole manifest or none
    return previews


def read_manifest(out_dir: Path) -> list[dict] | None:
    """The previews rendered into ``out_dir``, or None when they are not there (yet)."""
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf8"))
    except (OSError, ValueError):
        return None


def _load(path: Path):
    import ezdxf
    from ezdxf import recover

    try:
        return ezdxf.readfile(path)
    except ezdxf.DXFStructureError:
        doc, _auditor = recover.readfile(str(path))
        return doc


def _preview_font_installed(name: str) -> bool:
    """Whether ezdxf knows the font, the shipped CJK font always among those it knows.

    ezdxf keeps the fonts it found in a cache file under the home folder; a font installed after
    the file was written stays unknown until the cache is rebuilt, which is done once per process.
    """
    from ezdxf.fonts import fonts

    manager = fonts.font_manager
    if not manager.has_font(CJK_FONT_PATH.name):
        manager.scan_folder(CJK_FONT_PATH.parent)
    if not manager.has_font(name):
        _rescan_system_fonts()
        manager.scan_folder(CJK_FONT_PATH.parent)
    return manager.has_font(name)


@cache
def _rescan_system_fonts() -> None:
    from ezdxf.fonts import fonts

    fonts.build_system_font_cache()


def _substitute_missing_fonts(doc) -> None:
    from ezdxf.fonts import fonts

    cjk = setting("ACCEPTANCE_DRAWING_PREVIEW_FONT")
    if not _preview_font_installed(cjk):
        logger.warning(
            "preview font %s is not installed: Chinese text in drawing previews will show as "
            "empty boxes (unset ACCEPTANCE_DRAWING_PREVIEW_FONT to use the shipped %s)",
            cjk,
            CJK_FONT_PATH.name,
        )
    for style in doc.styles:
        font = style.dxf.get("font", "")
        if not font or not fonts.font_manager.has_font(font):
            style.dxf.font = cjk
            # A style's TrueType family in its XDATA would win over the file name.
            style.discard_extended_font_data()


def _mark_findings(doc, findings: list[dict]) -> dict[str, list[int]]:
    layouts = {sheet.name: sheet for sheet in doc.layouts}
    if MARKER_LAYER not in doc.layers:
        doc.layers.add(MARKER_LAYER, color=MARKER_COLOR)
    marked: dict[str, list[int]] = {}
    for number, finding in enumerate(findings, start=1):
        box, sheet = finding.get("box"), layouts.get(finding.get("layout") or "")
        if not box or sheet is None:
            continue
        x1, y1, x2, y2 = box
        pad = max(x2 - x1, y2 - y1) * 0.05
        x1, y1, x2, y2 = x1 - pad, y1 - pad, x2 + pad, y2 + pad
        attribs = {"layer": MARKER_LAYER, "color": MARKER_COLOR, "lineweight": 100}
        sheet.add_lwpolyline(
            [(x1, y1), (x2, y1), (x2, y2), (x1, y2)], close=True, dxfattribs=attribs
        )
        height = max((y2 - y1) * 0.25, 1e-3)
        sheet.add_text(str(number), height=height, dxfattribs={**attribs, "insert": (x1, y2 + pad)})
        marked.setdefault(sheet.name, []).append(number)
    return marked


def _text_policy(doc):
    from ezdxf.addons.drawing.config import TextPolicy

    """Glyphs while the text is few enough to draw quickly, filled boxes past that.

    A sheet's stamp and title block are a few dozen strings; a model space with thousands of
    labels would spend most of the rendering on glyph outlines, so its text becomes boxes
    (the title block and stamp values are listed on the review page anyway).
    """
    limit = setting("ACCEPTANCE_DRAWING_PREVIEW_TEXT_LIMIT")
    count = sum(len(sheet.query("TEXT MTEXT ATTRIB DIMENSION")) for sheet in doc.layouts)
    return TextPolicy.FILLING if count <= limit else TextPolicy.REPLACE_FILL


def _layouts_with_content(doc):
    for sheet in doc.layouts:
        if any(entity.dxftype() != "VIEWPORT" for entity in sheet):
            yield sheet


def _write_png(backend, path: Path) -> None:
    """Rasterise the recorded primitives (lines, paths, filled glyphs) with Pillow."""
    from ezdxf.addons.drawing.recorder import FilledPathsRecord, PathRecord, SolidLinesRecord

    player = backend.player()
    box = player.bbox()
    width = setting("ACCEPTANCE_DRAWING_PREVIEW_PNG_WIDTH")
    if not box.has_data or box.size.x <= 0:
        Image.new("RGB", (width, width // 2), "white").save(path)
        return
    scale = (width - 20) / max(box.size.x, box.size.y * 1.0)
    height = max(int(box.size.y * scale) + 20, 20)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    x0, y0 = box.extmin.x, box.extmin.y

    def pixel(v):
        return (10 + (v.x - x0) * scale, height - 10 - (v.y - y0) * scale)

    for record, properties in player.recordings():
        color = properties.color[:7]
        if isinstance(record, SolidLinesRecord):
            points = [pixel(v) for v in record.lines.vertices()]
            for start, end in zip(points[::2], points[1::2], strict=False):
                draw.line([start, end], fill=color)
        elif isinstance(record, PathRecord):
            points = [pixel(v) for v in record.path.flattening(box.size.x / 2000 or 1)]
            if len(points) > 1:
                draw.line(points, fill=color)
        elif isinstance(record, FilledPathsRecord):
            # Filled paths are mostly text glyphs a few pixels high: their control polygon is
            # as good as the flattened curve at this size, at a fraction of the cost.
            for np_path in record.paths:
                contours = [
                    ([pixel(v) for v in sub.control_vertices()], sub.has_clockwise_orientation())
                    for sub in np_path.sub_paths()
                ]
                _fill_glyph(
                    image, [(points, cw) for points, cw in contours if len(points) > 2], color
                )
    image.save(path, compress_level=1)  # zlib effort buys little on line art


def _fill_glyph(image: Image.Image, contours: list[tuple[list, bool]], color: str) -> None:
    """Fill a glyph's contours by the non-zero winding rule, as fonts mean them.

    A contour turning against the one around it is a hole (the 口 of 图), and a stroke inside a
    hole is filled again (the strokes inside 图). Each contour is rasterised on its own: one
    polygon through all of them would join them with stray edges and fill the holes.
    """
    if not contours:
        return
    import numpy as np  # loaded with ezdxf's drawing add-on already

    xs = [x for points, _ in contours for x, _ in points]
    ys = [y for points, _ in contours for _, y in points]
    left, top = int(min(xs)), int(min(ys))
    size = (int(max(xs)) - left + 2, int(max(ys)) - top + 2)
    # Drawn four times larger and scaled down: a stroke of a pixel or two between two holes
    # (the bar of 日 in 8 px text) keeps its place, its edges shaded.
    big = (size[0] * GLYPH_SUPERSAMPLING, size[1] * GLYPH_SUPERSAMPLING)
    winding = np.zeros((big[1], big[0]), dtype=np.int16)
    for points, clockwise in contours:
        layer = Image.new("L", big)
        scaled = [
            ((x - left) * GLYPH_SUPERSAMPLING, (y - top) * GLYPH_SUPERSAMPLING) for x, y in points
        ]
        ImageDraw.Draw(layer).polygon(scaled, fill=1)
        winding += np.asarray(layer, dtype=np.int16) * (1 if clockwise else -1)
    coverage = Image.fromarray(np.where(winding != 0, 255, 0).astype(np.uint8), "L")
    mask = coverage.resize(size, Image.Resampling.BOX)
    image.paste(color, (left, top, left + size[0], top + size[1]), mask)
