"""Issuing certificates: gap-free numbering, idempotent issuance, lifecycle changes."""

from __future__ import annotations

import hashlib
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from acceptance.models import Case, Commitment

from .conf import setting
from .exceptions import CertificateRefused
from .models import Certificate, CertificateSequence
from .pdf import CertificateContent, render_certificate_pdf

VERIFICATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
OPINION_FULL = (
    "经审查，该工程竣工档案的各类文件材料基本齐全、完整、准确，符合建设工程文件归档规范的要求，"
    "同意通过竣工档案验收。本意见书经涂改或未加盖本馆印章无效。"
)
OPINION_CONDITIONAL = (
    "经审查，该工程竣工档案的主审要件齐全，同意按容缺受理方式先行通过竣工档案验收。"
    "建设单位已签署限时承诺，须于承诺期限前补交下列容缺材料；逾期未补交的，本意见书中止效力。"
)


def next_certificate_number(year: int) -> str:
    """The next number of ``year``; call inside the issuing transaction so a rollback frees it."""
    CertificateSequence.objects.bulk_create([CertificateSequence(year=year)], ignore_conflicts=True)
    sequence = CertificateSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=("last_number",))
    return setting("CERTIFICATES_NUMBER_PATTERN").format(
        prefix=setting("CERTIFICATES_NUMBER_PREFIX"), year=year, sequence=sequence.last_number
    )


def _verification_code() -> str:
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(8))


def _content(
    case: Case, kind: str, number: str, code: str, commitment: Commitment | None, issued_at
) -> CertificateContent:
    project = case.project
    conditional = kind == Certificate.Kind.CONDITIONAL
    return CertificateContent(
        number=number,
        conditional=conditional,
        project_name=project.name,
        project_location=project.location,
        owner=project.owner.name,
        contractor=project.contractor,
        supervisor=project.supervisor,
        designer=project.designer,
        planning_permit_no=project.planning_permit_no,
        construction_permit_no=project.construction_permit_no,
        floor_area_m2=f"{project.floor_area_m2:,.2f} m²" if project.floor_area_m2 else "",
        structure_type=project.structure_type,
        start_date=project.start_date,
        completion_date=project.completion_date,
        opinion_text=OPINION_CONDITIONAL if conditional else OPINION_FULL,
        tolerated_items=tuple((item.code, item.name_zh) for item in commitment.items.all())
        if conditional and commitment
        else (),
        commitment_deadline=timezone.localtime(commitment.deadline).date()
        if conditional and commitment and commitment.deadline
        else None,
        issued_at=issued_at,
        issuer_name=setting("CERTIFICATES_ISSUER_NAME"),
        verification_code=code,
        verification_url=f"/verify/{number}",
    )


def certificate_issue(*, case: Case, kind: str, issue_key: str) -> Certificate:
    """Issue the certificate for ``issue_key`` once; a repeat returns the one already issued.

    A full certificate is refused while the case has an open commitment. Issuing supersedes the
    case's earlier valid certificates (a conditional one upgraded to full).
    """
    with transaction.atomic():
        existing = Certificate.objects.filter(issue_key=issue_key).first()
        if existing is not None:
            return existing
        commitment = case.commitments.order_by("-pk").first()
        if kind == Certificate.Kind.FULL and case.commitments.open().exists():
            raise CertificateRefused(
                "该案件仍有未履行的承诺，不能签发正式验收意见书",
                "a full certificate cannot be issued while the case has an open commitment",
                case=case.reference,
            )
        if kind == Certificate.Kind.CONDITIONAL and (
            commitment is None or commitment.deadline is None
        ):
            raise CertificateRefused(
                "容缺受理意见书须有已签署的承诺书",
                "a conditional certificate needs a signed commitment",
                case=case.reference,
            )
        issued_at = timezone.now()
        number = next_certificate_number(timezone.localtime(issued_at).year)
        code = _verification_code()
        pdf_bytes = render_certificate_pdf(
            _content(case, kind, number, code, commitment, issued_at)
        )
        previous = list(
            case.certificates.select_for_update().filter(
                status__in=(Certificate.Status.ISSUED, Certificate.Status.SUSPENDED)
            )
        )
        certificate = Certificate(
            number=number,
            case=case,
            kind=kind,
            issue_key=issue_key,
            pdf_sha256=hashlib.sha256(pdf_bytes).hexdigest(),
            verification_code=code,
            issued_at=issued_at,
            supersedes=previous[-1] if previous else None,
        )
        certificate.pdf.save(f"{number}.pdf", ContentFile(pdf_bytes), save=False)
        certificate.save()
        for earlier in previous:
            earlier.supersede()
            earlier.save()
    return certificate


def certificates_suspend(*, case: Case, reason: str) -> list[Certificate]:
    suspended = []
    for certificate in case.certificates.filter(status=Certificate.Status.ISSUED):
        certificate.suspend(reason)
        certificate.save()
        suspended.append(certificate)
    return suspended
