"""An owner's bulk upload by clicks in a real browser: a folder and a zip, matches reviewed first."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from acceptance.models import CatalogItem
from acceptance.services.bulk import staging_dir

from ..browser import chromium_page, contrast_problems, sign_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "bulk"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_page({"width": 1280, "height": 900})


def record(samples, code: str) -> bytes:
    return samples.path(CatalogItem.objects.get(code=code)).read_bytes()


def row(page, path: str):
    return page.locator(f"tr.bulk-row[data-path='{path}']")


def open_bulk_page(page, live_server, flow) -> None:
    sign_in(page, live_server.url, flow.owner)
    page.goto(f"{live_server.url}/cases/{flow.case.reference}/upload/")
    page.click("#bulk-upload-link")
    page.wait_for_selector("#bulk-choose")


def confirm_and_wait(page) -> None:
    page.click("#bulk-confirm")
    page.wait_for_selector("#bulk-review[data-finished=true]", timeout=60_000)
    page.wait_for_function(
        "[...document.querySelectorAll('tr.stored')].every(r => r.querySelector('.bulk-check'))"
    )


def test_an_owner_uploads_a_folder_corrects_a_match_and_the_files_are_stored(
    open_case, live_server, browser_page, samples, tmp_path
):
    flow = open_case(upload=False)
    folder = tmp_path / "桩基工程资料"
    (folder / "立项").mkdir(parents=True)
    (folder / "立项" / "A1-1 立项批复.pdf").write_bytes(record(samples, "A1-1"))
    (folder / "A1-2 可行性研究报告批复.pdf").write_bytes(record(samples, "A1-2"))
    (folder / "扫描件001.pdf").write_bytes(record(samples, "A1-3"))
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    open_bulk_page(page, live_server, flow)

    page.set_input_files("#bulk-folder", str(folder))
    page.wait_for_selector("#bulk-review:not([hidden])")
    assert page.locator("tr.bulk-row").count() == 3
    first = row(page, "桩基工程资料/立项/A1-1 立项批复.pdf")
    assert first.locator("select").input_value() == "A1-1"
    assert "按编号" in first.inner_text()
    unmatched = row(page, "桩基工程资料/扫描件001.pdf")
    assert "未匹配" in unmatched.inner_text()
    summary = page.locator("#bulk-summary").inner_text()
    assert "按编号匹配 2 个" in summary and "未匹配 1 个" in summary and "将上传 2 个" in summary
    assert "按名称" not in summary  # no count of nothing
    assert page.locator(".choice.chosen").inner_text().endswith("已选：桩基工程资料，共 3 个文件")
    assert not flow.case.materials.exists()  # nothing stored before the owner confirms
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "bulk-folder-review.png"), full_page=True)

    unmatched.locator("select").select_option("A1-3")
    assert "人工选择" in unmatched.locator(".bulk-how").inner_text()
    assert "将上传 3 个" in page.locator("#bulk-summary").inner_text()
    confirm_and_wait(page)
    assert page.locator("tr.stored").count() == 3
    assert page.locator("#bulk-total").get_attribute("value") == "100"
    assert "已保存 3 个，未保存 0 个" in page.locator("#bulk-done").inner_text()
    page.screenshot(path=str(ARTIFACTS / "bulk-folder-stored.png"), full_page=True)

    stored = {m.catalog_item.code: m for m in flow.case.materials.all()}
    assert sorted(stored) == ["A1-1", "A1-2", "A1-3"]
    assert stored["A1-3"].original_name == "扫描件001.pdf"
    assert {m.node_id for m in stored.values()} == {flow.case.project.nodes.first().pk}
    assert len(flow.journal("material.uploaded")) == 3


def test_an_owner_uploads_a_zip_whose_nested_package_and_duplicate_get_clear_answers(
    open_case, live_server, browser_page, samples, tmp_path
):
    flow = open_case(upload=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("A1-1 立项批复.pdf", record(samples, "A1-1"))
        archive.writestr("A1-4 会议纪要.pdf", record(samples, "A1-4"))
        archive.writestr("A1-1 立项批复（副本）.pdf", record(samples, "A1-1"))
        archive.writestr("旧资料.zip", b"PK\x05\x06" + b"\0" * 18)
    package = tmp_path / "节点资料.zip"
    package.write_bytes(buffer.getvalue())
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    open_bulk_page(page, live_server, flow)

    page.set_input_files("#bulk-zip", str(package))
    page.wait_for_selector("#bulk-review:not([hidden])")
    assert "已选：节点资料.zip" in page.locator(".choice.chosen").inner_text()
    nested = row(page, "旧资料.zip")
    assert "压缩包中的压缩包不会展开" in nested.inner_text()
    assert nested.locator("select").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "bulk-zip-review.png"), full_page=True)

    confirm_and_wait(page)
    assert page.locator("tr.stored").count() == 2
    duplicate = row(page, "A1-1 立项批复（副本）.pdf")
    assert "内容相同" in duplicate.inner_text()  # the material intake's own answer
    assert "已保存 2 个，未保存 1 个" in page.locator("#bulk-done").inner_text()
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "bulk-zip-stored.png"), full_page=True)
    assert sorted(m.catalog_item.code for m in flow.case.materials.all()) == ["A1-1", "A1-4"]
    # The batch is finished: the zip kept for the review is deleted.
    deadline = time.monotonic() + 10
    while any(staging_dir().glob("*.zip")) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert not any(staging_dir().glob("*.zip"))
