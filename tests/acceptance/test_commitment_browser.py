"""The owner signs the commitment in a real browser (Debian's Chromium via Playwright), and the
archive staff read the statistics page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

import acceptance

from ..browser import chromium_browser
from .conftest import TOLERATED, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(acceptance.__file__).resolve().parents[1] / "test-artifacts" / "commitments"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test still reads the database
    # synchronously between browser steps (the live server answers in its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    yield from chromium_browser()


def logged_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def test_the_owner_must_tick_the_confirmation_then_signs_and_sees_the_deadline(
    open_case, live_server, browser
):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.decide("conditional", [TOLERATED])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = logged_in_page(browser, live_server, flow.owner)

    page.goto(live_server.url + reverse("acceptance:commitment", args=[flow.case.reference]))
    assert "待签署" in page.inner_text("#commitment-status")
    assert page.inner_text("#preview-deadline") == "2026-04-15 23:59"
    page.click("#sign-form button[type=submit]")  # not ticked
    assert "请勾选确认后再签署" in page.inner_text(".messages")
    assert "待签署" in page.inner_text("#commitment-status")

    page.check("#sign-form input[name=confirm]")
    page.click("#sign-form button[type=submit]")
    assert "承诺书已签署" in page.inner_text(".messages")
    assert "履约期内" in page.inner_text("#commitment-status")
    assert page.inner_text("#effective-deadline") == "2026-04-15 23:59"
    assert page.inner_text("#document-sha256") == flow.commitment.document_sha256
    assert page.locator("#sign-form").count() == 0
    page.screenshot(path=str(ARTIFACTS / "commitment-signed.png"), full_page=True)


@pytest.fixture
def conditionally_accepted(open_case):
    # Issuing signs a PDF (pyHanko runs its own event loop): before Playwright holds this thread.
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    flow.accept_conditionally()
    return flow


def test_the_statistics_page_shows_the_figures_and_offers_the_workbook(
    conditionally_accepted, live_server, browser
):
    page = logged_in_page(browser, live_server, make_user("supervisor_browser", "supervisors"))

    page.goto(live_server.url + reverse("acceptance:statistics"))
    page.fill("input[name=start]", "2026-01-01")
    page.fill("input[name=end]", "2026-01-31")
    page.click("#period-form button[type=submit]")
    assert "验收通过 1 个项目，其中限时承诺 1 个，已履约 0 个（0%），1 个仍在承诺期内" in (
        page.inner_text("#headline")
    )
    with page.expect_download() as download:
        page.click("text=导出 XLSX")
    assert download.value.suggested_filename == "commitments-20260101-20260131.xlsx"
    page.screenshot(path=str(ARTIFACTS / "statistics.png"), full_page=True)
