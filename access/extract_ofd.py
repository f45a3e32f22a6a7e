"""The certified extract (出证) as an OFD document (GB/T 33190), beside its signed PDF.

The same pages as the PDF in the same places: the cover sheet laid out where reportlab's platypus
sets the PDF's cover (A4, one-inch margins, its tables, paragraphs and spacers, measured in points
here as there), then every page of the approved records as an image of that page, and on every
page the watermark naming the requester and purpose. The archive's SM2 seal (GB/T 38540) is
stamped over the issuer's line on the cover by the one sealing service, :mod:`signing.ofd_seal`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from django.utils import timezone

from workflows.documents import document_keep_once
from workflows.labels import SHANGHAI
from workflows.ofd import (
    OfdDocument,
    OfdFlow,
    OfdImage,
    OfdPage,
    OfdText,
    ofd_render,
    ofd_text_width,
)

from .extracts import ExtractCover, extract_cover_of, extract_records, watermark_text
from .models import Extract

__all__ = ["extract_ofd_store", "render_extract_ofd", "sealed_extract_ofd"]

PT = 25.4 / 72  # the PDF counts points; OFD counts millimetres
MM = 72 / 25.4  # points per millimetre
PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898  # A4 in points, as reportlab's
FRAME_LEFT = FRAME_TOP = 72 + 6  # platypus: one-inch margins, six points of frame padding
FRAME_WIDTH = PAGE_WIDTH - 2 * 78
FRAME_BOTTOM = PAGE_HEIGHT - 78
CELL_PAD_X, CELL_PAD_Y = 6, 3  # a table cell's default padding
BODY, BODY_LEADING = 10.5, 16
GREY = (128, 128, 128)  # reportlab's colors.grey
QR_SIZE = 22 * MM
SEAL_MM = 40.0
RENDER_DPI = 150  # record pages as images: sharp enough to read a drawing's title block

# The PDF's watermark is drawn at 18 % opacity; OFD readers that ignore a graphic's Alpha would
# print it solid, so the colour is the one the PDF shows over white paper.
WATERMARK_COLOR = (243, 214, 214)
WATERMARK_FOOT_COLOR = (133, 71, 71)  # the PDF's foot line, 80 % over white
WATERMARK_ANGLE = 35


def _mm(value: float) -> float:
    return value * PT


def _cover_flow() -> OfdFlow:
    return OfdFlow((FRAME_LEFT, FRAME_TOP, FRAME_WIDTH, FRAME_BOTTOM))


def _qr_and_instructions(cover: OfdFlow, content: ExtractCover) -> None:
    from certificates.ofd import _qr_png

    widths = (36 * MM, 114 * MM)
    lines = cover.lines(content.how_to_verify, BODY, widths[1] - 2 * CELL_PAD_X)
    height = max(QR_SIZE, len(lines) * BODY_LEADING) + 2 * CELL_PAD_Y
    cover.room(height)
    left = FRAME_LEFT + (FRAME_WIDTH - sum(widths)) / 2
    bottom = cover.y + height - CELL_PAD_Y  # both cells sit at the bottom of the row
    qr_top = bottom - QR_SIZE
    cover.items.append(
        OfdImage(
            _mm(left + CELL_PAD_X),
            _mm(qr_top),
            _mm(QR_SIZE),
            _mm(QR_SIZE),
            _qr_png(content.verification_url),
        )
    )
    first = bottom - len(lines) * BODY_LEADING + BODY
    for index, line in enumerate(lines):
        cover.text(left + widths[0] + CELL_PAD_X, first + index * BODY_LEADING, line, BODY)
    cover.y += height


def _cover_pages(content: ExtractCover) -> tuple[list[OfdPage], tuple[float, float, float, float]]:
    """The cover's pages, and where the seal goes: over the issuer's name on its last page."""
    cover = _cover_flow()
    cover.centred(content.TITLE, 18, 26)
    cover.centred(content.SUBTITLE, 8.5, 12, GREY)
    cover.space(8 * MM)
    body = {"size": BODY, "leading": BODY_LEADING}
    cover.table(content.facts, (30 * MM, 120 * MM), valign="top", **body)
    cover.space(6 * MM)
    cover.paragraph(content.statement, **body)
    cover.space(4 * MM)
    records = [content.RECORDS_HEADER, *content.records]
    cover.table(records, (28 * MM, 106 * MM, 16 * MM), valign="bottom", **body)
    cover.space(6 * MM)
    _qr_and_instructions(cover, content)
    cover.space(6 * MM)
    cover.room(BODY_LEADING)
    baseline = cover.y + BODY
    cover.paragraph(content.issuer_line, **body)
    before = ofd_text_width("出具单位：", _mm(BODY))
    name = ofd_text_width(content.issuer, _mm(BODY))
    centre_x = _mm(FRAME_LEFT) + before + name / 2
    seal = (centre_x - SEAL_MM / 2, _mm(baseline) - 1.5 - SEAL_MM / 2, SEAL_MM, SEAL_MM)
    return cover.pages, seal


def _watermark(width: float, height: float, text: str) -> list[OfdText]:
    """The PDF's watermark on a page of ``width`` x ``height`` points: nine slanted rows through
    the centre, cut to the page, and the text again small at the foot."""
    size = max(10.0, min(width, height) / 28)
    cos, sin = math.cos(math.radians(WATERMARK_ANGLE)), math.sin(math.radians(WATERMARK_ANGLE))
    advances = [ofd_text_width(char, _mm(size)) * MM for char in text]
    items = []
    for row in range(-4, 5):
        # reportlab rotates the axes by 35° about the centre; y grows downwards here.
        centre_x = width / 2 - row * size * 5 * sin
        centre_y = height / 2 - row * size * 5 * cos
        start = sum(advances) / 2
        along, visible = -start, []
        for char, advance in zip(text, advances, strict=True):
            x, y = centre_x + along * cos, centre_y - along * sin
            end_x, end_y = x + advance * cos, y - advance * sin
            if min(x, end_x) >= 0 and max(x, end_x) <= width and size <= min(y, end_y) <= height:
                visible.append((char, x, y))
            along += advance
        if visible:
            (_char, x, y), chars = visible[0], "".join(char for char, _x, _y in visible)
            items.append(
                OfdText(_mm(x), _mm(y), chars, _mm(size), WATERMARK_COLOR, angle=WATERMARK_ANGLE)
            )
    items.append(OfdText(_mm(12), _mm(height - 8), text, _mm(7), WATERMARK_FOOT_COLOR))
    return items


def _record_pages(documents: list[bytes]) -> list[OfdPage]:
    """Every page of the records' PDFs as an image of that page, at its own size."""
    import pypdfium2

    pages = []
    for data in documents:
        document = pypdfium2.PdfDocument(data)
        try:
            for page in document:
                image = page.render(scale=RENDER_DPI / 72).to_pil()
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=True)
                width, height = image.width * 72 / RENDER_DPI, image.height * 72 / RENDER_DPI
                item = OfdImage(0, 0, _mm(width), _mm(height), buffer.getvalue())
                pages.append(OfdPage(items=[item], size_mm=(_mm(width), _mm(height))))
        finally:
            document.close()
    return pages


