"""Issuing certificates: gap-free numbering, idempotent issuance, the signed PDF.

The domain decides when a certificate may be issued and hands over what it prints
(:class:`CertificateFacts`); this module numbers, renders, signs, stores and journals it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from signing.signers import get_signer
from workflows.digests import digest_bytes
from workflows.jobs.outbox import job_enqueue
from workflows.journal import journal_append

from .codes import verification_code_new, verification_code_printed
from .conf import certificate_formats, setting
from .exceptions import CertificateRefused
from .lifecycle import certificate_supersede
from .models import RENDER_OFD_TASK, Certificate, CertificateSequence
from .opinions import opinion_text

if TYPE_CHECKING:
    from .pdf import CertificateContent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateFacts:
    """What the domain hands over to be printed: the project, its parties, and for a conditional
    certificate the tolerated items and the commitment's deadline."""

    project_name: str
    project_location: str
    owner: str  # 建设单位
    contractor: str  # 施工单位
    supervisor: str  # 监理单位
    designer: str  # 设计单位
    planning_permit_no: str
    construction_permit_no: str
    floor_area_m2: str  # already formatted, may be ""
    structure_type: str
    start_date: date | None
    completion_date: date | None
    tolerated_items: tuple[tuple[str, str], ...] = ()  # (catalog code, Chinese name)
    commitment_deadline: datetime | None = None


def _sequence_locked(year: int) -> CertificateSequence:
    """The year's counter, locked until the transaction ends: issuance is serialized per year."""
    CertificateSequence.objects.bulk_create([CertificateSequence(year=year)], ignore_conflicts=True)
    return CertificateSequence.objects.select_for_update().get(year=year)


def _number(year: int, sequence: int) -> str:
    return setting("CERTIFICATES_NUMBER_PATTERN").format(
        prefix=setting("CERTIFICATES_NUMBER_PREFIX"), year=year, sequence=sequence
    )


def next_certificate_number(year: int) -> str:
    """The next number of ``year``; call inside the issuing transaction so a rollback frees it."""
    sequence = _sequence_locked(year)
    sequence.last_number += 1
    sequence.save(update_fields=("last_number",))
    return _number(year, sequence.last_number)


def verification_url(number: str) -> str:
    """The public verification page of ``number``: printed and held by the QR code."""
    return f"{setting('CERTIFICATES_VERIFY_BASE_URL').rstrip('/')}/{quote(number, safe='')}/"


def _content(
    facts: CertificateFacts, kind: str, number: str, code: str, issued_at: datetime
) -> CertificateContent:
    from .pdf import CERTIFICATE_TIME_ZONE, CertificateContent, format_chinese_date

    conditional = kind == Certificate.Kind.CONDITIONAL
    deadline = (
        timezone.localtime(facts.commitment_deadline, CERTIFICATE_TIME_ZONE).date()
        if conditional and facts.commitment_deadline
        else None
    )
    issuer_name = setting("CERTIFICATES_ISSUER_NAME")
    opinion = opinion_text(
        kind,
        {
            "project_name": facts.project_name,
            "owner": facts.owner,
            "issuer_name": issuer_name,
            "commitment_deadline": format_chinese_date(deadline),
        },
    )
    return CertificateContent(
        number=number,
        conditional=conditional,
        project_name=facts.project_name,
        project_location=facts.project_location,
        owner=facts.owner,
        contractor=facts.contractor,
        supervisor=facts.supervisor,
        designer=facts.designer,
        planning_permit_no=facts.planning_permit_no,
        construction_permit_no=facts.construction_permit_no,
        floor_area_m2=facts.floor_area_m2,
        structure_type=facts.structure_type,
        start_date=facts.start_date,
        completion_date=facts.completion_date,
        opinion_text=opinion,
        tolerated_items=facts.tolerated_items if conditional else (),
        commitment_deadline=deadline,
        issued_at=issued_at,
        issuer_name=issuer_name,
        verification_code=verification_code_printed(code),
        verification_url=verification_url(number),
    )


def _refuse_if_illegal(kind: str, facts: CertificateFacts, journal_chain: str) -> None:
    if kind == Certificate.Kind.CONDITIONAL and facts.commitment_deadline is None:
        raise CertificateRefused(
            "容缺受理意见书须有已签署的承诺书",
            "a conditional certificate needs a signed commitment",
            case=journal_chain,
        )


