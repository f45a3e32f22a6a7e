"""Issuance: what the certificate says, that it is signed, and that it is issued only once."""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path
from uuid import uuid4

import pytest
from django.db import transaction
from pypdf import PdfReader

from acceptance.demo import PROJECT_NAME
from acceptance.handlers import issue_certificate
from acceptance.services.certificates import case_certificate_issue
from certificates.exceptions import CertificateRefused
from certificates.issue import verification_url
from certificates.models import Certificate, CertificateSequence, OpinionTemplate
from certificates.pdf import CERTIFICATE_TIME_ZONE
from certificates.verify import pdf_verify
from signing.exceptions import SigningNotConfigured
from workflows.models import JournalEntry, ProcessInstance
from workflows.services import ServiceCall

from .helpers import pdf_bytes, pdf_text
from .test_pdf import dark_pixel_share, rasterize

FULL, CONDITIONAL = Certificate.Kind.FULL, Certificate.Kind.CONDITIONAL


def journal(case, kind: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(chain=case.reference, kind=kind).order_by("sequence"))


def test_a_certificate_is_numbered_signed_registered_and_journaled(world, certificate):
    year = certificate.issued_at.year
    assert certificate.number == f"JGYS{year}-00001"
    data = pdf_bytes(certificate)
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    assert Path(certificate.pdf.path).name == f"{certificate.number}.pdf"
    report = pdf_verify(data)
    assert report.signature.ok and report.in_force
    assert report.certificate.number == certificate.number
    (entry,) = journal(certificate.case, "certificate.issued")
    assert entry.payload["number"] == certificate.number
    assert entry.payload["pdf_sha256"] == certificate.pdf_sha256
    assert entry.payload["pdf_digest"] == certificate.pdf_sha256  # SHA-256, the default
    assert entry.actor == "system"


def test_under_sm3_the_journal_keeps_the_pdfs_sm3_digest_beside_its_lookup_sha256(world, settings):
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    certificate = world.issue(world.case())
    (entry,) = journal(certificate.case, "certificate.issued")
    openssl = subprocess.run(
        ["openssl", "dgst", "-sm3", "-r", certificate.pdf.path], capture_output=True, text=True
    )
    assert entry.payload["pdf_digest"] == "sm3:" + openssl.stdout.split()[0]
    assert entry.payload["pdf_sha256"] == hashlib.sha256(pdf_bytes(certificate)).hexdigest()


def test_the_pdf_prints_the_facts_the_code_and_the_verification_address(world, certificate):
    text = pdf_text(pdf_bytes(certificate))
    assert PROJECT_NAME in text
    assert certificate.number in text
    code = certificate.verification_code
    assert f"{code[:4]}-{code[4:]}" in text
    assert "https://archive.example.cn/verify/" + certificate.number + "/" in text
    assert "上海示范建工集团有限公司" in text and "28,650.00 m²" in text
    assert "同意通过竣工档案验收" in text.replace("\n", "")  # the default opinion


def test_the_verification_address_quotes_the_number():
    assert verification_url("沪建档〔2026〕1号").endswith(
        "/%E6%B2%AA%E5%BB%BA%E6%A1%A3%E3%80%942026%E3%80%951%E5%8F%B7/"
    )


def test_a_conditional_certificate_lists_the_tolerated_items_and_the_deadline(world):
    case = world.case()
    commitment = world.commitment(case)
    certificate = world.issue(case, CONDITIONAL)
    text = pdf_text(pdf_bytes(certificate))
    assert "有条件验收" in text
    assert "C6-P3" in text and "E3-2" in text
    deadline = commitment.deadline.astimezone(CERTIFICATE_TIME_ZONE).date()
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in text
    assert "${" not in text  # the template's placeholder was filled


def test_the_opinion_comes_from_the_template_the_archive_edits(world):
    OpinionTemplate.objects.update_or_create(
        kind=FULL,
        defaults={"text": "经审查，${project_name}竣工档案齐全，同意验收（${issuer_name}）。"},
    )
    text = pdf_text(pdf_bytes(world.issue(world.case())))
    assert f"经审查，{PROJECT_NAME}竣工档案齐全，同意验收" in text
    assert "同意通过竣工档案验收" not in text.replace("\n", "")


