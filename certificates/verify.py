"""Verifying certificates: by number and code, or by the PDF or OFD file itself.

What a verification answers is limited to what the certificate itself prints (number, kind,
project name, issue date) plus its current status and the SHA-256 of the issued PDF. A wrong code
and an unknown number get the same answer, and the code is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone

from signing.validation import SignatureReport, signature_check

from .codes import CODE_LENGTH, verification_code_normalized
from .conf import setting
from .exceptions import UploadRefused
from .models import Certificate

if TYPE_CHECKING:
    from signing.ofd_seal import SealCheck

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
    # Documents valid for a period (a certified extract) print it; certificates have none.
    valid_until: date | None = None
    holder: str = ""
    # Who the holder is to the document, in both languages: a requester of an extract by default.
    holder_role: tuple[str, str] = ("申请人", "Issued to")

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
        values = {
            **asdict(self),
            "issued_on": self.issued_on.isoformat(),
            "in_force": self.in_force,
        }
        del values["holder_role"]  # the page's words for the holder; the answer names the holder
        # A certificate prints no holder or validity: its answer names none.
        for name in ("holder", "valid_until"):
            if not values[name]:
                del values[name]
        if self.valid_until:
            values["valid_until"] = self.valid_until.isoformat()
        return values


@dataclass(frozen=True)
class VerifiableKind:
    """Another app's signed documents, verified on the same public page as certificates.

    ``lookup(number)`` gives ``(public facts, verification code)`` or None; ``by_sha256(hex)``
    the public facts of the document whose signed PDF or sealed OFD has that hash, or None. The facts are a
    :class:`PublicCertificate` (its ``status`` is ``issued`` while the document is in force).
    An app registers its kind from ``AppConfig.ready()``; this app imports none of them.
    """

    name: str
    lookup: Callable[[str], tuple[PublicCertificate, str] | None]
    by_sha256: Callable[[str], PublicCertificate | None]


_verifiable_kinds: dict[str, VerifiableKind] = {}


def register_verifiable(kind: VerifiableKind) -> None:
    _verifiable_kinds[kind.name] = kind


def _other_document(number: str) -> tuple[PublicCertificate, str] | None:
    for kind in _verifiable_kinds.values():
        found = kind.lookup(number)
        if found is not None:
            return found
    return None


def _other_document_by_sha256(sha256: str) -> PublicCertificate | None:
    for kind in _verifiable_kinds.values():
        found = kind.by_sha256(sha256)
        if found is not None:
            return found
    return None


def certificate_lookup(*, number: str, code: str) -> PublicCertificate | None:
    """The certificate with ``number`` if ``code`` is its verification code, else None."""
    number = (number or "").strip()
    typed = verification_code_normalized(code or "")
    certificate = None
    if number and len(number) <= MAX_NUMBER_LENGTH:
        certificate = Certificate.objects.filter(number__iexact=number).first()
    if certificate is not None:
        public, expected = PublicCertificate.of(certificate), certificate.verification_code
    else:
        other = _other_document(number) if number and len(number) <= MAX_NUMBER_LENGTH else None
        public, expected = other if other is not None else (None, _NO_CODE)
    matches = hmac.compare_digest(expected.encode(), typed.encode())
    if public is None or not matches:
        return None
    return public


# -- the PDF file ---------------------------------------------------------------------------------


class RegisteredFile:
    """What a PDF and an OFD report share: the registry's entry for the file's exact hash
    (``certificate``) and the file's own proof (its signature, or its seal), put in one verdict."""

    sha256: str
    size: int
    certificate: PublicCertificate | None
    IN_FORCE: tuple[str, str]
    NOT_VERIFIED: tuple[str, str]

    @property
    def proof_holds(self) -> bool:
        raise NotImplementedError

    @property
    def registered(self) -> bool:
        return self.certificate is not None

    @property
    def genuine(self) -> bool:
        """Issued by the archive and unchanged since: the hash is registered and the proof holds."""
        return self.registered and self.proof_holds

    @property
    def in_force(self) -> bool:
        return self.genuine and self.certificate.in_force

    @property
    def verdict(self) -> tuple[str, str]:
        if self.in_force:
            return self.IN_FORCE
        if self.genuine:
            return (f"文件为本馆签发的原件，但{self.certificate.kind_label}当前状态为“{self.certificate.status_label}”，不作为现行有效文件。",
                    f"Genuine file, but the certificate is {self.certificate.status}: not in force.")  # fmt: skip
        return self.NOT_VERIFIED

    def verdict_dict(self) -> dict:
        zh, en = self.verdict
        return {
            "sha256": self.sha256,
            "size": self.size,
            "registered": self.registered,
            "genuine": self.genuine,
            "in_force": self.in_force,
            "verdict_zh": zh,
            "verdict_en": en,
        }


