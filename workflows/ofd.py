"""Fixed-layout documents as OFD (GB/T 33190-2016, 版式文档), the national counterpart of PDF.

Knows no domain: a caller lays out pages of text runs, rectangles, lines and PNG images in
millimetres (origin top left, y downwards, as OFD counts) and gets the bytes of an OFD package
back. The package holds ``OFD.xml`` (the entry point, with the document's metadata and custom
data), ``Doc_0/Document.xml``, ``Doc_0/PublicRes.xml`` (the embedded font file),
``Doc_0/DocumentRes.xml`` (the images) and one ``Doc_0/Pages/Page_N/Content.xml`` per page.

Text is set in the CJK font shipped with the product (:mod:`workflows.fonts`), embedded as the
subset of the glyphs the document uses (some kilobytes instead of megabytes) so any reader shows the
same glyphs; each run carries ``DeltaX``, the advance of every character from
the font's own metrics, so readers place CJK and Latin glyphs where this module measured them.
"""

from __future__ import annotations

import io
import math
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from .fonts import CJK_FONT_FAMILY, CJK_FONT_PATH, reportlab_cjk_font

__all__ = [
    "OfdDocument",
    "OfdFlow",
    "OfdImage",
    "OfdLine",
    "OfdPage",
    "OfdRect",
    "OfdText",
    "ofd_render",
    "ofd_text_width",
    "ofd_wrap",
]

OFD_NAMESPACE = "http://www.ofdspec.org/2016"
_NS = {"ofd": OFD_NAMESPACE}
A4_MM = (210.0, 297.0)
FONT_FILE_NAME = "font_0.ttf"

Rgb = tuple[int, int, int]
BLACK: Rgb = (0, 0, 0)


@dataclass(frozen=True)
class OfdText:
    """One line of text; ``x`` is its left edge, ``y`` its baseline, ``size`` the em in mm."""

    x: float
    y: float
    text: str
    size: float
    color: Rgb = BLACK
    bold: bool = False  # drawn filled and stroked: CJK fonts rarely ship a bold face
    # The run's direction in degrees, counter-clockwise (a watermark's slant). Its glyphs stay
    # upright, each placed along the slant by DeltaX and DeltaY, which every reader follows; a
    # rotating CTM on text is ignored by some readers, which then print the run level.
    angle: float = 0.0


@dataclass(frozen=True)
class OfdRect:
    x: float
    y: float
    width: float
    height: float
    line_width: float = 0.0  # 0: not stroked
    stroke: Rgb = BLACK
    fill: Rgb | None = None


@dataclass(frozen=True)
class OfdLine:
    x1: float
    y1: float
    x2: float
    y2: float
    line_width: float = 0.2
    color: Rgb = BLACK


@dataclass(frozen=True)
class OfdImage:
    x: float
    y: float
    width: float
    height: float
    png: bytes


@dataclass
class OfdPage:
    items: list[OfdText | OfdRect | OfdLine | OfdImage] = field(default_factory=list)
    size_mm: tuple[float, float] | None = None  # None: the document's size


@dataclass
class OfdDocument:
    title: str
    author: str
    subject: str
    creation_date: date
    pages: list[OfdPage]
    # Name/value pairs a reader lists as the document's custom metadata (ofd:CustomData).
    custom_data: tuple[tuple[str, str], ...] = ()
    keywords: tuple[str, ...] = ()
    size_mm: tuple[float, float] = A4_MM


def _advances(text: str, size: float) -> list[float]:
    """Each character's advance in the embedded font, in mm, from reportlab's reading of it."""
    from reportlab.pdfbase.pdfmetrics import getFont

    face = getFont(reportlab_cjk_font()).face
    widths, default = face.charWidths, face.defaultWidth
    return [widths.get(ord(char), default) * size / 1000 for char in text]


