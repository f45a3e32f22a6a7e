"""The case's acceptance certificate: what it prints and when it may be issued, handed to
``certificates`` (which numbers, renders, signs and journals it)."""

from __future__ import annotations

from django.db import transaction

from certificates.exceptions import CertificateRefused
from certificates.issue import CertificateFacts, certificate_issue, certificate_issued
from certificates.models import Certificate

from ..models import Case, Commitment


def certificate_facts(case: Case, commitment: Commitment | None) -> CertificateFacts:
    """What the case's certificate prints: its project and, when conditional, the commitment."""
    project = case.project
    return CertificateFacts(
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
        tolerated_items=tuple((item.code, item.name_zh) for item in commitment.items.all())
        if commitment
        else (),
        commitment_deadline=commitment.deadline if commitment else None,
    )


def case_certificate_issue(*, case: Case, kind: str, issue_key: str, actor=None) -> Certificate:
    """Issue the case's certificate of ``kind`` once per ``issue_key``; a repeat returns it.

    A full certificate is refused while the case has an open commitment; a conditional one prints
    the case's latest commitment.
    """
    with transaction.atomic():
        existing = certificate_issued(issue_key)
        if existing is not None:
            return existing
        if kind == Certificate.Kind.FULL and case.commitments.open().exists():
            raise CertificateRefused(
                "该案件仍有未履行的承诺，不能签发正式验收意见书",
                "a full certificate cannot be issued while the case has an open commitment",
                case=case.reference,
            )
        commitment = (
            case.commitments.order_by("-pk").first()
            if kind == Certificate.Kind.CONDITIONAL
            else None
        )
        return certificate_issue(
            case=case,
            journal_chain=case.reference,
            kind=kind,
            issue_key=issue_key,
            facts=certificate_facts(case, commitment),
            actor=actor,
        )