@dataclass(frozen=True)
class PdfReport(RegisteredFile):
    sha256: str
    size: int
    signature: SignatureReport
    certificate: PublicCertificate | None = None  # the registry's entry with this exact hash

    IN_FORCE = ("真实有效：该文件为本馆签发的原件，未被改动，现行有效。",
                "Genuine and in force: issued by the archive, unchanged, currently valid.")  # fmt: skip
    NOT_VERIFIED = ("核验未通过：该文件不是本馆签发的原件，或签发后已被改动。",
                    "Not verified: this file is not an original issued by the archive, or it was changed after issuance.")  # fmt: skip

    @property
    def proof_holds(self) -> bool:
        return self.signature.ok

    def as_dict(self) -> dict:
        return {
            **self.verdict_dict(),
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
            "该文件不是 PDF 或 OFD 文件，请上传本馆签发的验收意见书 PDF 或 OFD。",
            "This is neither a PDF nor an OFD file; upload the certificate PDF or OFD issued by the archive.",
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
        certificate=PublicCertificate.of(certificate)
        if certificate is not None
        else _other_document_by_sha256(sha256),
    )


def certificate_file_verify(data: bytes, *, limit_size: bool = True) -> PdfReport | OfdReport:
    """A certificate file checked as what it is: an OFD package (its seal) or a PDF (its signature)."""
    if is_ofd(data):
        return ofd_verify(data, limit_size=limit_size)
    return pdf_verify(data, limit_size=limit_size)


def certificate_file_verify_path(path: str | Path) -> PdfReport | OfdReport:
    """:func:`certificate_file_verify` of a local file, of any size (the offline check)."""
    return certificate_file_verify(Path(path).read_bytes(), limit_size=False)


# -- the OFD file ---------------------------------------------------------------------------------

LICENCE_NUMBER = "证照编号"  # the GB/T 36905 element the certificate's OFD names its number by


@dataclass(frozen=True)
class OfdReport(RegisteredFile):
    """An OFD certificate checked offline: its SM2 seal and whether the archive issued this file."""

    sha256: str
    size: int
    seal: SealCheck
    named_number: str = ""  # the number the document's metadata gives
    certificate: PublicCertificate | None = None  # set when the archive stored this very file

    IN_FORCE = ("真实有效：该 OFD 文件为本馆签发并加盖电子印章的原件，未被改动，现行有效。",
                "Genuine and in force: sealed and issued by the archive, unchanged, currently valid.")  # fmt: skip
    NOT_VERIFIED = ("核验未通过：电子印章无效，或该文件不是本馆签发的原件、签发后已被改动。",
                    "Not verified: the seal is invalid, or this file is not an original issued by the archive, or it was changed.")  # fmt: skip

    @property
    def proof_holds(self) -> bool:
        return self.seal.genuine

    def as_dict(self) -> dict:
        seal = self.seal
        return {
            "format": "ofd",
            **self.verdict_dict(),
            "seal": {
                "present": seal.present,
                "files_intact": seal.files_intact,
                "signature_valid": seal.signature_valid,
                "seal_valid": seal.seal_valid,
                "certificate_trusted": seal.certificate_trusted,
                "seal_name": seal.seal_name,
                "sealer": seal.sealer,
                "signed_at": seal.signed_at.isoformat() if seal.signed_at else None,
                "problems": [{"zh": zh, "en": en} for zh, en in seal.problems],
                "ok": seal.genuine,
            },
            "certificate": self.certificate.as_dict() if self.certificate else None,
        }


def is_ofd(data: bytes) -> bool:
    """A ZIP package whose entry point is ``OFD.xml`` (GB/T 33190 §7)."""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "OFD.xml" in package.namelist()
    except zipfile.BadZipFile:
        return False


def _named_number(data: bytes) -> str:
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            root = etree.fromstring(
                package.read("OFD.xml"),
                etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
            )
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError):
        return ""
    for node in root.iter("{*}CustomData"):
        if node.get("Name") == LICENCE_NUMBER:
            return (node.text or "").strip()[:MAX_NUMBER_LENGTH]
    return ""


def _stored_sha256(certificate: Certificate) -> str:
    if not certificate.ofd:
        return ""
    with certificate.ofd.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def ofd_verify(data: bytes, *, limit_size: bool = True) -> OfdReport:
    """Check an OFD (a certificate's, or another registered kind's): its seal offline, and that
    the archive stored this very file."""
    from signing.ofd_seal import ofd_seal_verify, seal_trust_roots

    max_bytes = setting("CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES") if limit_size else None
    if max_bytes is not None:
        refuse_too_large(len(data), max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    number = _named_number(data)
    certificate = Certificate.objects.filter(number=number).first() if number else None
    if certificate is not None and _stored_sha256(certificate) == sha256:
        registered = PublicCertificate.of(certificate)
    else:  # another kind's OFD (a certified extract), registered by its hash
        registered = _other_document_by_sha256(sha256)
    return OfdReport(
        sha256=sha256,
        size=len(data),
        seal=ofd_seal_verify(data, seal_trust_roots()),
        named_number=number,
        certificate=registered,
    )