def test_an_opinion_template_with_an_unknown_placeholder_is_invalid(world):
    template = OpinionTemplate(kind=FULL, text="同意验收。${project} ${project_name}")
    with pytest.raises(Exception, match="project"):
        template.full_clean()


def test_numbers_run_on_without_gaps_per_year(world):
    case = world.case()
    numbers = [world.issue(case).number for _ in range(3)]
    year = Certificate.objects.get(number=numbers[0]).issued_at.year
    assert numbers == [f"JGYS{year}-{n:05d}" for n in (1, 2, 3)]
    assert CertificateSequence.objects.get(year=year).last_number == 3


def test_the_number_pattern_is_configurable(world, settings):
    settings.CERTIFICATES_NUMBER_PATTERN = "{prefix}〔{year}〕第{sequence:03d}号"
    settings.CERTIFICATES_NUMBER_PREFIX = "沪建档验"
    certificate = world.issue(world.case())
    assert certificate.number == f"沪建档验〔{certificate.issued_at.year}〕第001号"
    assert pdf_verify(pdf_bytes(certificate)).in_force


def test_the_same_issue_key_gives_the_same_certificate(world):
    case = world.case()
    first = case_certificate_issue(case=case, kind=FULL, issue_key="K-1")
    again = case_certificate_issue(case=case, kind=FULL, issue_key="K-1")
    assert again.pk == first.pk
    assert Certificate.objects.count() == 1
    assert len(journal(case, "certificate.issued")) == 1


def test_the_bpmn_handler_run_twice_issues_one_certificate(world):
    case = world.case()
    commitment = world.commitment(case)  # the decision the handler keys on
    commitment.fulfil()
    commitment.save()
    instance = ProcessInstance.objects.get(business_key=case.reference)
    call = ServiceCall(instance, uuid4(), "issue_full", "certificates.issue")
    first = issue_certificate(call, kind=FULL)
    second = issue_certificate(call, kind=FULL)
    assert first == second
    assert Certificate.objects.filter(case=case).count() == 1
    assert first["number"].endswith("-00001")


def test_a_worker_dying_after_writing_the_pdf_leaves_no_gap_and_no_second_certificate(
    world, monkeypatch, media_root
):
    case = world.case()
    original_save = Certificate.save

    def die_once(self, *args, **kwargs):
        monkeypatch.setattr(Certificate, "save", original_save)
        raise SystemError("worker killed")

    monkeypatch.setattr(Certificate, "save", die_once)
    with pytest.raises(SystemError), transaction.atomic():
        case_certificate_issue(case=case, kind=FULL, issue_key="K-crash")
    assert not Certificate.objects.exists()
    orphans = list(Path(media_root).rglob("*.pdf"))
    assert len(orphans) == 1  # the PDF was written before the transaction died

    retried = case_certificate_issue(case=case, kind=FULL, issue_key="K-crash")
    assert retried.number.endswith("-00001")  # the rolled-back number is reused: no gap
    assert Certificate.objects.count() == 1
    assert sorted(Path(media_root).rglob("*.pdf")) == [Path(retried.pdf.path)]
    assert pdf_verify(pdf_bytes(retried)).in_force


def test_unconfigured_signing_refuses_issuance_and_consumes_no_number(world, settings, tmp_path):
    case = world.case()
    settings.CERTIFICATES_PKCS12_PATH = str(tmp_path / "missing.p12")
    with pytest.raises(SigningNotConfigured):
        world.issue(case)
    assert not Certificate.objects.exists()
    assert not CertificateSequence.objects.filter(last_number__gt=0).exists()


def test_a_full_certificate_is_refused_while_a_commitment_is_open(world):
    case = world.case()
    world.commitment(case)
    with pytest.raises(CertificateRefused, match="open commitment"):
        world.issue(case, FULL)


def test_a_conditional_certificate_needs_a_signed_commitment(world):
    with pytest.raises(CertificateRefused, match="signed commitment"):
        world.issue(world.case(), CONDITIONAL)


def test_the_issued_certificate_renders_page_one_non_blank_with_the_project_name(world):
    case = world.case()
    world.commitment(case)
    conditional = world.issue(case, CONDITIONAL)
    data = pdf_bytes(conditional)
    assert PROJECT_NAME in pdf_text(data)
    png = rasterize(data, "issued-conditional-signed")
    assert 0.01 < dark_pixel_share(png) < 0.3
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