def _custom_data(content: ExtractCover, holder: str, issued_on, valid_until) -> tuple:
    """The extract's elements under the names GB/T 36905 gives an e-licence's data items."""
    return (
        ("证照类型名称", content.TITLE),
        ("证照编号", content.number),
        ("持证主体", holder),
        ("证照颁发机构", content.issuer),
        ("证照颁发日期", issued_on.isoformat()),
        ("有效期起始日期", issued_on.isoformat()),
        ("有效期截止日期", valid_until.isoformat()),
        ("验证网址", content.verification_url),
    )


@dataclass(frozen=True)
class ExtractOfd:
    data: bytes
    seal_page: int
    seal_boundary: tuple[float, float, float, float]


def render_extract_ofd(
    content: ExtractCover,
    documents: list[bytes],
    *,
    watermark: str,
    holder: str,
    issued_on,
    valid_until,
) -> ExtractOfd:
    """The extract as OFD: the cover, then ``documents``' pages, each page watermarked."""
    cover, seal = _cover_pages(content)
    for page in cover:
        # Under the text: the PDF's translucent watermark lets the text show through; an
        # opaque pale one drawn over the text would cover its strokes.
        page.items[:0] = _watermark(PAGE_WIDTH, PAGE_HEIGHT, watermark)
    records = _record_pages(documents)
    for page in records:  # over the page's image, as on the PDF's page
        width, height = page.size_mm
        page.items.extend(_watermark(width * MM, height * MM, watermark))
    pages = [*cover, *records]
    data = ofd_render(
        OfdDocument(
            title=f"{content.TITLE} {content.number}",
            author=content.issuer,
            subject=content.number,
            creation_date=issued_on,
            pages=pages,
            custom_data=_custom_data(content, holder, issued_on, valid_until),
            keywords=(content.number, holder),
        )
    )
    return ExtractOfd(data=data, seal_page=len(cover) - 1, seal_boundary=seal)


def sealed_extract_ofd(content: ExtractCover, documents: list[bytes], **facts) -> bytes:
    """:func:`render_extract_ofd` with the archive's SM2 seal over the issuer on the cover."""
    from signing.ofd_seal import ofd_seal_apply

    rendered = render_extract_ofd(content, documents, **facts)
    return ofd_seal_apply(rendered.data, boundary=rendered.seal_boundary, page=rendered.seal_page)


def extract_ofd_store(*, extract: Extract) -> None:
    """Render, seal and store the extract's OFD unless it is there (a repeated job)."""
    if extract.ofd:
        return
    request = extract.request
    included = extract_records(request)
    ofd = sealed_extract_ofd(
        extract_cover_of(extract, included),
        [d for _m, docs, _h, _p in included for d in docs],
        watermark=watermark_text(request, extract.number),
        holder=request.requester_name,
        issued_on=timezone.localtime(extract.issued_at, SHANGHAI).date(),
        valid_until=extract.valid_until,
    )
    document_keep_once(
        extract,
        ofd,
        name=f"{extract.number}.ofd",
        chain=request.reference,
        kind="access.extract_ofd_sealed",
        payload={"number": extract.number},
    )
