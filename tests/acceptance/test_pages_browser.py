"""Every role works a case in a real browser (Debian's Chromium through Playwright).

The owner signs in, registers a project, opens a case, uploads several files at once and
watches each one's progress and check result, submits the node and applies; the reviewer works
the inbox and accepts with conditions; the owner signs the commitment and downloads the
conditional certificate; the auditor opens the case's timeline. A screenshot of each page is
saved in test-artifacts/web/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

import acceptance
from acceptance.models import Case, CatalogItem, Project
from acceptance.selectors.catalog import required_items

from ..browser import chromium_browser
from .conftest import TOLERATED, CaseFlow, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(acceptance.__file__).resolve().parents[1] / "test-artifacts" / "web"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test also reads the database
    # between steps (nothing runs concurrently in this thread), which Django otherwise refuses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield from chromium_browser()


class Person:
    """One signed-in browser context, with its screenshots."""

    def __init__(self, browser, base_url: str, username: str, *, tablet: bool = False) -> None:
        viewport = {"width": 820, "height": 1180} if tablet else {"width": 1280, "height": 900}
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.page = self.context.new_page()
        # Generous: five engineers' test runs share two cores.
        self.page.set_default_timeout(90_000)
        self.base_url = base_url
        self.page.goto(f"{base_url}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "test-password")
        self.page.click("form.card [type=submit]")
        self.page.wait_for_url(f"{base_url}/")

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def complete(self) -> None:
        """Send the task form and wait for the page it leads to, which confirms it."""
        with self.page.expect_navigation():
            self.page.click("#complete")
        assert "任务已完成" in self.page.inner_text(".messages")

    def task(self, case: Case, name: str) -> None:
        """Open the case's task ``name`` from the inbox."""
        self.open(reverse("workflows:inbox"))
        self.page.click(f"tr:has-text('{case.reference}') a:has-text('{name}')")
        self.page.wait_for_selector("#task-form")


def register_project(owner: Person, organisation) -> Project:
    page = owner.page
    owner.open(reverse("acceptance:project_new"))
    page.select_option("#id_owner", str(organisation.pk))
    page.fill("#id_name", "浦东新区浏览器测试中学")
    page.fill("#id_location", "上海市浦东新区测试路 9 号")
    page.select_option("#id_works_type", "building")
    page.fill("#id_contractor", "上海测试建工集团有限公司")
    page.fill("#id_supervisor", "上海测试工程监理有限公司")
    page.fill("#id_construction_permit_no", "310115202601019999")
    page.fill("#id_floor_area_m2", "12000")
    page.fill("#id_start_date", "2024-05-01")
    page.fill("#id_completion_date", "2025-12-01")
    owner.shot("01-owner-register-project")
    page.click("#project-form [type=submit]")
    page.wait_for_selector("#project-nodes")
    assert "桩基工程" in page.inner_text("#project-nodes")
    owner.shot("02-owner-project")
    return Project.objects.get(name="浦东新区浏览器测试中学")


def upload_several(owner: Person, flow: CaseFlow, item: CatalogItem) -> None:
    """Two records of ``item`` and, by mistake, a copy of the first: two stored, one refused."""
    page = owner.page
    first, second = flow.samples.path(item, 1), flow.samples.path(item, 2)
    copy = first.with_name(f"copy-of-{first.name}")
    copy.write_bytes(first.read_bytes())
    owner.open(reverse("acceptance:upload", args=[flow.case.reference]))
    page.select_option("#id_catalog_item", item.code)
    page.set_input_files("#id_files", [str(first), str(second), str(copy)])
    page.click("#upload-button")
    page.wait_for_function(
        "document.querySelectorAll('.upload-item .upload-result, .upload-item.refused').length"
        " === 3"
    )
    items = page.locator(".upload-item")
    assert items.count() == 3
    for index in (0, 1):
        assert "检测通过" in items.nth(index).inner_text()
        assert items.nth(index).locator("progress").evaluate("bar => bar.value") == 100
    refused = items.nth(2).inner_text()
    assert "内容相同" in refused and "same content" in refused
    # The node's declaration counts what was sent, not the copy the server refused.
    assert page.input_value("#id_declared_files") == "2"
    assert page.locator("#id_declared_bytes").count() == 0
    owner.shot("04-owner-upload-several-files")
    assert flow.case.materials.filter(catalog_item=item).count() == 2


