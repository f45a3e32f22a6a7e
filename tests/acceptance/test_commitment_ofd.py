"""The signed commitment (承诺书) as a sealed OFD, made once after the signature commits: what the
independent reader (easyofd), the `openssl` command line, the commitment page and the public
verification page make of it."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

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
from workflows.models import JournalEntry, OutboxJob

from .conftest import TOLERATED

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "acceptance"


def _sign(flow, client) -> None:
    flow.decide("conditional", [TOLERATED])
    client.force_login(flow.owner)
    reference = flow.case.reference
    shown = hashlib.sha256(
        client.get(reverse("acceptance:commitment_pdf", args=[reference])).content
    ).hexdigest()
    client.post(
        reverse("acceptance:commitment_sign", args=[reference]),
        {"pdf_sha256": shown, "confirm": "on"},
    )
    flow.commitment.refresh_from_db()


@pytest.fixture
def signed(open_case, client):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    _sign(flow, client)
    return flow


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def test_the_signed_commitment_is_sealed_once_and_stored(signed, client):
    commitment = signed.commitment
    assert commitment.ofd.name.endswith(f"{signed.case.reference}-commitment.ofd")
    ofd = _read(commitment.ofd)
    assert hashlib.sha256(ofd).hexdigest() == commitment.ofd_sha256
    (entry,) = JournalEntry.objects.filter(
        chain=signed.case.reference, kind="commitment.ofd_sealed"
    )
    assert entry.payload["ofd_sha256"] == commitment.ofd_sha256

    text = "".join(easyofd_pages(ofd))
    assert "限时承诺书" in text and signed.case.reference in text and TOLERATED in text
    check = ofd_seal_verify(ofd, seal_trust_roots())
    assert check.genuine and check.problems == []

    page = client.get(reverse("acceptance:commitment", args=[signed.case.reference]))
    ofd_url = reverse("acceptance:commitment_ofd", args=[signed.case.reference])
    assert f'href="{ofd_url}"' in page.content.decode()
    assert "OFD 版式文件（含电子印章）" in page.content.decode()
    assert client.get(ofd_url).content == ofd  # the stored file, the same at every download
    assert client.get(ofd_url).content == ofd


def test_the_sealed_ofd_looks_like_the_signed_pdf(signed):
    commitment = signed.commitment
    ofd_page = easyofd_images(_read(commitment.ofd))[0]
    pdf_page = pdf_page_image(_read(commitment.document))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ofd_page.save(ARTIFACTS / "commitment-ofd.png")
    pdf_page.save(ARTIFACTS / "commitment-pdf.png")
    assert ink_agreement(ofd_page, pdf_page) > 0.8


def test_openssl_verifies_the_commitments_sm2_seal(signed, tmp_path):
    result = openssl_seal_check(_read(signed.commitment.ofd), tmp_path)
    assert "Signature Verified Successfully" in result.stdout, result.stderr


def test_the_public_page_verifies_the_sealed_commitment_and_catches_tampering(signed):
    ofd = _read(signed.commitment.ofd)
    client = Client()
    upload = io.BytesIO(ofd)
    upload.name = "commitment.ofd"
    html = client.post(reverse("certificates:verify"), {"check": "pdf", "pdf": upload})
    html = html.content.decode()
    assert "真实有效：该 OFD 文件为本馆签发并加盖电子印章的原件" in html
    assert "容缺受理限时承诺书" in html and signed.case.reference in html
    # The holder is the owner who signed, named as such, and its state in words both ways.
    owner = signed.case.project.owner.name
    assert f'<th>建设单位 <span class="en">Owner</span></th><td>{owner}</td>' in html
    assert "申请人" not in html.split('id="verify-report"')[1].split("</div>")[0]
    assert "it is now pending." in html

    page = "Doc_0/Pages/Page_0/Content.xml"
    forged = repacked(ofd, page, lambda xml: xml.replace(TOLERATED.encode(), b"X9-9"))
    check = ofd_seal_verify(forged, seal_trust_roots())
    assert not check.genuine
    assert f"文件在盖章后被改动或删除：{page}" in [zh for zh, _en in check.problems]
    upload = io.BytesIO(forged)
    upload.name = "forged.ofd"
    html = client.post(reverse("certificates:verify"), {"check": "pdf", "pdf": upload})
    html = html.content.decode()
    assert "核验未通过" in html and f"文件在盖章后被改动或删除：{page}" in html


def test_a_pdf_only_archive_seals_no_commitment_ofd(open_case, client, settings):
    settings.CERTIFICATES_FORMATS = ("pdf",)
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    _sign(flow, client)
    assert flow.commitment.signed_at and not flow.commitment.ofd
    assert not OutboxJob.objects.filter(task="acceptance.render_commitment_ofd").exists()
    page = client.get(reverse("acceptance:commitment", args=[flow.case.reference]))
    assert "含电子印章" not in page.content.decode()
