"""The DA/T 70 stage reports (四性检测报告) as sealed OFD beside their PDF: made once at the first
download and kept; read by easyofd, the seal checked by `openssl`, by our verifier and by the
public verification page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from acceptance.models import PropertyCheckReport
from acceptance.tasks import run_fixity_audit
from signing.ofd_seal import ofd_seal_verify, seal_trust_roots
from tests.certificates.helpers import (
    easyofd_images,
    easyofd_pages,
    ink_agreement,
    openssl_seal_check,
)
from tests.documents import (
    pdf_page_image,
    repacked,
)

pytestmark = pytest.mark.django_db(transaction=True)

Stage = PropertyCheckReport.Stage
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "acceptance"


def _download(client, report, file_format: str) -> bytes:
    url = reverse("acceptance:property_report", args=[report.pk]) + f"?format={file_format}"
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def test_each_stage_report_is_a_sealed_ofd_made_once(archived, client, tmp_path):
    run_fixity_audit()  # 长期保存
    client.force_login(archived.reviewer)
    page = client.get(reverse("acceptance:property_checks", args=[archived.case.reference]))
    assert page.content.decode().count("下载 OFD（含电子印章）") == 3  # 接收 has not run

    for stage, name in ((Stage.ARCHIVING, "归档"), (Stage.TRANSFER, "移交"), (Stage.STORAGE, "长期保存")):  # fmt: skip
        report = PropertyCheckReport.objects.get(case=archived.case, stage=stage)
        ofd = _download(client, report, "ofd")
        assert _download(client, report, "ofd") == ofd  # kept: every download is the same file
        report.refresh_from_db()
        assert report.ofd_sha256 and report.ofd.name.endswith(".ofd")
        pages = easyofd_pages(ofd)
        assert f"电子档案四性检测报告（{name}）" in pages[0]
        assert archived.case.reference in pages[0] and "四性汇总" in pages[0]
        assert all(f"第 {n} 页" in text for n, text in enumerate(pages, start=1))
        check = ofd_seal_verify(ofd, seal_trust_roots())
        assert check.genuine and check.problems == [], (stage, check.problems)

    result = openssl_seal_check(ofd, tmp_path)
    assert "Signature Verified Successfully" in result.stdout, result.stderr


def test_the_ofd_report_looks_like_the_pdf_report(archived, client):
    client.force_login(archived.reviewer)
    report = PropertyCheckReport.objects.get(case=archived.case, stage=Stage.TRANSFER)
    ofd_page = easyofd_images(_download(client, report, "ofd"))[0]
    pdf_page = pdf_page_image(_download(client, report, "pdf"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ofd_page.save(ARTIFACTS / "property-report-transfer-ofd.png")
    pdf_page.save(ARTIFACTS / "property-report-transfer-pdf.png")
    # Known differences: a few lines of mixed Chinese and Latin text break at another word than
    # reportlab breaks them, which moves the rows below them; the OFD's red seal by the
    # conclusion has no twin on the PDF's page. The title, facts and summary table agree.
    assert ink_agreement(ofd_page, pdf_page) > 0.55


def test_the_public_page_verifies_a_report_and_catches_a_changed_one(archived, client):
    client.force_login(archived.reviewer)
    report = PropertyCheckReport.objects.get(case=archived.case, stage=Stage.ARCHIVING)
    ofd = _download(client, report, "ofd")
    public = Client()
    upload = io.BytesIO(ofd)
    upload.name = "report.ofd"
    html = public.post(reverse("certificates:verify"), {"check": "pdf", "pdf": upload})
    html = html.content.decode()
    assert "真实有效：该 OFD 文件为本馆签发并加盖电子印章的原件" in html
    assert "电子档案四性检测报告（归档）" in html
    # Only the OFD is kept: the page shows no PDF fingerprint row with a dash for it.
    assert "PDF SHA-256" not in html

    page = "Doc_0/Pages/Page_0/Content.xml"
    forged = repacked(ofd, page, lambda xml: xml.replace("未通过".encode(), "已通过".encode()))
    assert not ofd_seal_verify(forged, seal_trust_roots()).genuine
    upload = io.BytesIO(forged)
    upload.name = "forged.ofd"
    html = public.post(reverse("certificates:verify"), {"check": "pdf", "pdf": upload})
    html = html.content.decode()
    assert "核验未通过" in html and f"文件在盖章后被改动或删除：{page}" in html


def test_a_pdf_only_archive_offers_no_ofd_report(archived, client, settings):
    settings.CERTIFICATES_FORMATS = "pdf"
    client.force_login(archived.reviewer)
    report = PropertyCheckReport.objects.get(case=archived.case, stage=Stage.TRANSFER)
    page = client.get(reverse("acceptance:property_report", args=[report.pk])).content.decode()
    assert "下载报告 PDF" in page and "OFD" not in page
    url = reverse("acceptance:property_report", args=[report.pk]) + "?format=ofd"
    assert client.get(url).status_code == 404