def _font_subset(text: str) -> bytes:
    """The shipped font cut to the characters of ``text``, as a TrueType file."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the family name a reader matches the font by
    options.notdef_outline = True
    options.layout_features = []
    font = TTFont(str(CJK_FONT_PATH))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def ofd_text_width(text: str, size: float) -> float:
    """How wide ``text`` is set at ``size`` mm in the embedded font, in mm."""
    return sum(_advances(text, size))


# A Latin word (with its trailing space) is kept whole; any other character stands alone.
_TOKEN = re.compile(r"[!-~]+ ?| |.", re.DOTALL)
_CANNOT_START = "，；：！？）》」』】〉、。．"


def ofd_wrap(text: str, size: float, width: float, indent: float = 0.0) -> list[str]:
    """Lines of ``text`` no wider than ``width``: words kept whole, as reportlab breaks them.

    No line starts with Chinese closing punctuation; a word longer than a line is cut.
    """
    lines: list[str] = []
    line, limit = "", width - indent
    for token in _TOKEN.findall(text):
        too_wide = line and ofd_text_width((line + token).rstrip(), size) > limit
        if too_wide and token[0] not in _CANNOT_START:
            lines.append(line.rstrip())
            line, limit = "", width
            if token == " ":
                continue
        while not line and ofd_text_width(token.rstrip(), size) > limit and len(token) > 1:
            cut = len(token) - 1
            while cut > 1 and ofd_text_width(token[:cut], size) > limit:
                cut -= 1
            lines.append(token[:cut])
            token, limit = token[cut:], width
        line += token
    if line or not lines:
        lines.append(line.rstrip())
    return lines


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def _box(*values: float) -> str:
    return " ".join(_number(value) for value in values)


def _element(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    node = etree.SubElement(parent, f"{{{OFD_NAMESPACE}}}{tag}", nsmap=_NS)
    for key, value in attributes.items():
        node.set(key, value)
    if text is not None:
        node.text = text
    return node


def _root(tag: str, **attributes) -> etree._Element:
    node = etree.Element(f"{{{OFD_NAMESPACE}}}{tag}", nsmap=_NS)
    for key, value in attributes.items():
        node.set(key, value)
    return node


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _color(parent, tag: str, rgb: Rgb) -> None:
    _element(parent, tag, Value=" ".join(str(part) for part in rgb))


class _Ids:
    """OFD object ids: one counter for the whole document, its maximum recorded in Document.xml."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> str:
        self.last += 1
        return str(self.last)


def _text_object(layer, ids: _Ids, item: OfdText, font_id: str) -> None:
    advances = _advances(item.text, item.size)
    # The boundary holds the whole em box: the baseline sits at the ascent, ~0.88 em down.
    ascent = item.size * 0.88
    if item.angle:
        _slanted_text_object(layer, ids, item, font_id, advances, ascent)
        return
    width = max(sum(advances), item.size)
    node = _element(
        layer,
        "TextObject",
        ID=ids.next(),
        Boundary=_box(item.x, item.y - ascent, width, item.size * 1.2),
        Font=font_id,
        Size=_number(item.size),
    )
    if item.bold:
        node.set("Stroke", "true")
        node.set("LineWidth", _number(item.size * 0.03))
        _color(node, "StrokeColor", item.color)
    _color(node, "FillColor", item.color)
    code = _element(node, "TextCode", item.text, X="0", Y=_number(ascent))
    if len(advances) > 1:
        code.set("DeltaX", " ".join(_number(advance) for advance in advances[:-1]))


def _slanted_text_object(layer, ids: _Ids, item: OfdText, font_id, advances, ascent) -> None:
    cos, sin = math.cos(math.radians(item.angle)), math.sin(math.radians(item.angle))
    # Each glyph's baseline origin; y grows downwards on the page, so the slant rises as -sin.
    origins, along = [], 0.0
    for advance in advances:
        origins.append((item.x + along * cos, item.y - along * sin))
        along += advance
    xs = [x for x, _y in origins] + [origins[-1][0] + advances[-1] * cos]
    ys = [y for _x, y in origins] + [origins[-1][1] - advances[-1] * sin]
    left, top = min(xs), min(ys) - ascent
    width, height = max(xs) - left + item.size, max(ys) - top + item.size * 0.32
    node = _element(
        layer,
        "TextObject",
        ID=ids.next(),
        Boundary=_box(left, top, width, height),
        Font=font_id,
        Size=_number(item.size),
    )
    _color(node, "FillColor", item.color)
    x0, y0 = origins[0]
    code = _element(node, "TextCode", item.text, X=_number(x0 - left), Y=_number(y0 - top))
    if len(advances) > 1:
        code.set("DeltaX", " ".join(_number(a * cos) for a in advances[:-1]))
        code.set("DeltaY", " ".join(_number(-a * sin) for a in advances[:-1]))


