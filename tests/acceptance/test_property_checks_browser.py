"""The archive clerk reads a case's four-property reports in a real browser (screenshots kept)."""

from __future__ import annotations

import shutil

import bagit
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from acceptance.archive.package import archival_package_path
from acceptance.models import PropertyCheckReport
from acceptance.tasks import run_fixity_audit

from ..browser import chromium_browser
from .test_pages_browser import ARTIFACTS, Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test reads the database
    # between steps (the live server answers in its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield from chromium_browser()


@pytest.fixture
def checked(flow, tmp_path):
    """An archived case through every stage, with a forged package received for it.

    Made before the browser starts: signing runs an event loop of its own, which Playwright's
    would refuse.
    """
    flow.reach_decision()
    flow.decide("accept")
    run_fixity_audit()
    forged = tmp_path / "forged"
    shutil.copytree(archival_package_path(flow.case), forged)
    (forged / "data" / "setup.exe").write_bytes(b"MZ\x90\x00 not an archive file")
    bagit.Bag(str(forged)).save(manifests=True)
    with pytest.raises(CommandError):
        call_command("receive_package", str(forged))
    return flow


def test_the_clerk_sees_every_stage_and_a_failed_receipt_explained(checked, browser, live_server):
    flow = checked
    clerk = Person(browser, live_server.url, flow.reviewer.get_username())
    clerk.open(reverse("acceptance:case", args=[flow.case.reference]))
    clerk.page.click("#property-checks-link")
    clerk.page.wait_for_selector("#stage-storage")
    clerk.shot("property-checks")
    for stage, tag in [
        ("archiving", "通过"), ("transfer", "通过"), ("receipt", "未通过"), ("storage", "通过"),
    ]:  # fmt: skip
        assert tag in clerk.page.inner_text(f"#stage-{stage} h2 .tag")

    clerk.page.click("#stage-receipt a:has-text('查看报告')")
    clerk.page.wait_for_selector("#report-findings")
    clerk.shot("property-report-receipt")
    assert "未通过" in clerk.page.inner_text("#verdict")
    assert "setup.exe" in clerk.page.inner_text("#report-findings")
    assert not clerk.page.is_visible("#report-items table")  # every item folded away

    receipt = PropertyCheckReport.objects.get(stage="receipt")
    with clerk.page.expect_download() as download:
        clerk.page.click("a:has-text('下载报告 PDF')")
    saved = ARTIFACTS / "property-report-receipt.pdf"
    download.value.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF")
    assert receipt.subject == flow.case.reference
