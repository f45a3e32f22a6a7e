"""The certified extract (出证): a cover sheet and the approved records' pages, watermarked with the
requester and purpose on every page, signed (PAdES) with the archive's key by the one signer.

The cover prints the number, the verification code and a QR code of the public verification page,
and the validity period; the registry keeps the signed file's SHA-256, which is what the
verification page compares an uploaded file with.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from acceptance.models import FormatKind, Material
from certificates.codes import verification_code_new, verification_code_printed
from certificates.conf import certificate_formats
from certificates.conf import setting as certificate_setting
from certificates.issue import verification_url
from signing.signers import get_signer
from workflows.jobs.outbox import job_enqueue
from workflows.journal import journal_append
from workflows.labels import SHANGHAI

from .models import RENDER_EXTRACT_OFD_TASK, AccessRequest, Extract, ExtractSequence

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "CZ"
IMAGE_FORMATS = {"jpeg", "png", "tiff", "gif", "bmp", "webp"}


def _number(year: int) -> str:
    sequence, _ = ExtractSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=("last_number",))
    return f"{NUMBER_PREFIX}{year}-{sequence.last_number:05d}"


def watermark_text(request: AccessRequest, number: str) -> str:
    return f"仅供 {request.requester_name} {request.purpose.name_zh}使用 · {number}"


def _image_page(path: Path, title: str) -> bytes:
    """One A4 page holding an image (a photo, a drawing's preview) scaled to fit."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from workflows.fonts import reportlab_cjk_font

    image = ImageReader(str(path))
    width, height = image.getSize()
    page = landscape(A4) if width > height else A4
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=page)
    margin = 36
    scale = min((page[0] - 2 * margin) / width, (page[1] - 2 * margin - 20) / height)
    sheet.drawImage(image, margin, margin, width * scale, height * scale)
    sheet.setFont(reportlab_cjk_font(), 9)
    sheet.drawString(margin, page[1] - margin + 8, title)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def _drawing_images(material: Material, folder: Path) -> list[Path]:
    """The drawing's sheets as PNG: the review's previews, rendered here when there are none."""
    from acceptance.selectors.drawings import drawing_preview_dir
    from acceptance.services.drawings import drawing_preview_render

    stored = sorted(drawing_preview_dir(material).glob("*.png"))
    if stored:
        return stored
    drawing_preview_render(material=material)
    return sorted(drawing_preview_dir(material).glob("*.png"))


def record_pages(material: Material, folder: Path) -> tuple[list[bytes], str]:
    """The record as PDF documents (one or more pages each) and how it was included."""
    title = f"{material.catalog_item.code} {material.title or material.original_name}"
    path = Path(material.file.path)
    if material.detected_format == "pdf":
        return [path.read_bytes()], "pages"
    if material.detected_format in IMAGE_FORMATS:
        return [_image_page(path, title)], "image"
    if material.format_kind == FormatKind.DRAWING:
        return [
            _image_page(png, f"{title} · {png.stem}") for png in _drawing_images(material, folder)
        ], "drawing"
    return [], "listed"


@dataclass(frozen=True)
class ExtractCover:
    """What the cover sheet prints, set once for the PDF and the OFD so the two cannot differ."""

    number: str
    facts: list[tuple[str, str]]
    records: list[tuple[str, str, str]]  # code, title, pages (or how to see the record)
    statement: str
    verification_url: str
    issuer: str

    TITLE = "城建档案利用证明"
    SUBTITLE = "Certified extract of construction archives"
    RECORDS_HEADER = ("档号/条目", "档案题名", "页数")

    @property
    def how_to_verify(self) -> str:
        return (
            f"扫描二维码或访问 {self.verification_url}，输入证明编号与验证码核验真伪；"
            "亦可上传本 PDF 或 OFD 文件核验电子签名或电子印章。超过有效期的证明不再作为有效证明。"
        )

    @property
    def issuer_line(self) -> str:
        return f"出具单位：{self.issuer}（电子签章）"


def extract_cover(
    request: AccessRequest, number: str, code: str, issued_at, valid_until, records: list
) -> ExtractCover:
    """The cover's text; ``records`` are (material, page count, how it was included, the partner
    that provided it or "")."""
    issued = timezone.localtime(issued_at, SHANGHAI).date()
    project = request.project
    listed = []
    for material, pages, how, partner in records:
        note = str(pages) if pages else ("见窗口" if how == "listed" else "0")
        title = material.title or material.original_name
        if partner:
            title += f"（由{partner}提供，馆室联动）"
        listed.append((material.catalog_item.code, title, note))
    from_partners = any(partner for *_rest, partner in records)
    return ExtractCover(
        number=number,
        facts=[
            ("证明编号", number),
            ("申请人", f"{request.requester_name}（{request.get_role_display().split(' ')[0]}）"),
            ("利用目的", request.purpose.name_zh),
            ("查档申请", request.reference),
            ("建设项目", f"{project.name}（{project.location}）"),
            ("出具日期", f"{issued:%Y年%m月%d日}"),
            ("有效期至", f"{valid_until:%Y年%m月%d日}"),
            ("验证码", verification_code_printed(code)),
        ],
        records=listed,
        statement=(
            "所附档案页面与本馆馆藏档案一致"
            + ("（注明由合作馆室提供的，与该馆室答复的文件一致）" if from_partners else "")
            + "，仅供上述申请人用于上述利用目的。"
        ),
        verification_url=verification_url(number),
        issuer=certificate_setting("CERTIFICATES_ISSUER_NAME"),
    )


