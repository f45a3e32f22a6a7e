"""Suspend, reinstate, supersede, revoke: each legal move journaled, each illegal one refused."""

from __future__ import annotations

import pytest

from certificates.exceptions import CertificateRefused
from certificates.lifecycle import (
    certificate_reinstate,
    certificate_revoke,
    certificate_suspend,
    certificates_suspend,
)
from certificates.models import Certificate
from certificates.verify import certificate_lookup, pdf_verify
from workflows.journal import verify_chain
from workflows.models import JournalEntry

from .helpers import pdf_bytes

ISSUED, SUSPENDED = Certificate.Status.ISSUED, Certificate.Status.SUSPENDED
SUPERSEDED, REVOKED = Certificate.Status.SUPERSEDED, Certificate.Status.REVOKED


def entries(case, prefix: str = "certificate.") -> list[tuple[str, dict, str]]:
    rows = JournalEntry.objects.filter(chain=case.reference, kind__startswith=prefix)
    return [(entry.kind, entry.payload, entry.actor) for entry in rows.order_by("sequence")]


def lookup(certificate: Certificate):
    return certificate_lookup(number=certificate.number, code=certificate.verification_code)


def test_suspend_then_reinstate(world, certificate):
    staff = world.reviewer
    suspended = certificate_suspend(certificate=certificate, reason="承诺逾期", actor=staff)
    assert suspended.status == SUSPENDED and suspended.status_reason == "承诺逾期"
    assert lookup(certificate).status == SUSPENDED
    assert not lookup(certificate).in_force

    reinstated = certificate_reinstate(certificate=certificate, reason="已补交", actor=staff)
    assert reinstated.status == ISSUED
    assert lookup(certificate).in_force
    assert entries(certificate.case)[1:] == [
        ("certificate.suspended", {"number": certificate.number, "status": SUSPENDED, "reason": "承诺逾期"}, "reviewer_cert"),
        ("certificate.reinstated", {"number": certificate.number, "status": ISSUED, "reason": "已补交"}, "reviewer_cert"),
    ]  # fmt: skip
    assert verify_chain(certificate.case.reference).intact


def test_revoking_needs_a_reason_and_is_final(world, certificate):
    with pytest.raises(CertificateRefused, match="reason is required"):
        certificate_revoke(certificate=certificate, reason="  ", actor=world.reviewer)
    revoked = certificate_revoke(certificate=certificate, reason="材料造假", actor=world.reviewer)
    assert revoked.status == REVOKED
    kind, payload, actor = entries(certificate.case)[-1]
    assert (kind, payload["reason"], actor) == ("certificate.revoked", "材料造假", "reviewer_cert")
    for move in (certificate_suspend, certificate_reinstate, certificate_revoke):
        with pytest.raises(CertificateRefused, match="cannot be"):
            move(certificate=certificate, reason="再试一次", actor=world.reviewer)


def test_a_suspended_or_revoked_pdf_stays_downloadable_and_verification_says_so(world, certificate):
    data = pdf_bytes(certificate)
    certificate_suspend(certificate=certificate, reason="承诺逾期")
    report = pdf_verify(pdf_bytes(Certificate.objects.get(pk=certificate.pk)))
    assert report.genuine and not report.in_force
    assert report.certificate.status == SUSPENDED
    assert "中止" in report.certificate.status_note_zh

    certificate_revoke(certificate=certificate, reason="材料造假")
    again = Certificate.objects.get(pk=certificate.pk)
    assert pdf_bytes(again) == data  # the file is never touched
    report = pdf_verify(data)
    assert report.genuine and report.certificate.status == REVOKED
    assert "撤销" in report.certificate.status_note_zh
    assert "revoked" in report.verdict[1]


def test_reinstating_a_valid_certificate_is_refused(certificate):
    with pytest.raises(CertificateRefused, match="cannot be reinstated"):
        certificate_reinstate(certificate=certificate, reason="无")


def test_the_upgraded_full_certificate_supersedes_the_conditional_one(world):
    case = world.case()
    commitment = world.commitment(case)
    conditional = world.issue(case, Certificate.Kind.CONDITIONAL)
    commitment.fulfil()
    commitment.save()
    full = world.issue(case, Certificate.Kind.FULL)

    conditional.refresh_from_db()
    assert conditional.status == SUPERSEDED
    assert full.supersedes == conditional
    assert lookup(conditional).status == SUPERSEDED
    assert lookup(full).in_force
    assert [kind for kind, _, _ in entries(case)] == [
        "certificate.issued",
        "certificate.issued",
        "certificate.superseded",
    ]
    assert entries(case)[-1][1] == {
        "number": conditional.number,
        "status": SUPERSEDED,
        "superseded_by": full.number,
    }


def test_a_suspended_conditional_certificate_is_superseded_by_the_late_upgrade(world):
    case = world.case()
    commitment = world.commitment(case)
    conditional = world.issue(case, Certificate.Kind.CONDITIONAL)
    assert [c.number for c in certificates_suspend(case=case, reason="承诺逾期")] == [
        conditional.number
    ]
    commitment.mark_overdue()
    commitment.fulfil_late()
    commitment.save()
    full = world.issue(case, Certificate.Kind.FULL)
    conditional.refresh_from_db()
    assert (conditional.status, full.status) == (SUPERSEDED, ISSUED)
    kinds = [kind for kind, _, _ in entries(case)]
    assert kinds == [
        "certificate.issued",
        "certificate.suspended",
        "certificate.issued",
        "certificate.superseded",
    ]
