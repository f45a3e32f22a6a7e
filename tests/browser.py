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


def chromium_browser() -> Iterator:
    """Yield a fresh headless Chromium; for a fixture to ``yield from``."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def chromium_page(viewport: dict, timeout_ms: int = 30_000) -> Iterator:
    """Yield a page of a fresh headless Chromium; for a fixture to ``yield from``."""
    for browser in chromium_browser():
        page = browser.new_page(viewport=viewport, locale="zh-CN")
        page.set_default_timeout(timeout_ms)
        yield page


# WCAG 2.1 contrast of every visible text element against the background it sits on (the first
# opaque background up its ancestors); text over images or SVG is left out.
CONTRAST_SCRIPT = """
() => {
  function rgba(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) { return null; }
    const p = m[1].split(",").map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function lum(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function background(element) {
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== "none" || node.tagName === "IMG" || node.tagName === "VIDEO") { return null; }
      const colour = rgba(style.backgroundColor);
      if (colour && colour.a >= 0.95) { return colour; }
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  }
  const problems = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest("svg, dialog:not([open]), details:not([open]) > :not(summary)")) { continue; }
    const own = Array.from(element.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !element.getClientRects().length) { continue; }
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || Number(style.opacity) === 0) { continue; }
    const fg = rgba(style.color), bg = background(element);
    if (!fg || !bg) { continue; }
    const a = lum(fg), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) {
      problems.push(`${element.tagName.toLowerCase()}.${element.className} "${element.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1 < ${needed}:1`);
    }
  }
  return problems;
}
"""


def contrast_problems(page) -> list[str]:
    """Text on ``page`` below WCAG AA contrast (4.5:1, or 3:1 for large text)."""
    return page.evaluate(CONTRAST_SCRIPT)


def sign_in(page, url: str, user) -> None:
    """Sign ``user`` (made with the tests' password, ``test-password``) in on the login page."""
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "test-password")
    page.click("button[type=submit], input[type=submit]")