def _cover(cover: ExtractCover) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from certificates.pdf import _QrCode
    from workflows.fonts import reportlab_cjk_font

    font = reportlab_cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey)
    rows = [[Paragraph(k, body), Paragraph(v, body)] for k, v in cover.facts]
    table = Table(rows, colWidths=(30 * mm, 120 * mm))
    table.setStyle(
        TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    listed = [
        [Paragraph(cell, body) for cell in row] for row in (cover.RECORDS_HEADER, *cover.records)
    ]
    record_table = Table(listed, colWidths=(28 * mm, 106 * mm, 16 * mm))
    record_table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    story = [
        Paragraph(cover.TITLE, title),
        Paragraph(cover.SUBTITLE, ParagraphStyle("sub", parent=small, alignment=1)),
        Spacer(1, 8 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph(cover.statement, body),
        Spacer(1, 4 * mm),
        record_table,
        Spacer(1, 6 * mm),
        Table(
            [[_QrCode(cover.verification_url), Paragraph(cover.how_to_verify, body)]],
            colWidths=(36 * mm, 114 * mm),
        ),
        Spacer(1, 6 * mm),
        Paragraph(cover.issuer_line, body),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{cover.TITLE} {cover.number}", author=cover.issuer
    ).build(story)
    return buffer.getvalue()


def _watermark(width: float, height: float, text: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.pdfgen import canvas

    from workflows.fonts import reportlab_cjk_font

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    sheet.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.18))
    size = max(10.0, min(width, height) / 28)
    sheet.setFont(reportlab_cjk_font(), size)
    sheet.saveState()
    sheet.translate(width / 2, height / 2)
    sheet.rotate(35)
    for row in range(-4, 5):
        sheet.drawCentredString(0, row * size * 5, text)
    sheet.restoreState()
    sheet.setFillColor(colors.Color(0.4, 0.1, 0.1, alpha=0.8))
    sheet.setFont(reportlab_cjk_font(), 7)
    sheet.drawString(12, 8, text)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def _assemble(documents: list[bytes], text: str) -> tuple[bytes, int]:
    """One PDF of every page of ``documents``, each page watermarked with ``text``."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    marks: dict[tuple, object] = {}
    for data in documents:
        for page in PdfReader(io.BytesIO(data)).pages:
            size = (float(page.mediabox.width), float(page.mediabox.height))
            if size not in marks:
                marks[size] = PdfReader(io.BytesIO(_watermark(*size, text))).pages[0]
            writer.add_page(page).merge_page(marks[size])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def extract_records(request: AccessRequest) -> list[tuple[Material, list[bytes], str, str]]:
    """The approved records, each as its PDF documents, how it was included and the partner
    archive (馆室联动) whose files stand for it ("" for the archive's own)."""
    from .partners import partner_files_by_record

    approved = request.approved_records.select_related("catalog_item").order_by(
        "catalog_item__code", "pk"
    )
    from_partners = partner_files_by_record(request)
    included = []
    with tempfile.TemporaryDirectory(prefix="access-extract-") as folder:
        for material in approved:
            if material.pk in from_partners:
                # A partner's files stand for the record it holds; each passed the checks.
                files = from_partners[material.pk]
                documents = [
                    _stored_bytes(f.file)
                    for f in files
                    if f.check_report.get("detected_format") == "pdf"
                ]
                how = "pages" if documents else "listed"
                included.append((material, documents, how, files[0].forwarding.partner.name))
            else:
                included.append((material, *record_pages(material, Path(folder)), ""))
    return included


def extract_cover_of(extract: Extract, included) -> ExtractCover:
    counted = [(m, _page_count(docs), how, partner) for m, docs, how, partner in included]
    return extract_cover(
        extract.request,
        extract.number,
        extract.verification_code,
        extract.issued_at,
        extract.valid_until,
        counted,
    )


def extract_issue(*, request: AccessRequest) -> Extract:
    """Make, sign and register the request's extract once; a repeat returns the one issued.

    When the archive issues OFD (``CERTIFICATES_FORMATS``), a job written with the extract makes
    the sealed OFD after the commit, so the year's number lock is not held while it is drawn.
    """
    existing = Extract.objects.filter(request=request).first()
    if existing is not None:
        return existing
    rule = request.rule
    included = extract_records(request)
    with transaction.atomic():
        existing = Extract.objects.filter(request=request).first()
        if existing is not None:
            return existing
        signer = get_signer()
        issued_at = timezone.now()
        year = timezone.localtime(issued_at, SHANGHAI).year
        extract = Extract(
            number=_number(year),
            request=request,
            verification_code=verification_code_new(),
            issued_at=issued_at,
            valid_until=timezone.localtime(issued_at, SHANGHAI).date()
            + timedelta(days=rule.extract_valid_days),
        )
        number = extract.number
        text = watermark_text(request, number)
        pdf, extract.pages = _assemble(
            [
                _cover(extract_cover_of(extract, included)),
                *[d for _m, docs, _h, _p in included for d in docs],
            ],
            text,
        )
        signed = signer.sign(
            pdf, reason=f"出具城建档案利用证明 {number} / certified extract issued"
        )
        extract.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        extract.pdf.save(f"{number}.pdf", ContentFile(signed), save=False)
        extract.save()
        if "ofd" in certificate_formats():
            job_enqueue(RENDER_EXTRACT_OFD_TASK, extract.pk)
        journal_append(
            chain=request.reference,
            kind="access.extract_issued",
            payload={
                "number": number,
                "pdf_sha256": extract.pdf_sha256,
                "pages": extract.pages,
                "records": [m.pk for m, _docs, _how, _partner in included],
                "valid_until": extract.valid_until.isoformat(),
                "watermark": text,
            },
        )
    return extract


def _stored_bytes(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def _page_count(documents: list[bytes]) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(io.BytesIO(d)).pages) for d in documents)
