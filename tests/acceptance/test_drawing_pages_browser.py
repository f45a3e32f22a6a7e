"""The reviewer's drawing-set page in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acceptance.selectors.drawings import case_drawings
from acceptance.services.drawings import drawing_preview_render

from ..browser import chromium_page
from .conftest import CORE_DRAWING

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "drawings"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_page({"width": 1200, "height": 900})


def scale(section) -> float:
    return float(section.locator(".viewer").get_attribute("data-scale"))


def test_a_reviewer_zooms_the_marked_preview_returns_one_drawing_and_finishes(
    open_case, live_server, browser_page
):
    flow = open_case(unstamped=[CORE_DRAWING])
    flow.prefile()
    flow.apply()
    for material in case_drawings(flow.case):
        drawing_preview_render(material=material)
    unstamped = flow.current(CORE_DRAWING)
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", flow.reviewer.username)
    page.fill("input[name=password]", "test-password")
    page.click("button[type=submit], input[type=submit]")
    page.goto(f"{live_server.url}/cases/{flow.case.reference}/drawings/")

    section = page.locator(f"#drawing-{unstamped.pk}")
    assert "未找到竣工图章" in section.locator(".findings").inner_text()
    # The sheet (paper space) preview, where the stamp belongs.
    section.get_by_role("button", name="Layout1").click()
    page.wait_for_function(
        f"document.querySelector('#drawing-{unstamped.pk} .viewer img').naturalWidth > 0"
    )
    fitted = scale(section)
    section.locator("[data-zoom=in]").click()
    assert scale(section) == pytest.approx(fitted * 1.5, rel=0.01)
    image = section.locator(".viewer img")
    before = image.evaluate("img => img.style.transform")
    box = section.locator(".viewer").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + 120, steps=5)
    page.mouse.up()
    assert image.evaluate("img => img.style.transform") != before
    page.mouse.move(box["x"] + 300, box["y"] + 200)
    page.mouse.wheel(0, -300)
    assert scale(section) > fitted * 1.5
    section.screenshot(path=str(ARTIFACTS / "drawing-preview-zoomed.png"))

    # A stamped drawing has no findings and shows its stamp on the sheet.
    other = next(m for m in case_drawings(flow.case) if m.pk != unstamped.pk)
    assert "自动审查未发现问题" in page.locator(f"#drawing-{other.pk}").inner_text()

    section.locator("textarea[name=comment]").fill("缺竣工图章，请加盖后重新上传")
    section.get_by_role("button", name="退回 Return").click()
    for material in case_drawings(flow.case).exclude(pk=unstamped.pk):
        page.locator(f"#drawing-{material.pk}").get_by_role("button", name="批准 Approve").click()
    assert page.locator("#finish-review").is_enabled()
    page.screenshot(path=str(ARTIFACTS / "drawing-set-decided.png"), full_page=True)
    page.click("#finish-review")

    assert "审图已完成" in page.locator(".messages").inner_text()
    assert "有图纸被退回" in page.locator("#review-state").inner_text()
    assert flow.open_tasks() == ["drawing_resubmit", "media_review"]
