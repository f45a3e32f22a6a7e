"""The owner downloads a certificate from the case page as PDF and as OFD, in a real browser."""

from __future__ import annotations

import io
import zipfile

import pytest

from ..browser import chromium_page, sign_in
from .helpers import ARTIFACTS


@pytest.fixture
def issued(transactional_db, world):
    case = world.case()
    return case, world.issue(case)


@pytest.fixture
def page(issued):
    # After the data: the database is not to be used while Playwright's event loop runs.
    yield from chromium_page({"width": 1100, "height": 900})


def test_owner_downloads_the_certificate_as_ofd_beside_the_pdf(live_server, world, issued, page):
    case, certificate = issued
    sign_in(page, live_server.url, world.owner)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case-certificate-downloads.png"), full_page=True)

    entry = page.locator("#case-certificates li", has_text=certificate.number)
    assert entry.get_by_role("link", name="下载 PDF").is_visible()
    with page.expect_download() as download:
        entry.get_by_role("link", name="OFD 版式文件").click()
    assert download.value.suggested_filename == f"{certificate.number}.ofd"
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as package:
        assert certificate.number in package.read("OFD.xml").decode()
