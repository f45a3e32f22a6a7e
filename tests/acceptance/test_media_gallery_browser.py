"""The AV review gallery in a real browser (Debian's Chromium via Playwright, headless).

A reviewer opens the gallery of a real case (photo and video checked by the BPMN's check_media),
looks at the photo in the lightbox with its EXIF and caption, plays and seeks the video (served
with HTTP Range), returns the photo with a comment, approves the video and finishes the review:
the case goes back to the owner. Screenshots go to test-artifacts/media/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from acceptance.models import Material

from ..browser import CHROMIUM, CHROMIUM_ARGS

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "media"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewing(open_case):
    flow = open_case()
    flow.prefile()
    flow.apply()
    return flow


@pytest.fixture
def reviewer_page(reviewing, live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are
    # still synchronous (Playwright's documented recipe for Django).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(reviewing.reviewer)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        browser.close()


def test_a_reviewer_judges_the_av_set_in_the_gallery(reviewing, reviewer_page, live_server):
    page = reviewer_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    photo, video = reviewing.current("E3-1"), reviewing.current("E3-2")
    page.goto(
        live_server.url + reverse("acceptance:media_gallery", args=[reviewing.case.reference])
    )

    tiles = page.locator(".tile")
    assert tiles.count() == 2
    photo_tile = page.locator(f'.tile[data-material="{photo.pk}"]')
    assert "检测通过" in photo_tile.inner_text()
    assert photo_tile.locator("img").evaluate("img => img.naturalWidth") == 320
    page.screenshot(path=str(ARTIFACTS / "gallery.png"), full_page=True)

    # The lightbox: the upright preview, the EXIF and the prefilled caption.
    photo_tile.locator(".open-lightbox").click()
    dialog = page.locator("dialog#lightbox")
    assert dialog.is_visible()
    info = dialog.locator(".info").inner_text()
    assert "Canon" in info and "2025-06-02 09:00" in info
    assert reviewing.case.project.location in info
    dialog.locator("img").evaluate("img => img.decode()")
    assert dialog.locator("img").evaluate("img => img.naturalWidth") == 1280
    page.screenshot(path=str(ARTIFACTS / "lightbox-photo.png"))
    dialog.locator("button.close").click()

    # The video plays and seeks: the browser fetches byte ranges of the original.
    page.locator(f'.tile[data-material="{video.pk}"] .open-lightbox').click()
    player = dialog.locator("video")
    player.evaluate(
        "v => new Promise((ok, fail) => { if (v.readyState >= 1) ok();"
        " v.onloadedmetadata = ok; v.onerror = () => fail(v.error && v.error.message); })"
    )
    duration = player.evaluate("v => v.duration")
    assert duration > 0.5
    seeked = player.evaluate(
        "v => new Promise(ok => { v.onseeked = () => ok(v.currentTime); v.currentTime = v.duration / 2; })"
    )
    assert seeked == pytest.approx(duration / 2, abs=0.5)
    assert "h264" in dialog.locator(".info").inner_text()
    page.screenshot(path=str(ARTIFACTS / "lightbox-video.png"))
    dialog.locator("button.close").click()

    # Return the photo with a comment, approve the video, finish the review.
    photo_tile.locator('input[name="materials"]').check()
    page.fill('input[name="comment"]', "照片偏暗，请补拍")
    page.click('button[name="verdict"][value="return"]')
    assert "已退回 returned 1 项" in page.locator(".messages").inner_text()
    page.locator(f'.tile[data-material="{video.pk}"] input[name="materials"]').check()
    page.click('button[name="verdict"][value="approve"]')
    assert "已通过 approved 1 项" in page.locator(".messages").inner_text()
    assert (
        "退回意见 comment：照片偏暗，请补拍"
        in page.locator(f'.tile[data-material="{photo.pk}"]').inner_text()
    )
    page.screenshot(path=str(ARTIFACTS / "gallery-decided.png"), full_page=True)

    page.click("#finish")
    assert "退回 1 项" in page.locator(".messages").inner_text()
    assert "media_resubmit" in reviewing.open_tasks()
    assert Material.objects.get(pk=video.pk).status == Material.Status.APPROVED
    assert "没有待办的声像档案审核任务" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "gallery-finished.png"), full_page=True)
