"""Certified extracts on the public verification page (the certificates' page, kind "extract").

An extract is in force until its validity ends; after that the page says it expired, whether it
is looked up by number and code or its file is uploaded.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from certificates.verify import PublicCertificate, VerifiableKind
from workflows.labels import SHANGHAI

from .models import Extract

KIND_LABEL = "城建档案利用证明"
IN_FORCE = "issued"
EXPIRED = "expired"
NOTES = {
    IN_FORCE: ("本证明在有效期内。", "This certified extract is within its validity period."),
    EXPIRED: (
        "本证明已超过有效期，不再作为有效证明；如需使用请重新申请。",
        "This certified extract is past its validity period; request a new one.",
    ),
}
STATUS_LABELS = {IN_FORCE: "有效 in force", EXPIRED: "已过期 expired"}


def public_extract(extract: Extract) -> PublicCertificate:
    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    status = IN_FORCE if today <= extract.valid_until else EXPIRED
    note_zh, note_en = NOTES[status]
    request = extract.request
    return PublicCertificate(
        number=extract.number,
        kind="extract",
        kind_label=f"{KIND_LABEL}（{request.purpose.name_zh}）",
        status=status,
        status_label=STATUS_LABELS[status],
        status_note_zh=note_zh,
        status_note_en=note_en,
        project_name=request.project.name,
        issued_on=timezone.localtime(extract.issued_at, SHANGHAI).date(),
        pdf_sha256=extract.pdf_sha256,
        valid_until=extract.valid_until,
        holder=request.requester_name,
    )


def _extracts():
    return Extract.objects.select_related("request__purpose", "request__project")


def extract_by_number(number: str) -> tuple[PublicCertificate, str] | None:
    extract = _extracts().filter(number__iexact=number).first()
    return (public_extract(extract), extract.verification_code) if extract else None


def extract_by_sha256(sha256: str) -> PublicCertificate | None:
    """The extract whose signed PDF or sealed OFD has this SHA-256."""
    extract = _extracts().filter(Q(pdf_sha256=sha256) | Q(ofd_sha256=sha256)).first()
    return public_extract(extract) if extract else None


EXTRACTS = VerifiableKind(name="extract", lookup=extract_by_number, by_sha256=extract_by_sha256)
