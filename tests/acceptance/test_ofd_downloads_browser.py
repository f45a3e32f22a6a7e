"""The sealed OFD links on the commitment page and the four-property report pages, in a real
browser: each page saved as a full-page screenshot in ``test-artifacts/acceptance/``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from acceptance.models import PropertyCheckReport

from ..browser import chromium_page, contrast_problems, sign_in
from .conftest import TOLERATED

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "acceptance"


@pytest.fixture
def cases(transactional_db, open_case):
    conditional = open_case(leave_out=[TOLERATED])
    conditional.reach_decision()
    conditional.decide("conditional", [TOLERATED])
    client = Client()
    client.force_login(conditional.owner)
    reference = conditional.case.reference
    pdf = client.get(reverse("acceptance:commitment_pdf", args=[reference])).content
    client.post(
        reverse("acceptance:commitment_sign", args=[reference]),
        {"pdf_sha256": hashlib.sha256(pdf).hexdigest(), "confirm": "on"},
    )
    accepted = open_case()
    accepted.reach_decision()
    accepted.decide("accept")
    report = PropertyCheckReport.objects.get(case=accepted.case, stage="transfer")
    return conditional, accepted, report


@pytest.fixture
def page(cases):
    # After the data: the database is not to be used while Playwright's event loop runs.
    yield from chromium_page({"width": 1100, "height": 900})


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert contrast_problems(page) == [], name


def test_the_sealed_ofd_links_on_the_commitment_and_report_pages(live_server, cases, page):
    conditional, accepted, report = cases
    sign_in(page, live_server.url, conditional.owner)
    page.goto(f"{live_server.url}/cases/{conditional.case.reference}/commitment/")
    shoot(page, "commitment-ofd-link")
    with page.expect_download() as download:
        page.get_by_role("link", name="OFD 版式文件（含电子印章）").click()
    assert download.value.suggested_filename.endswith(".ofd")

    # Anyone checks the sealed commitment on the public page with the file alone.
    page.goto(f"{live_server.url}{reverse('certificates:verify')}")
    page.set_input_files("#upload-form input[type=file]", download.value.path())
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    report_text = page.inner_text("#verify-report")
    assert "容缺受理限时承诺书" in report_text
    assert f"建设单位 Owner\t{conditional.case.project.owner.name}" in report_text
    assert "申请人" not in report_text
    shoot(page, "commitment-ofd-verified")

    page.context.clear_cookies()  # the owner signs out; the reviewer signs in
    sign_in(page, live_server.url, accepted.reviewer)
    page.goto(f"{live_server.url}/cases/{accepted.case.reference}/four-properties/")
    shoot(page, "property-checks-ofd-links")
    page.goto(f"{live_server.url}/four-properties/{report.pk}/")
    shoot(page, "property-report-ofd-link")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 OFD 版式文件（含电子印章）").click()
    assert download.value.suggested_filename.endswith(".ofd")
