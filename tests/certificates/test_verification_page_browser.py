"""The public verification page in a real browser (Debian's Chromium via Playwright), no login."""

from __future__ import annotations

from pathlib import Path

import pytest

from acceptance.demo import PROJECT_NAME
from certificates.issue import verification_url

from ..browser import CHROMIUM, CHROMIUM_ARGS
from .helpers import ARTIFACTS


@pytest.fixture
def browser_page():
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
        page.set_default_timeout(20_000)
        yield page
        browser.close()


@pytest.fixture
def issued(transactional_db, live_server, world, settings):
    """A certificate whose printed address (and QR code) points at the live server."""
    settings.CERTIFICATES_VERIFY_BASE_URL = f"{live_server.url}/verify/"
    case = world.case()
    certificate = world.issue(case)
    certificate.refresh_from_db()  # its OFD, rendered and sealed after the issuing commit
    return certificate, Path(certificate.pdf.path)


def test_the_qr_address_verifies_a_certificate_and_its_pdf_without_login(issued, browser_page):
    certificate, pdf_path = issued
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # The QR code's address: the form, with the number filled in.
    page.goto(verification_url(certificate.number))
    assert page.input_value("#id_number") == certificate.number
    assert "验收意见书与档案证明真伪核验" in page.inner_text("h1")

    # A wrong code first: the same answer an unknown number gets.
    page.fill("#id_code", "AAAA-AAAA")
    page.click("#lookup-form button[type=submit]")
    assert "未找到与该编号和验证码相符的验收意见书" in page.inner_text("#verify-result")

    # The code as a person types it from the paper: lower case, with the hyphen.
    code = certificate.verification_code
    page.fill("#id_code", f"{code[:4]}-{code[4:]}".lower())
    page.click("#lookup-form button[type=submit]")
    result = page.inner_text("#verify-result")
    assert "有效 Valid" in result
    assert PROJECT_NAME in result
    assert certificate.pdf_sha256 in result
    page.screenshot(path=str(ARTIFACTS / "verification-page.png"), full_page=True)

    # The PDF itself, uploaded: hash and signature.
    page.set_input_files("#id_pdf", str(pdf_path))
    page.click("#upload-form button[type=submit]")
    report = page.inner_text("#verify-report")
    assert "真实有效" in report
    assert "ENTIRE_FILE" not in report  # presented in words, not pyHanko's names
    assert "签名覆盖全文" in report and "✖" not in report
    page.screenshot(path=str(ARTIFACTS / "verification-upload.png"), full_page=True)

    # The sealed OFD, uploaded: every file's SM3 digest, the SM2 signature, the seal.
    page.set_input_files("#id_pdf", certificate.ofd.path)
    page.click("#upload-form button[type=submit]")
    report = page.inner_text("#verify-report")
    assert "真实有效：该 OFD 文件为本馆签发并加盖电子印章的原件" in report
    assert "SM2 签名正确" in report and "✖" not in report
    assert "验收专用章（不得用于生产）" in report
    page.screenshot(path=str(ARTIFACTS / "verification-upload-ofd.png"), full_page=True)