def _store_file(certificate: Certificate, field_name: str, data: bytes, extension: str) -> None:
    field = getattr(certificate, field_name)
    file_name = f"{certificate.number}.{extension}"
    name = field.field.generate_filename(certificate, file_name)
    # We hold this number's lock and no committed certificate has it, so a file under its name was
    # left by an issuance that wrote the file and then died or rolled back: it is no evidence.
    if field.storage.exists(name) and not Certificate.objects.filter(**{field_name: name}).exists():
        logger.warning("Removing %s, left by an issuance that did not commit", name)
        field.storage.delete(name)
    field.save(file_name, ContentFile(data), save=False)


def certificate_issued(issue_key: str) -> Certificate | None:
    """The certificate already issued for ``issue_key``, if any."""
    return Certificate.objects.filter(issue_key=issue_key).first()


def certificate_issue(
    *,
    case,
    journal_chain: str,
    kind: str,
    issue_key: str,
    facts: CertificateFacts,
    actor=None,
) -> Certificate:
    """Issue and sign the certificate for ``issue_key`` once; a repeat returns the one issued.

    ``case`` is the subject (an instance of ``CERTIFICATES_SUBJECT_MODEL``), ``facts`` what the
    certificate prints, ``journal_chain`` the journal its life is written to. A conditional
    certificate is refused without a commitment deadline. Issuing supersedes the subject's earlier
    valid or suspended certificates (a conditional one upgraded to full). The year's number
    counter stays locked while the PDF is rendered and signed, so numbers are gap-free and
    concurrent issuances queue; a rollback (or a worker that dies) frees the number.
    """
    # Here, where used: the PDF's reportlab takes longer to load than Django itself.
    from .pdf import CERTIFICATE_TIME_ZONE, render_certificate_pdf

    with transaction.atomic():
        existing = certificate_issued(issue_key)
        if existing is not None:
            return existing
        _refuse_if_illegal(kind, facts, journal_chain)
        signer = get_signer()
        issued_at = timezone.now()
        year = timezone.localtime(issued_at, CERTIFICATE_TIME_ZONE).year
        sequence = _sequence_locked(year)
        # Asked again under the lock: a duplicate delivery of the same job may have committed.
        existing = certificate_issued(issue_key)
        if existing is not None:
            return existing
        sequence.last_number += 1
        sequence.save(update_fields=("last_number",))
        number = _number(year, sequence.last_number)
        code = verification_code_new()
        content = _content(facts, kind, number, code, issued_at)
        pdf = render_certificate_pdf(content)
        signed = signer.sign(
            pdf, reason=f"签发建设工程竣工档案验收意见书 {number} / certificate issued"
        )
        previous = list(
            Certificate.objects.select_for_update()
            .filter(case=case)
            .filter(status__in=(Certificate.Status.ISSUED, Certificate.Status.SUSPENDED))
            .order_by("issued_at", "pk")
        )
        certificate = Certificate(
            number=number,
            case=case,
            project_name=facts.project_name,
            journal_chain=journal_chain,
            kind=kind,
            issue_key=issue_key,
            pdf_sha256=hashlib.sha256(signed).hexdigest(),
            verification_code=code,
            issued_at=issued_at,
            supersedes=previous[-1] if previous else None,
        )
        _store_file(certificate, "pdf", signed, "pdf")
        certificate.save()
        if "ofd" in certificate_formats():
            # Rendered and sealed after the commit (~1 s) so the year's number lock is not held
            # for it; the job row commits with the certificate, so no certificate lacks its OFD.
            job_enqueue(RENDER_OFD_TASK, certificate.pk, content.as_json())
        journal_append(
            chain=journal_chain,
            kind="certificate.issued",
            actor=actor,
            payload={
                "number": number,
                "kind": kind,
                "issue_key": issue_key,
                "pdf_sha256": certificate.pdf_sha256,
                # The fixity digest under the archive's algorithm (SM3 or SHA-256, labelled):
                # the package's check of the certificate file. pdf_sha256 stays the registry's
                # lookup key for an uploaded file.
                "pdf_digest": digest_bytes(signed),
                "supersedes": previous[-1].number if previous else None,
            },
        )
        for earlier in previous:
            certificate_supersede(certificate=earlier, by=certificate, actor=actor)
    return certificate


def certificate_ofd_store(*, certificate: Certificate, content: CertificateContent) -> None:
    """Render, seal and store the certificate's OFD unless it is there (a repeated job)."""
    from .ofd import sealed_certificate_ofd

    if certificate.ofd:
        return
    ofd = sealed_certificate_ofd(content)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.ofd:
            return
        _store_file(locked, "ofd", ofd, "ofd")
        locked.save(update_fields=("ofd",))
