"""Validating the archive's signatures: a PDF's PAdES signature and a detached CMS signature,
each against the configured trust roots (pyHanko's validator)."""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from asn1crypto import cms

from .conf import setting

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureReport:
    """pyHanko's judgment of the file's (first) signature against the configured trust roots."""

    present: bool
    intact: bool = False  # the signed bytes are unchanged
    valid: bool = False  # the signature over them is cryptographically sound
    trusted: bool = False  # the signer's certificate chains to a trust root
    covers_whole_file: bool = False  # nothing was appended after signing
    coverage: str = ""
    signer: str = ""
    signed_at: datetime | None = None
    problem_zh: str = ""
    problem_en: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.present and self.intact and self.valid and self.trusted and self.covers_whole_file
        )

    def as_dict(self) -> dict:
        values = asdict(self)
        values["signed_at"] = self.signed_at.isoformat() if self.signed_at else None
        return {**values, "ok": self.ok}


def trust_roots() -> list:
    """The configured trust roots that can be read; missing files are logged and skipped."""
    # pyHanko is imported where it is used: it takes longer to load than Django itself.
    from pyhanko.keys import load_cert_from_pemder

    roots = []
    for path in setting("CERTIFICATES_TRUST_ROOTS") or ():
        try:
            roots.append(load_cert_from_pemder(str(path)))
        except (OSError, ValueError) as exc:
            logger.warning("Certificate trust root %s cannot be read: %s", path, exc)
    return roots


def detached_signature_problem(data: bytes, signature: bytes, roots=None) -> str | None:
    """None when ``signature`` is a valid, trusted detached CMS signature over ``data``."""
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    roots = trust_roots() if roots is None else roots
    try:
        content = cms.ContentInfo.load(signature)
        status = asyncio.run(
            async_validate_detached_cms(
                data, content["content"], ValidationContext(trust_roots=roots)
            )
        )
    except Exception as exc:  # any damage to the signature makes it invalid
        logger.info("detached signature could not be validated: %r", exc)
        return "签名已损坏，无法验证 / the signature is damaged and cannot be validated"
    if not (status.intact and status.valid):
        return "内容在签名后被改动，或签名值不正确 / the content was changed after signing"
    if not status.trusted:
        return "签名证书不属于信任根 / the signing certificate does not chain to a trust root"
    return None


def signature_check(data: bytes) -> SignatureReport:
    """Validate the PDF's first signature (the archive signs once) with pyHanko."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
    except Exception as exc:  # pyHanko raises several kinds on a damaged file
        logger.info("PDF could not be parsed for signatures: %r", exc)
        return SignatureReport(
            present=False,
            problem_zh="文件无法按 PDF 解析，可能已损坏或被改动。",
            problem_en="The file cannot be parsed as a PDF; it may be damaged or altered.",
        )
    if not signatures:
        return SignatureReport(
            present=False,
            problem_zh="文件中没有电子签名。",
            problem_en="The file carries no digital signature.",
        )
    roots = trust_roots()
    try:
        status = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=roots))
    except Exception as exc:  # a signature too damaged to evaluate is an invalid one
        logger.info("PDF signature could not be validated: %r", exc)
        return SignatureReport(
            present=True,
            problem_zh="电子签名已损坏，无法验证。",
            problem_en="The digital signature is damaged and cannot be validated.",
        )
    covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem_zh = problem_en = ""
    if not (status.intact and status.valid):
        problem_zh, problem_en = (
            "签名后文件内容被改动，或签名值不正确。",
            "The content was changed after signing, or the signature value is wrong.",
        )
    elif not status.trusted:
        problem_zh, problem_en = (
            "签名证书不属于本馆配置的信任根。" if roots else "本系统未配置信任根，无法确认签名者。",
            "The signing certificate does not chain to the archive's trust roots."
            if roots
            else "No trust roots are configured, so the signer cannot be confirmed.",
        )
    elif not covers_whole_file:
        problem_zh, problem_en = (
            "签名之后文件被追加了内容。",
            "Content was appended to the file after it was signed.",
        )
    return SignatureReport(
        present=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        covers_whole_file=covers_whole_file,
        coverage=status.coverage.name if status.coverage is not None else "",
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
        problem_zh=problem_zh,
        problem_en=problem_en,
    )
