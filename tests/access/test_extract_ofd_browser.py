"""The requester downloads the certified extract as OFD beside the PDF, in a real browser."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ..browser import chromium_page, contrast_problems, sign_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "access"


@pytest.fixture
def page(extract):
    # After the data, read now: the database is not to be used while Playwright's loop runs.
    assert extract.request.reference
    yield from chromium_page({"width": 1100, "height": 900})


def test_the_requester_downloads_the_sealed_ofd_beside_the_pdf(live_server, access_world, extract, page):  # fmt: skip
    sign_in(page, live_server.url, access_world.tenant)
    page.goto(f"{live_server.url}/access/requests/{extract.request.reference}/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "extract-downloads.png"), full_page=True)
    assert contrast_problems(page) == []

    card = page.locator("#extract")
    assert card.get_by_role("link", name="下载档案证明（PDF）").is_visible()
    with page.expect_download() as download:
        card.get_by_role("link", name="下载 OFD 版式文件（含电子印章）").click()
    assert download.value.suggested_filename == f"{extract.number}.ofd"
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as package:
        assert "Doc_0/Signs/Sign_0/SignedValue.dat" in package.namelist()