def _path_object(layer, ids: _Ids, item: OfdRect | OfdLine) -> None:
    if isinstance(item, OfdRect):
        boundary = (item.x, item.y, item.width, item.height)
        path = f"M 0 0 L {_box(item.width, 0)} L {_box(item.width, item.height)} L 0 {_number(item.height)} C"
        stroke, fill, line_width = item.line_width > 0, item.fill is not None, item.line_width
    else:
        left, top = min(item.x1, item.x2), min(item.y1, item.y2)
        boundary = (left, top, max(abs(item.x2 - item.x1), 0.01), max(abs(item.y2 - item.y1), 0.01))
        path = f"M {_box(item.x1 - left, item.y1 - top)} L {_box(item.x2 - left, item.y2 - top)}"
        stroke, fill, line_width = True, False, item.line_width
    node = _element(
        layer,
        "PathObject",
        ID=ids.next(),
        Boundary=_box(*boundary),
        LineWidth=_number(line_width),
        Stroke="true" if stroke else "false",
        Fill="true" if fill else "false",
    )
    if fill:
        _color(node, "FillColor", item.fill)
    if stroke:
        _color(node, "StrokeColor", item.stroke if isinstance(item, OfdRect) else item.color)
    _element(node, "AbbreviatedData", path)


def ofd_render(document: OfdDocument) -> bytes:
    """The document as the bytes of an OFD package (a ZIP)."""
    ids = _Ids()
    font_id = ids.next()
    files: dict[str, bytes] = {}
    images: list[tuple[str, str]] = []  # (resource id, file name)
    page_entries: list[tuple[str, str]] = []
    width, height = document.size_mm

    for index, page in enumerate(document.pages):
        page_id = ids.next()
        content = _root("Page")
        area = _element(content, "Area")
        _element(area, "PhysicalBox", _box(0, 0, *(page.size_mm or (width, height))))
        layer = _element(_element(content, "Content"), "Layer", ID=ids.next(), Type="Body")
        for item in page.items:
            if isinstance(item, OfdText):
                if item.text:
                    _text_object(layer, ids, item, font_id)
            elif isinstance(item, OfdImage):
                resource_id = ids.next()
                name = f"image_{len(images)}.png"
                images.append((resource_id, name))
                files[f"Doc_0/Res/{name}"] = item.png
                _element(
                    layer,
                    "ImageObject",
                    ID=ids.next(),
                    Boundary=_box(item.x, item.y, item.width, item.height),
                    # An image fills the unit square; the CTM scales it to its boundary.
                    CTM=_box(item.width, 0, 0, item.height, 0, 0),
                    ResourceID=resource_id,
                )
            else:
                _path_object(layer, ids, item)
        location = f"Pages/Page_{index}/Content.xml"
        page_entries.append((page_id, location))
        files[f"Doc_0/{location}"] = _xml(content)

    public_res = _root("Res", BaseLoc="Res")
    fonts = _element(public_res, "Fonts")
    font = _element(fonts, "Font", ID=font_id, FontName=CJK_FONT_FAMILY, FamilyName=CJK_FONT_FAMILY)
    _element(font, "FontFile", FONT_FILE_NAME)
    printed = "".join(
        item.text for page in document.pages for item in page.items if isinstance(item, OfdText)
    )
    files["Doc_0/Res/" + FONT_FILE_NAME] = _font_subset(printed)
    files["Doc_0/PublicRes.xml"] = _xml(public_res)

    document_res = _root("Res", BaseLoc="Res")
    if images:
        media = _element(document_res, "MultiMedias")
        for resource_id, name in images:
            node = _element(media, "MultiMedia", ID=resource_id, Type="Image", Format="PNG")
            _element(node, "MediaFile", name)
    files["Doc_0/DocumentRes.xml"] = _xml(document_res)

    doc = _root("Document")
    common = _element(doc, "CommonData")
    _element(common, "MaxUnitID", str(ids.last))
    _element(_element(common, "PageArea"), "PhysicalBox", _box(0, 0, width, height))
    _element(common, "PublicRes", "PublicRes.xml")
    _element(common, "DocumentRes", "DocumentRes.xml")
    pages = _element(doc, "Pages")
    for page_id, location in page_entries:
        _element(pages, "Page", ID=page_id, BaseLoc=location)
    files["Doc_0/Document.xml"] = _xml(doc)

    ofd = _root("OFD", Version="1.0", DocType="OFD")
    body = _element(ofd, "DocBody")
    info = _element(body, "DocInfo")
    _element(info, "DocID", uuid.uuid4().hex)
    _element(info, "Title", document.title)
    _element(info, "Author", document.author)
    _element(info, "Subject", document.subject)
    if document.keywords:
        keywords = _element(info, "Keywords")
        for keyword in document.keywords:
            _element(keywords, "Keyword", keyword)
    _element(info, "CreationDate", document.creation_date.isoformat())
    _element(info, "Creator", "archive-acceptance")
    if document.custom_data:
        custom = _element(info, "CustomDatas")
        for name, value in document.custom_data:
            _element(custom, "CustomData", value, Name=name)
    _element(body, "DocRoot", "Doc_0/Document.xml")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", _xml(ofd))
        for name, data in files.items():
            package.writestr(name, data)
    return buffer.getvalue()


