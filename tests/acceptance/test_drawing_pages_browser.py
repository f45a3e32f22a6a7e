"""The reviewer's drawing page in a real browser (Debian's Chromium via Playwright).

The drawing is drawn in the browser from its DXF (the vendored dxf-viewer); a finding clicked in
the list or on the drawing zooms the view to its spot, which the page mirrors in
``window.drawingViewer.state()`` (the view's centre and width in drawing units).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from acceptance.samples import AS_BUILT_STAMP_FIELDS, make_as_built_dxf
from acceptance.selectors.drawings import case_drawings, drawing_findings

from ..browser import chromium_page, contrast_problems, sign_in
from .conftest import CORE_DRAWING, PROJECT_NAME

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "drawings"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_page({"width": 1400, "height": 900})


def state(page) -> dict:
    return page.evaluate("window.drawingViewer.state()")


def wait_ready(page) -> None:
    page.wait_for_function("window.drawingViewer && window.drawingViewer.state().state === 'ready'")


def test_a_reviewer_clicks_a_finding_the_viewer_zooms_to_it_and_returns_the_drawing(
    open_case, live_server, browser_page, tmp_path
):
    flow = open_case(leave_out=[CORE_DRAWING])
    # A sheet whose as-built stamp lacks most of its fields: a finding with a box on the sheet.
    sheet = make_as_built_dxf(
        tmp_path / "D-1 总平面图.dxf",
        project_name=PROJECT_NAME,
        drawing_number="D-1-01",
        sheet_title="总平面图",
        stamp={"CONTRACTOR": "上海建工集团"},
    )
    flow.upload_file(CORE_DRAWING, sheet)
    flow.prefile()
    flow.apply()
    drawing = flow.current(CORE_DRAWING)
    findings = drawing_findings(drawing)
    number, finding = next(
        (n, f) for n, f in enumerate(findings, start=1) if f["detail"].get("box")
    )
    x1, y1, x2, y2 = finding["detail"]["box"]
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    sign_in(page, live_server.url, flow.reviewer)
    page.goto(f"{live_server.url}/cases/{flow.case.reference}/drawings/?drawing={drawing.pk}")
    wait_ready(page)
    # The set beside the drawing: every drawing once, this one marked as the current one.
    assert page.locator(".sheet-list li").count() == case_drawings(flow.case).count()
    assert page.locator(".sheet-list li.current").count() == 1
    assert "总平面图" in page.locator(".sheet-list li.current").inner_text()
    # The stamp's finding is on the sheet (paper space), so the sheet is shown first, whole.
    opened = state(page)
    assert opened["space"] == "paper" and opened["firstViewMs"] > 0
    assert opened["view"]["width"] > 300  # an A3 sheet, 420 mm wide
    assert "自动审查未发现问题" not in page.locator(".findings-panel").inner_text()
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "drawing-review-sheet.png"), full_page=True)

    page.locator(f".finding-go[data-finding='{number}']").click()
    page.wait_for_function(f"window.drawingViewer.state().selected === {number}")
    zoomed = state(page)["view"]
    assert zoomed["centerX"] == pytest.approx((x1 + x2) / 2, abs=1)
    assert zoomed["centerY"] == pytest.approx((y1 + y2) / 2, abs=1)
    assert zoomed["width"] < opened["view"]["width"] / 2
    assert page.locator(f".finding-box[data-finding='{number}']").is_visible()
    page.screenshot(path=str(ARTIFACTS / "drawing-review-finding.png"), full_page=True)

    # Back to the whole sheet, then the box drawn on the drawing zooms to the same spot.
    page.click("[data-action=fit]")
    page.wait_for_function(f"window.drawingViewer.state().view.width > {zoomed['width'] * 2}")
    page.locator(f".finding-box[data-finding='{number}']").click()
    page.wait_for_function(
        f"Math.abs(window.drawingViewer.state().view.width - {zoomed['width']}) < 1"
    )

    # Model space has the plan and its layers; a layer can be switched off and on.
    page.click("[data-space=model]")
    page.wait_for_function(
        "window.drawingViewer.state().space === 'model' && "
        "window.drawingViewer.state().state === 'ready'"
    )
    page.click(".layers summary")
    layers = page.locator(".layer-list input[type=checkbox]")
    assert layers.count() >= 2
    layers.first.uncheck()
    hidden = page.evaluate("window.drawingViewer.state().hiddenLayers")
    assert hidden == [layers.first.get_attribute("data-layer")]
    page.screenshot(path=str(ARTIFACTS / "drawing-review-model-layers.png"), full_page=True)
    layers.first.check()
    assert page.evaluate("window.drawingViewer.state().hiddenLayers") == []

    # The reviewer returns the drawing; the page moves on to the next drawing without a verdict.
    page.fill("textarea[name=comment]", "竣工图章信息不全，请补全后重新上传")
    page.get_by_role("button", name="退回 Return").click()
    wait_ready(page)
    assert page.locator(".sheet-list li.current").get_attribute("class") == "current"
    returned = page.locator(f".sheet-list a[data-drawing='{drawing.pk}']")
    assert "退回修改" in returned.inner_text()
    assert f"drawing={drawing.pk}" not in page.url
    page.screenshot(path=str(ARTIFACTS / "drawing-review-next.png"), full_page=True)


def sheet_with_two_layouts(path: Path) -> Path:
    """An as-built sheet (布局1, with the stamp) and a second layout, 立面图, with an elevation."""
    import ezdxf

    make_as_built_dxf(
        path,
        project_name=PROJECT_NAME,
        drawing_number="D-1-02",
        sheet_title="总平面图及立面图",
        stamp=AS_BUILT_STAMP_FIELDS,
    )
    doc = ezdxf.readfile(path)
    elevation = doc.layouts.new("立面图")
    # An A3 frame of its own, placed apart from 布局1's so the two views differ.
    left = 600
    elevation.add_lwpolyline(
        [(left, 0), (left + 420, 0), (left + 420, 297), (left, 297)], close=True
    )
    for floor in range(6):
        y = 40 + floor * 30
        elevation.add_lwpolyline([(left + 110, y), (left + 310, y), (left + 310, y + 30)])
    elevation.add_text("南立面 1:100", height=8).set_placement((left + 160, 250))
    doc.saveas(path)
    return path


def test_a_reviewer_switches_between_model_space_and_each_layout_and_sees_every_thumbnail(
    open_case, live_server, browser_page, tmp_path
):
    flow = open_case(leave_out=[CORE_DRAWING])
    sheet = sheet_with_two_layouts(tmp_path / "D-1 总平面图及立面图.dxf")
    flow.upload_file(CORE_DRAWING, sheet)
    flow.prefile()
    flow.apply()
    drawing = flow.current(CORE_DRAWING)
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    sign_in(page, live_server.url, flow.reviewer)
    page.goto(f"{live_server.url}/cases/{flow.case.reference}/drawings/?drawing={drawing.pk}")
    wait_ready(page)
    # The tabs a Chinese CAD program shows: model space first, then the layouts in tab order.
    tabs = page.locator(".space-tabs [data-space]")
    assert tabs.all_inner_texts() == ["模型", "布局1", "立面图"]

    views = {}
    for tab in tabs.all():
        key = tab.get_attribute("data-space")
        started = page.evaluate("performance.now()")
        tab.click()
        page.wait_for_function(
            f"window.drawingViewer.state().space === {key!r} && "
            "window.drawingViewer.state().state === 'ready'"
        )
        switched = page.evaluate("performance.now()") - started
        print(f"layout {tab.inner_text()}: {switched:.0f} ms")
        assert tab.get_attribute("aria-pressed") == "true"
        assert page.locator(".space-tabs [aria-pressed=true]").count() == 1
        views[tab.inner_text()] = state(page)["view"]
        page.screenshot(
            path=str(ARTIFACTS / f"drawing-layout-{tab.inner_text()}.png"), full_page=True
        )
    # Each space is its own drawing: the elevation an A3 sheet beside 布局1's, model space the
    # plan at its own scale.
    assert views["立面图"]["width"] == pytest.approx(420, rel=0.35)
    assert views["立面图"]["centerX"] == pytest.approx(810, abs=30)
    assert views["布局1"]["centerX"] < 450
    assert views["模型"]["width"] > 10 * views["布局1"]["width"]

    # Every drawing of the set has a real thumbnail, drawn from its DXF (no previews rendered).
    page.wait_for_function(
        "document.querySelector('.sheet-list').dataset.thumbnails === 'done'", timeout=120_000
    )
    rows = page.locator(".sheet-list li")
    assert rows.count() == case_drawings(flow.case).count()
    assert page.locator(".sheet-list .thumb-none").count() == 0
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('.sheet-list img.thumb'))"
        ".map(img => [img.naturalWidth, Number(img.dataset.drawnMs)])"
    )
    assert len(drawn) == rows.count() and all(width > 0 for width, _ms in drawn)
    print("thumbnails drawn in ms:", sorted(ms for _width, ms in drawn))
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "drawing-list-thumbnails.png"), full_page=True)

    # A second visit takes the thumbnails the browser kept instead of drawing them again.
    page.reload()
    page.wait_for_function(
        "document.querySelector('.sheet-list').dataset.thumbnails === 'done'", timeout=60_000
    )
    again = page.evaluate(
        "Array.from(document.querySelectorAll('.sheet-list img.thumb'))"
        ".map(img => Number(img.dataset.drawnMs))"
    )
    assert again == [0] * rows.count()
