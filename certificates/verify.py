"""Verifying certificates: by number and code, or by the PDF file itself.

What a verification answers is limited to what the certificate itself prints (number, kind,
project name, issue date) plus its current status and the SHA-256 of the issued PDF. A wrong code
and an unknown number get the same answer, and the code is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone

from signing.validation import SignatureReport, signature_check

from .codes import CODE_LENGTH, verification_code_normalized
from .conf import setting
from .exceptions import UploadRefused
from .models import Certificate

MAX_NUMBER_LENGTH = Certificate._meta.get_field("number").max_length
# Compared against when the number is unknown, so that case costs what a wrong code costs.
_NO_CODE = "\0" * CODE_LENGTH
PDF_HEADER_WINDOW = 1024  # readers accept the %PDF- header anywhere in the first 1 KiB

STATUS_NOTES = {
    Certificate.Status.ISSUED: ("本意见书现行有效。", "This certificate is in force."),
    Certificate.Status.SUPERSEDED: (
        "本意见书已被换发的新意见书替代，不再作为现行有效文件。",
        "This certificate was superseded by a newer one and is no longer in force.",
    ),
    Certificate.Status.SUSPENDED: (
        "本意见书效力已中止（如承诺逾期未履行），中止期间不作为有效文件。",
        "This certificate is suspended (e.g. an overdue commitment) and not in force meanwhile.",
    ),
    Certificate.Status.REVOKED: (
        "本意见书已被撤销，自撤销之日起无效。",
        "This certificate has been revoked and is void.",
    ),
}
NOT_FOUND = (
    "未找到与该编号和验证码相符的验收意见书，请核对后重试。",
    "No certificate matches this number and verification code; check both and try again.",
)


@dataclass(frozen=True)
class PublicCertificate:
    """What anyone holding the certificate may learn about it."""

    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    status_note_zh: str
    status_note_en: str
    project_name: str
    issued_on: date  # in Asia/Shanghai, as printed
    pdf_sha256: str

    @property
    def in_force(self) -> bool:
        return self.status == Certificate.Status.ISSUED

    @classmethod
    def of(cls, certificate: Certificate) -> PublicCertificate:
        from .pdf import CERTIFICATE_TIME_ZONE  # the PDF module loads reportlab

        note_zh, note_en = STATUS_NOTES[certificate.status]
        return cls(
            number=certificate.number,
            kind=certificate.kind,
            kind_label=str(certificate.get_kind_display()),
            status=certificate.status,
            status_label=str(certificate.get_status_display()),
            status_note_zh=note_zh,
            status_note_en=note_en,
            project_name=certificate.project_name,
            issued_on=timezone.localtime(certificate.issued_at, CERTIFICATE_TIME_ZONE).date(),
            pdf_sha256=certificate.pdf_sha256,
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "issued_on": self.issued_on.isoformat(), "in_force": self.in_force}


def certificate_lookup(*, number: str, code: str) -> PublicCertificate | None:
    """The certificate with ``number`` if ``code`` is its verification code, else None."""
    number = (number or "").strip()
    typed = verification_code_normalized(code or "")
    certificate = None
    if number and len(number) <= MAX_NUMBER_LENGTH:
        certificate = Certificate.objects.filter(number__iexact=number).first()
    expected = certificate.verification_code if certificate is not None else _NO_CODE
    matches = hmac.compare_digest(expected.encode(), typed.encode())
    if certificate is None or not matches:
        return None
    return PublicCertificate.of(certificate)


# -- the PDF file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfReport:
    sha256: str
    size: int
    signature: SignatureReport
    certificate: PublicCertificate | None = None  # the registry's entry with this exact hash

    @property
    def registered(self) -> bool:
        return self.certificate is not None

    @property
    def genuine(self) -> bool:
        """Issued by the archive and unchanged since: the hash is registered and the signature holds."""
        return self.registered and self.signature.ok

    @property
    def in_force(self) -> bool:
        return self.genuine and self.certificate.in_force

    @property
    def verdict(self) -> tuple[str, str]:
        if self.in_force:
            return ("真实有效：该文件为本馆签发的原件，未被改动，现行有效。",
                    "Genuine and in force: issued by the archive, unchanged, currently valid.")  # fmt: skip
        if self.genuine:
            return (f"文件为本馆签发的原件，但意见书当前状态为“{self.certificate.status_label}”，不作为现行有效文件。",
                    f"Genuine file, but the certificate is {self.certificate.status}: not in force.")  # fmt: skip
        return ("核验未通过：该文件不是本馆签发的原件，或签发后已被改动。",
                "Not verified: this file is not an original issued by the archive, or it was changed after issuance.")  # fmt: skip

    def as_dict(self) -> dict:
        zh, en = self.verdict
        return {
            "sha256": self.sha256,
            "size": self.size,
            "registered": self.registered,
            "genuine": self.genuine,
            "in_force": self.in_force,
            "verdict_zh": zh,
            "verdict_en": en,
            "signature": self.signature.as_dict(),
            "certificate": self.certificate.as_dict() if self.certificate else None,
        }


def size_label(size: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


def too_large(max_bytes: int) -> UploadRefused:
    return UploadRefused(
        f"文件过大：验收意见书 PDF 不超过 {size_label(max_bytes)}。",
        f"The file is too large: a certificate PDF is at most {size_label(max_bytes)}.",
        max_bytes=max_bytes,
    )


def refuse_too_large(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise too_large(max_bytes)


def refuse_unless_pdf(data: bytes, *, max_bytes: int | None) -> None:
    if max_bytes is not None:
        refuse_too_large(len(data), max_bytes)
    if not data:
        raise UploadRefused("文件为空，请选择验收意见书 PDF 文件。", "The file is empty; choose the certificate's PDF file.")  # fmt: skip
    if b"%PDF-" not in data[:PDF_HEADER_WINDOW]:
        raise UploadRefused(
            "该文件不是 PDF 文件，请上传本馆签发的验收意见书 PDF。",
            "This is not a PDF file; upload the certificate PDF issued by the archive.",
        )


def pdf_verify(data: bytes, *, limit_size: bool = True) -> PdfReport:
    """Check a certificate file: its SHA-256 against the registry and its signature.

    Raises :class:`UploadRefused` for an empty or non-PDF file, or one larger than
    ``CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES`` unless ``limit_size`` is false.
    """
    max_bytes = setting("CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES") if limit_size else None
    refuse_unless_pdf(data, max_bytes=max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    certificate = Certificate.objects.filter(pdf_sha256=sha256).first()
    return PdfReport(
        sha256=sha256,
        size=len(data),
        signature=signature_check(data),
        certificate=PublicCertificate.of(certificate) if certificate is not None else None,
    )


def pdf_verify_file(path: str | Path) -> PdfReport:
    """:func:`pdf_verify` of a local file, of any size (the offline check)."""
    return pdf_verify(Path(path).read_bytes(), limit_size=False)