PT = 25.4 / 72  # millimetres per point


class OfdFlow:
    """Pages filled top to bottom the way reportlab's platypus fills a PDF's frame, so an OFD
    mirrors a PDF laid out with it: measures are in points, as there; each first baseline sits
    one font size below its block's top; a block that does not fit starts a new page.

    ``frame`` is (left, top, width, bottom) in points from the page's top left, platypus'
    margins plus its frame padding; ``on_page(flow)`` draws each new page's fixed parts.
    """

    def __init__(self, frame: tuple[float, float, float, float], on_page=None) -> None:
        self.left, self.top, self.width, self.bottom = frame
        self.on_page = on_page
        self.pages: list[OfdPage] = []
        self.y = self.top
        self._new_page()

    @property
    def items(self) -> list:
        return self.pages[-1].items

    def _new_page(self) -> None:
        self.pages.append(OfdPage())
        self.y = self.top
        if self.on_page is not None:
            self.on_page(self)

    def room(self, height: float) -> None:
        if self.y + height > self.bottom and self.y > self.top:
            self._new_page()

    def text(self, x: float, baseline: float, text: str, size: float, color: Rgb = BLACK) -> None:
        self.items.append(OfdText(x * PT, baseline * PT, text, size * PT, color))

    def text_width(self, text: str, size: float) -> float:
        return ofd_text_width(text, size * PT) / PT

    def lines(self, text: str, size: float, width: float) -> list[str]:
        return [line for part in text.split("\n") for line in ofd_wrap(part, size * PT, width * PT)]

    def space(self, height: float) -> None:
        self.y = min(self.y + height, self.bottom)

    def centred(self, text: str, size: float, leading: float, color: Rgb = BLACK) -> None:
        self.room(leading)
        x = self.left + (self.width - self.text_width(text, size)) / 2
        self.text(x, self.y + size, text, size, color)
        self.y += leading

    def paragraph(self, text: str, size: float, leading: float, color: Rgb = BLACK) -> None:
        for line in self.lines(text, size, self.width):
            self.room(leading)
            self.text(self.left, self.y + size, line, size, color)
            self.y += leading

    def table(
        self,
        rows: list[tuple[str, ...]],
        widths: tuple[float, ...],
        *,
        size: float,
        leading: float,
        valign: str = "top",
        padding: tuple[float, float] = (6, 3),
        grid: Rgb = (128, 128, 128),
        grid_width: float = 0.4,
        header_fill: Rgb | None = None,
        header_centred: bool = False,
        repeat_header: bool = False,
        row_minimum: float = 0.0,
    ) -> None:
        """A gridded table centred in the frame, split between rows onto new pages (its first
        row repeated on each when ``repeat_header``); cells sit at the ``top``, ``middle`` or
        ``bottom`` (reportlab's default) of their row; no row is lower than ``row_minimum``."""
        pad_x, pad_y = padding
        left = self.left + (self.width - sum(widths)) / 2
        queue = list(enumerate(rows))
        while queue:
            index, row = queue.pop(0)
            cells = [
                self.lines(cell, size, width - 2 * pad_x)
                for cell, width in zip(row, widths, strict=True)
            ]
            height = max(max(len(lines) for lines in cells) * leading + 2 * pad_y, row_minimum)
            pages = len(self.pages)
            self.room(height)
            if repeat_header and index > 0 and len(self.pages) > pages:
                queue[:0] = [(0, rows[0]), (index, row)]
                continue
            top, x = self.y, left
            header = index == 0 and header_fill is not None
            for lines, width in zip(cells, widths, strict=True):
                if header:
                    self.items.append(
                        OfdRect(x * PT, top * PT, width * PT, height * PT, fill=header_fill)
                    )
                block = len(lines) * leading
                offset = {"top": pad_y, "middle": (height - block) / 2}.get(
                    valign, height - pad_y - block
                )
                for number, line in enumerate(lines):
                    line_x = x + pad_x
                    if header and header_centred:
                        line_x = x + (width - self.text_width(line, size)) / 2
                    self.text(line_x, top + offset + size + number * leading, line, size)
                x += width
            self._grid(left, top, widths, height, grid, grid_width)
            self.y = top + height

    def _grid(self, left, top, widths, height, color: Rgb, width: float) -> None:
        bottom, right = top + height, left + sum(widths)
        for y in (top, bottom):
            self.items.append(OfdLine(left * PT, y * PT, right * PT, y * PT, width * PT, color))
        x = left
        for column in (0, *widths):
            x += column
            self.items.append(OfdLine(x * PT, top * PT, x * PT, bottom * PT, width * PT, color))
