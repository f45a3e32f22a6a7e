"""The register, the figures and the shared inbox in Chromium, by clicks from the navigation, as
an auditor and an archivist see them; full-page screenshots in ``test-artifacts/access/``."""

from __future__ import annotations

import pytest

from ..browser import chromium_browser
from .conftest import make_user
from .test_pages_browser import ARTIFACTS, page_as, shoot


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_browser()


@pytest.mark.django_db(transaction=True)
def test_an_auditor_reads_the_register_and_the_figures_of_march(
    access_world, march, live_server, browser
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    auditor = page_as(browser, live_server, make_user("auditor_wu", "auditors"))
    auditor.goto(live_server.url + "/")
    auditor.click("#nav-access-register")
    auditor.fill("input[name=start]", "2026-03-01")
    auditor.fill("input[name=end]", "2026-03-31")
    auditor.click("#register-filters button[type=submit]")
    lift = march["lift"].reference
    auditor.click(f"#journal-{lift} summary")
    assert "超期审核" in auditor.inner_text(f"#register-{lift}")
    assert "查档申请提交" in auditor.inner_text(f"#journal-{lift}")
    assert "张晓明" not in auditor.inner_text("#register")
    shoot(auditor, "register-auditor")

    auditor.click("#to-statistics")
    assert "收到查档申请 4 件" in auditor.inner_text("#headline")
    assert auditor.inner_text("#row-on_time_rate td:last-child") == "75%"
    shoot(auditor, "statistics-auditor")
    with auditor.expect_download() as download:
        auditor.click("#export")
    assert download.value.suggested_filename == "access-statistics-20260301-20260331.xlsx"


@pytest.mark.django_db(transaction=True)
def test_an_archivist_finds_the_review_due_in_the_shared_inbox(
    access_world, march, live_server, browser
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    archivist = page_as(browser, live_server, access_world.archivist)
    archivist.goto(live_server.url + "/tasks/")
    row = archivist.locator(f"tr:has-text('{march['april'].reference}')")
    # Due on the fifth working day after 1 April: the Qingming holiday (4-6 April) is skipped.
    assert "2026-04-09 17:30" in row.locator("td.due").inner_text()
    shoot(archivist, "inbox-archivist")
    archivist.goto(live_server.url + "/access/review/")
    assert "2026-04-09 17:30" in archivist.inner_text("#waiting")
    archivist.click("#to-register")
    assert "张晓明" in archivist.inner_text("#register")
    shoot(archivist, "register-archivist")
