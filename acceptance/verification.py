"""Sealed OFD files of the acceptance domain on the public verification page: signed
commitments (kind "commitment") and four-property reports (kind "property_report").

Neither prints a number with a verification code, so each is found only by its file: the page
answers for the OFD the archive sealed and kept, by its SHA-256.
"""

from __future__ import annotations

from django.utils import timezone

from certificates.verify import PublicCertificate, VerifiableKind
from workflows.labels import SHANGHAI

from .models import Commitment, PropertyCheckReport
from .selectors.property_checks import stage_name, verdict

KIND_LABEL = "容缺受理限时承诺书"
IN_FORCE = "issued"  # the signed text stands whatever became of the promise since
WITHDRAWN = "withdrawn"


def public_commitment(commitment: Commitment) -> PublicCertificate:
    status = WITHDRAWN if commitment.status == Commitment.Status.WITHDRAWN else IN_FORCE
    label = str(commitment.get_status_display())
    label_zh, _, label_en = label.partition(" ")
    if status == WITHDRAWN:
        note = ("本承诺书已撤销，不再作为有效承诺。", "This commitment was withdrawn.")
    else:
        note = (
            f"本承诺书为建设单位签署、本馆加盖电子印章的原件；承诺当前状态：{label_zh}。",
            f"The owner signed this commitment and the archive sealed it; it is now {label_en or label_zh}.",
        )
    return PublicCertificate(
        number=commitment.case.reference,
        kind="commitment",
        kind_label=KIND_LABEL,
        status=status,
        status_label=label,
        status_note_zh=note[0],
        status_note_en=note[1],
        project_name=commitment.case.project.name,
        issued_on=timezone.localtime(commitment.signed_at, SHANGHAI).date(),
        pdf_sha256=commitment.document_sha256,
        holder=commitment.case.project.owner.name,
        holder_role=("建设单位", "Owner"),
    )


def commitment_by_sha256(sha256: str) -> PublicCertificate | None:
    commitment = (
        Commitment.objects.select_related("case__project__owner").filter(ofd_sha256=sha256).first()
    )
    return public_commitment(commitment) if commitment else None


COMMITMENTS = VerifiableKind(
    name="commitment", lookup=lambda number: None, by_sha256=commitment_by_sha256
)


def public_property_report(report: PropertyCheckReport) -> PublicCertificate:
    stage_zh, _stage_en = stage_name(report.stage)
    zh, en = verdict(report)
    return PublicCertificate(
        number=report.subject,
        kind="property_report",
        kind_label=f"电子档案四性检测报告（{stage_zh}）",
        status=IN_FORCE,  # a report states what a check found then; it does not lapse
        status_label="已出具 issued",
        status_note_zh=f"本报告为本馆出具并加盖电子印章的原件。检测结论：{zh}",
        status_note_en=f"Issued and sealed by the archive. Finding: {en}",
        project_name=report.case.project.name if report.case else "—",
        issued_on=timezone.localtime(report.checked_at, SHANGHAI).date(),
        pdf_sha256="",  # the PDF is drawn at each download; the sealed OFD is the kept copy
    )


def property_report_by_sha256(sha256: str) -> PublicCertificate | None:
    reports = PropertyCheckReport.objects.select_related("case__project")
    report = reports.filter(ofd_sha256=sha256).first()
    return public_property_report(report) if report else None


PROPERTY_REPORTS = VerifiableKind(
    name="property_report", lookup=lambda number: None, by_sha256=property_report_by_sha256
)
