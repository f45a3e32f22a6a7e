"""The sealed OFD of an issued certificate: rendered after the number commits, checked offline,
by the public page, by the `openssl` command line and by an independent reader (easyofd)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from certificates.lifecycle import certificate_suspend
from certificates.models import Certificate
from tests.documents import repacked
from workflows.models import OutboxJob

from .helpers import openssl_seal_check
from .test_commands import verify_command


@pytest.fixture
def sealed(world, django_capture_on_commit_callbacks) -> Certificate:
    """A full certificate whose OFD job ran after the issuing transaction committed."""
    with django_capture_on_commit_callbacks(execute=True):
        certificate = world.issue(world.case())
    certificate.refresh_from_db()
    return certificate


def ofd_bytes(certificate: Certificate) -> bytes:
    with certificate.ofd.open("rb") as handle:
        return handle.read()


def test_the_ofd_is_rendered_after_the_number_commits_and_is_pending_until_then(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = world.issue(world.case())
        assert not certificate.ofd  # nothing rendered while the year's number is locked
        assert certificate.ofd_state == "preparing"
    client = Client()
    client.force_login(world.owner)
    page = client.get(f"/cases/{certificate.case.reference}/").content.decode()
    assert "OFD 版式文件正在生成，请稍后刷新" in page
    job = OutboxJob.objects.get(task="certificates.render_ofd", args__0=certificate.pk)
    assert job.status == OutboxJob.Status.PENDING
    for callback in callbacks:
        callback()
    certificate.refresh_from_db()
    assert certificate.ofd.name.endswith(f"{certificate.number}.ofd")
    assert certificate.ofd_state == "ready"
    job.refresh_from_db()
    assert job.status == OutboxJob.Status.DONE
    page = client.get(f"/cases/{certificate.case.reference}/").content.decode()
    assert "正在生成" not in page and "OFD 版式文件（含电子印章）" in page


def test_pdf_only_archives_issue_no_ofd(world, settings, django_capture_on_commit_callbacks):
    settings.CERTIFICATES_FORMATS = ("pdf",)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = world.issue(world.case())
    certificate.refresh_from_db()
    assert certificate.pdf and not certificate.ofd and certificate.ofd_state == "none"
    assert not OutboxJob.objects.filter(task="certificates.render_ofd").exists()


def test_openssl_verifies_the_issued_certificates_sm2_seal(sealed, signing_files, tmp_path):
    result = openssl_seal_check(ofd_bytes(sealed), tmp_path)
    assert "Signature Verified Successfully" in result.stdout, result.stderr


def test_verify_certificate_checks_the_seal_offline(sealed, tmp_path):
    code, output = verify_command(Path(sealed.ofd.path))
    assert code == 0, output
    assert "✔ files intact (SM3)" in output and "✔ SM2 signature" in output
    assert "✔ trusted" in output and sealed.number in output
    assert "不得用于生产" in output  # the development seal says what it is

    certificate_suspend(certificate=sealed, reason="承诺逾期")
    code, output = verify_command(Path(sealed.ofd.path))
    assert code == 3 and "not in force" in output


def test_a_tampered_ofd_fails_with_the_changed_file_named(sealed, tmp_path):
    page = "Doc_0/Pages/Page_0/Content.xml"
    changed = repacked(
        ofd_bytes(sealed), page, lambda xml: xml.replace("验收".encode(), "验讫".encode())
    )
    path = tmp_path / "tampered.ofd"
    path.write_bytes(changed)
    code, output = verify_command(path)
    assert code == 1
    assert "✖ files intact (SM3)" in output
    assert f"changed or removed after sealing: {page}" in output
    assert "Not verified" in output


def test_the_public_page_checks_an_uploaded_ofd(sealed):
    client = Client()
    data = ofd_bytes(sealed)
    upload = io.BytesIO(data)
    upload.name = f"{sealed.number}.ofd"
    page = client.post(reverse("certificates:verify"), {"check": "pdf", "pdf": upload})
    html = page.content.decode()
    assert page.status_code == 200
    assert "真实有效：该 OFD 文件为本馆签发并加盖电子印章的原件" in html
    assert "✔ SM2 签名正确" in html and sealed.number in html

    bad = io.BytesIO(
        repacked(
            data,
            "Doc_0/Document.xml",
            lambda xml: xml.replace(b"</ofd:Document>", b" </ofd:Document>"),
        )
    )
    bad.name = "bad.ofd"
    html = client.post(
        reverse("certificates:verify"), {"check": "pdf", "pdf": bad}
    ).content.decode()
    assert "核验未通过" in html
    assert "文件在盖章后被改动或删除：Doc_0/Document.xml" in html
