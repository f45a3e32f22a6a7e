"""The certified extract as a sealed OFD beside its PDF: what the independent reader (easyofd),
the `openssl` command line, the requester's page and the public verification page make of it."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

from django.test import Client
from django.urls import reverse
from fontTools.ttLib import TTFont

from access.extracts import watermark_text
from signing.ofd_seal import ofd_seal_verify, seal_trust_roots
from tests.access.conftest import extract_delivered
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

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "access"


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def test_the_extract_is_also_a_sealed_ofd_with_the_pdfs_pages_and_watermark(extract):
    ofd = _read(extract.ofd)
    assert extract.ofd.name.endswith(f"{extract.number}.ofd")
    entry = JournalEntry.objects.get(
        chain=extract.request.reference, kind="access.extract_ofd_sealed"
    )
    assert entry.payload["ofd_sha256"] == extract.ofd_sha256

    pages = easyofd_pages(ofd)
    assert len(pages) == extract.pages  # the cover and every record page, as in the PDF
    cover = pages[0]
    purpose = extract.request.purpose.name_zh
    for expected in ("城建档案利用证明", extract.number, "张晓明", purpose, "A5-1"):
        assert expected in cover, expected
    assert "所附档案页面与本馆馆藏档案一致" in cover
    mark = watermark_text(extract.request, extract.number)
    assert all(mark in page for page in pages)  # the foot line names requester and purpose

    with zipfile.ZipFile(io.BytesIO(ofd)) as package:
        font = TTFont(io.BytesIO(package.read("Doc_0/Res/font_0.ttf")))
        media = [name for name in package.namelist() if name.startswith("Doc_0/Res/image_")]
    assert font["name"].getDebugName(1) == "WenQuanYi Micro Hei"
    assert set("城建档案利用证明张晓明") <= {chr(code) for code in font.getBestCmap()}
    assert len(media) == 1 + (extract.pages - 1)  # the QR code and one image per record page


def test_the_ofd_cover_looks_like_the_pdf_cover(extract):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ofd_cover = easyofd_images(_read(extract.ofd))[0]
    pdf_cover = pdf_page_image(_read(extract.pdf))
    ofd_cover.save(ARTIFACTS / "extract-cover-ofd.png")
    pdf_cover.save(ARTIFACTS / "extract-cover-pdf.png")
    # The OFD's red seal over the issuer has no twin on the PDF's page (its signature is unseen).
    assert ink_agreement(ofd_cover, pdf_cover) > 0.8


def test_the_ofd_record_pages_look_like_the_pdf_record_pages(extract):
    images = easyofd_images(_read(extract.ofd))
    for number in range(2, extract.pages + 1):
        pdf_page = pdf_page_image(_read(extract.pdf), page=number)
        # A record page is an image of the page, drawn again by the reader: hairlines thin out.
        assert ink_agreement(images[number - 1], pdf_page) > 0.8, number


def test_the_qr_code_on_the_ofd_leads_to_the_verification_page(extract, tmp_path):
    with zipfile.ZipFile(io.BytesIO(_read(extract.ofd))) as package:
        (tmp_path / "qr.png").write_bytes(package.read("Doc_0/Res/image_0.png"))
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "qr.png")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert decoded.stdout.strip() == f"https://archive.example.cn/verify/{extract.number}/"


def test_openssl_verifies_the_extracts_sm2_seal(extract, tmp_path):
    result = openssl_seal_check(_read(extract.ofd), tmp_path)
    assert "Signature Verified Successfully" in result.stdout, result.stderr


def test_our_verifier_checks_the_seal_and_catches_a_changed_page(extract):
    ofd = _read(extract.ofd)
    check = ofd_seal_verify(ofd, seal_trust_roots())
    assert check.genuine and check.problems == []
    page = "Doc_0/Pages/Page_0/Content.xml"
    forged = repacked(ofd, page, lambda xml: xml.replace("张晓明".encode(), "李小红".encode()))
    check = ofd_seal_verify(forged, seal_trust_roots())
    assert not check.genuine
    assert ("文件在盖章后被改动或删除：" + page) in [zh for zh, _en in check.problems]


def test_the_public_page_verifies_the_ofd_and_refuses_a_tampered_one(extract):
    client = Client()
    ofd = _read(extract.ofd)
    upload = io.BytesIO(ofd)
    upload.name = f"{extract.number}.ofd"
    html = client.post(reverse("certificates:verify"), {"check": "pdf", "pdf": upload}).content
    html = html.decode()
    assert "真实有效：该 OFD 文件为本馆签发并加盖电子印章的原件" in html
    assert "✔ SM2 签名正确" in html and "城建档案利用证明" in html and "张晓明" in html

    forged = io.BytesIO(
        repacked(ofd, "Doc_0/Document.xml", lambda xml: xml.replace(b"</ofd:Document>", b" </ofd:Document>"))
    )  # fmt: skip
    forged.name = "forged.ofd"
    html = client.post(reverse("certificates:verify"), {"check": "pdf", "pdf": forged}).content
    html = html.decode()
    assert "核验未通过" in html and "文件在盖章后被改动或删除：Doc_0/Document.xml" in html


def test_the_requester_downloads_the_ofd_beside_the_pdf_and_no_one_else_can(extract, access_world):
    reference = extract.request.reference
    client = Client()
    client.force_login(access_world.tenant)
    page = client.get(reverse("access:request", args=[reference])).content.decode()
    ofd_url = reverse("access:extract_ofd", args=[reference])
    assert f'href="{ofd_url}"' in page and "下载 OFD 版式文件（含电子印章）" in page
    response = client.get(ofd_url)
    assert response["Content-Type"] == "application/ofd"
    assert b"".join(response.streaming_content) == _read(extract.ofd)
    downloads = JournalEntry.objects.filter(chain=reference, kind="access.extract_downloaded")
    assert [entry.payload["format"] for entry in downloads] == ["ofd"]

    other = Client()
    other.force_login(access_world.committee)
    assert other.get(ofd_url).status_code == 404


def test_a_pdf_only_archive_issues_no_extract_ofd(access_world, settings):
    settings.CERTIFICATES_FORMATS = "pdf"
    extract = extract_delivered(access_world)
    assert extract.pdf and not extract.ofd and extract.ofd_state == "none"
    assert not OutboxJob.objects.filter(task="access.render_extract_ofd").exists()
    client = Client()
    client.force_login(access_world.tenant)
    reference = extract.request.reference
    page = client.get(reverse("access:request", args=[reference])).content.decode()
    assert 'id="download-extract"' in page
    assert 'id="download-extract-ofd"' not in page and 'id="extract-ofd-state"' not in page
    response = client.get(reverse("access:extract_ofd", args=[reference]))
    assert response.status_code == 404 and "本证明未出具 OFD 版式文件" in response.content.decode()
