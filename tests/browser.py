"""Debian's Chromium driven by Playwright for the page tests (headless, no sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_page(viewport: dict, timeout_ms: int = 30_000) -> Iterator:
    """Yield a page of a fresh headless Chromium; for a fixture to ``yield from``."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport=viewport, locale="zh-CN")
        page.set_default_timeout(timeout_ms)
        yield page
        browser.close()