def test_every_role_works_a_case_in_the_browser(world, samples, browser, live_server):
    make_user("auditor_browser", "auditors")
    owner = Person(browser, live_server.url, "owner_test")
    assert "我的项目" in owner.page.inner_text("nav")
    owner.shot("00-owner-home")

    project = register_project(owner, world.organisation)
    # One construction node keeps the run short: the completion node, which expects the rest.
    project.nodes.exclude(pk=project.nodes.order_by("position").last().pk).delete()
    owner.page.reload()
    owner.page.click("#open-case")
    owner.page.wait_for_selector("#case-state")
    case = project.cases.get()
    assert "预立卷" in owner.page.inner_text("#case-state")
    owner.shot("03-owner-case-opened")

    flow = CaseFlow(case=case, owner=world.owner, reviewer=world.reviewer, samples=samples)
    item = next(item for item in required_items() if item.format_kind == "document")
    upload_several(owner, flow, item)
    flow.upload_required(leave_out=[item.code, TOLERATED])  # the rest, without the browser

    # The node's declaration is prefilled from what arrived; the owner submits it.
    owner.open(reverse("acceptance:upload", args=[case.reference]))
    owner.page.click("#node-submit")
    owner.page.wait_for_selector("#case-state")

    reviewer = Person(browser, live_server.url, "reviewer_test", tablet=True)
    reviewer.open(reverse("workflows:inbox"))
    reviewer.shot("05-reviewer-inbox-tablet")
    reviewer.task(case, "节点指导")
    reviewer.page.check("input[name=guidance][value=approve]")
    reviewer.shot("06-reviewer-node-guidance")
    reviewer.complete()

    owner.task(case, "申请竣工档案验收")
    assert TOLERATED in owner.page.inner_text("#one-time-notice")  # the one-time notice
    owner.shot("07-owner-apply")
    owner.complete()

    for name, field in (("数字化审图", "drawing_verdict"), ("声像档案审核", "media_verdict")):
        reviewer.task(case, name)
        reviewer.page.check(f"input[name={field}][value=approve]")
        reviewer.complete()

    reviewer.open(reverse("workflows:inbox") + "?kind=acceptance_decision")
    assert case.reference in reviewer.page.inner_text("table.inbox")
    reviewer.page.click(f"#task-{flow.task('acceptance_decision').task_id} button:has-text('领取')")
    reviewer.page.wait_for_selector(
        f"#task-{flow.task('acceptance_decision').task_id} button:has-text('退回')"
    )  # claimed in place, without a reload
    reviewer.task(case, "验收决定")
    assert "案件材料与检测结果" in reviewer.page.inner_text("#task-summary")
    reviewer.page.check("input[name=decision][value=conditional]")
    reviewer.page.fill("#task-form .choice-search", TOLERATED)  # a long list: found by code
    reviewer.page.check(f"input[name=tolerated_items][value='{TOLERATED}']")
    reviewer.page.fill("textarea[name=comment]", "主审要件齐全，同意容缺受理")
    reviewer.shot("08-reviewer-decision")
    reviewer.complete()
    assert flow.status == Case.Status.CONDITIONALLY_ACCEPTED

    owner.task(case, "签署限时承诺书")
    owner.page.check("input[name=confirm]")
    owner.shot("09-owner-sign-commitment")
    owner.complete()
    owner.open(reverse("acceptance:case", args=[case.reference]))
    certificate = case.certificates.get()
    assert "容缺受理" in owner.page.inner_text("#case-state")
    assert "截止" in owner.page.inner_text("#case-tasks")  # the commitment's deadline
    with owner.page.expect_download() as download:
        owner.page.click("#case-certificates a.download")
    saved = ARTIFACTS / f"{certificate.number}.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    owner.shot("10-owner-case-certificate")

    auditor = Person(browser, live_server.url, "auditor_browser")
    auditor.page.click(f"a[href='{reverse('acceptance:timeline', args=[case.reference])}']")
    auditor.page.wait_for_selector("table.timeline")
    assert "意见书签发" in auditor.page.inner_text("table.timeline")
    auditor.shot("11-auditor-timeline")
