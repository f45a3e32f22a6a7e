"""Each role does its whole job on a fresh case by clicks alone, in Debian's Chromium.

Fixtures seed what came before a role's first step through the product's own services (a
project registered, its records uploaded); from then on every step, of the role under test and
of the others it waits for, is a click in the browser. Each page visited is saved as a full-page
screenshot in test-artifacts/walk/<role>/ and checked for WCAG AA contrast.

One construction node keeps a walk short (a real case has six, each the same round).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

import acceptance
from acceptance.models import Case, CatalogItem
from certificates.models import Certificate
from workflows.models import HumanTask, JournalEntry

from ..browser import chromium_browser, contrast_problems
from .conftest import TOLERATED, CaseFlow, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(acceptance.__file__).resolve().parents[1] / "test-artifacts" / "walk"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test reads the database
    # between clicks (nothing runs concurrently in this thread), which Django otherwise refuses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_browser()


class Person:
    """One signed-in person in a browser context of their own."""

    def __init__(
        self, browser, base_url: str, username: str, role: str, artifacts: Path = ARTIFACTS
    ) -> None:
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)  # eight engineers' runs share two cores
        self.base_url, self.folder, self.shots = base_url, artifacts / role, 0
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.goto(f"{base_url}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "test-password")
        self.page.click("form.card [type=submit]")
        self.page.wait_for_url(f"{base_url}/")

    def shot(self, name: str) -> None:
        """A full-page screenshot; the page's text must meet WCAG AA contrast."""
        self.shots += 1
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)
        assert contrast_problems(self.page) == [], name

    def click_to(self, selector: str) -> None:
        """Click a link or button that loads another page, and wait for it."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def inbox(self) -> None:
        self.click_to("nav >> text=待办任务")

    def open_task(self, case: Case, title: str) -> None:
        """From the inbox, the case's task called ``title`` (claimed first when it is free)."""
        self.inbox()
        row = self.page.locator(f"table.inbox tr:has-text('{case.reference}'):has-text('{title}')")
        claim = row.locator("button:has-text('领取')")
        if claim.count():
            claim.click()  # claimed in place
            row.locator("button:has-text('退回')").wait_for()
        self.click_to(f"table.inbox tr:has-text('{case.reference}') a:has-text('{title}')")
        self.page.wait_for_selector("#task-form")

    def complete(self) -> None:
        self.click_to("#complete")
        assert "任务已完成" in self.page.inner_text(".messages")


def sign_in(browser, live_server, username: str, role: str, artifacts: Path = ARTIFACTS) -> Person:
    return Person(browser, live_server.url, username, role, artifacts)


# -- the reviewer's steps, shared by the walks that wait for them ---------------------------------


def guide_node(reviewer: Person, case: Case) -> None:
    reviewer.open_task(case, "节点指导")
    reviewer.page.check("input[name=guidance][value=approve]")
    reviewer.shot("node-guidance")
    reviewer.complete()


def review_drawings_and_media(reviewer: Person, case: Case) -> None:
    for title, field, name in (
        ("数字化审图", "drawing_verdict", "drawing-review"),
        ("声像档案审核", "media_verdict", "media-review"),
    ):
        reviewer.open_task(case, title)
        reviewer.page.check(f"input[name={field}][value=approve]")
        reviewer.shot(name)
        reviewer.complete()


def decide_conditionally(reviewer: Person, case: Case) -> None:
    reviewer.open_task(case, "验收决定")
    page = reviewer.page
    page.check("input[name=decision][value=conditional]")
    # A long list of items: the reviewer finds the one to tolerate by its code.
    page.fill("#task-form .choice-search", TOLERATED)
    page.check(f"input[name=tolerated_items][value='{TOLERATED}']")
    page.fill("textarea[name=comment]", "主审要件齐全，同意容缺受理")
    reviewer.shot("acceptance-decision")
    reviewer.complete()


# -- the owner's steps ----------------------------------------------------------------------------


def owner_opens_case(owner: Person, case: Case) -> None:
    owner.click_to("nav >> text=我的项目")
    owner.click_to(f"tr:has-text('{case.project.name}') a")
    owner.click_to(f"a:has-text('{case.reference}')")
    owner.page.wait_for_selector("#case-state")


def owner_uploads(owner: Person, flow: CaseFlow, item: CatalogItem) -> None:
    owner.click_to("#upload-link")
    page = owner.page
    page.select_option("#id_catalog_item", item.code)
    page.set_input_files("#id_files", [str(flow.samples.path(item, 1))])
    page.click("#upload-button")
    page.wait_for_function(
        "document.querySelectorAll('.upload-item .upload-result, .upload-item.refused').length"
        " === 1"
    )
    assert "检测通过" in page.inner_text(".upload-item")
    owner.shot("upload")


@pytest.fixture
def people(world):
    return {
        "supervisor": make_user("supervisor_test", "supervisors"),
        "auditor": make_user("auditor_test", "auditors"),
        "reviewer2": make_user("reviewer_two", "reviewers"),
    }


@pytest.fixture
def fresh_case(open_case):
    """A one-node case whose owner has uploaded every required record but one document and the
    tolerable item (through the upload service, as earlier visits to the upload page would)."""
    flow = open_case(upload=False)
    document = next(
        item
        for item in CatalogItem.objects.filter(version=flow.case.catalog_version)
        if item.required_by_archive and item.format_kind == "document" and item.code != TOLERATED
    )
    flow.upload_required(leave_out=[document.code, TOLERATED])
    return flow, document


def test_the_owner_files_applies_signs_the_commitment_and_downloads_the_certificate(
    fresh_case, people, browser, live_server
):
    flow, document = fresh_case
    case = flow.case
    owner = sign_in(browser, live_server, "owner_test", "owner")
    owner.shot("home")
    owner_opens_case(owner, case)
    owner.shot("case")

    owner_uploads(owner, flow, document)
    owner.click_to("#node-submit")  # the node's declaration is prefilled from what arrived
    owner.page.wait_for_selector("#case-state")

    reviewer = sign_in(browser, live_server, "reviewer_test", "owner-walk-reviewer")
    guide_node(reviewer, case)

    owner.open_task(case, "申请竣工档案验收")
    assert TOLERATED in owner.page.inner_text("#one-time-notice")
    owner.shot("apply")
    owner.complete()

    review_drawings_and_media(reviewer, case)
    decide_conditionally(reviewer, case)

    # The commitment: read it, sign it on its own page.
    owner.open_task(case, "签署限时承诺书")
    owner.shot("sign-task")
    owner.click_to("#sign-panel a:has-text('阅读承诺书并签署')")
    owner.shot("commitment")
    owner.page.check("#sign-form input[name=confirm]")
    owner.click_to("#sign-form button[type=submit]")
    owner.shot("commitment-signed")
    case.refresh_from_db()
    assert case.status == Case.Status.CONDITIONALLY_ACCEPTED
    assert case.commitments.get().status == "pending"  # signed: the period runs

    owner_opens_case(owner, case)
    certificate = case.certificates.get()
    assert certificate.kind == Certificate.Kind.CONDITIONAL
    with owner.page.expect_download() as download:
        owner.page.click("#case-certificates a.download")
    saved = owner.folder / f"{certificate.number}.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    owner.shot("case-certificate")


@pytest.fixture
def awaiting_guidance(fresh_case) -> CaseFlow:
    """The owner has submitted the node (as their click on 提交本节点资料 sends it)."""
    flow, document = fresh_case
    flow.upload(document.code)
    flow.complete("node_submit")
    return flow


@pytest.fixture
def awaiting_decision(awaiting_guidance) -> CaseFlow:
    flow = awaiting_guidance
    flow.review("node_guidance", guidance="approve")
    flow.apply()
    flow.approve_reviews()
    return flow


@pytest.fixture
def accepted_conditionally(awaiting_decision) -> CaseFlow:
    # Seeded before the browser starts: certificate signing runs its own event loop.
    awaiting_decision.accept_conditionally()
    return awaiting_decision


def test_the_reviewer_guides_reviews_and_accepts_conditionally(
    awaiting_guidance, people, browser, live_server
):
    flow = awaiting_guidance
    case = flow.case

    reviewer = sign_in(browser, live_server, "reviewer_test", "reviewer")
    reviewer.inbox()
    assert "节点指导" in reviewer.page.inner_text("#inbox-summary")
    reviewer.shot("inbox")
    # The completeness page first: what is there, what is missing.
    reviewer.click_to("nav >> text=验收案件")
    reviewer.click_to(f"tr:has-text('{case.reference}') a:has-text('归档范围核对')")
    assert re.search(r"1\s*缺失 · 可容缺", reviewer.page.inner_text("#completeness-counts"))
    reviewer.click_to("#completeness-counts a:has-text('可容缺')")
    assert TOLERATED in reviewer.page.inner_text("table.items")
    reviewer.shot("completeness-tolerable")

    guide_node(reviewer, case)
    owner = sign_in(browser, live_server, "owner_test", "reviewer-walk-owner")
    owner.open_task(case, "申请竣工档案验收")
    owner.complete()

    review_drawings_and_media(reviewer, case)
    decide_conditionally(reviewer, case)
    case.refresh_from_db()
    assert case.status == Case.Status.CONDITIONALLY_ACCEPTED
    decision = case.decisions.get()
    assert decision.outcome == "conditional"
    assert list(decision.tolerated_items.values_list("code", flat=True)) == [TOLERATED]
    reviewer.inbox()
    reviewer.shot("inbox-after")


def test_the_supervisor_reassigns_the_work_of_a_reviewer_on_leave(
    awaiting_decision, people, browser, live_server
):
    flow = awaiting_decision
    case = flow.case
    decision = flow.task("acceptance_decision")
    # reviewer_test had claimed the decision before going on leave.
    HumanTask.objects.filter(pk=decision.pk).update(assignee=flow.reviewer)

    supervisor = sign_in(browser, live_server, "supervisor_test", "supervisor")
    supervisor.inbox()
    supervisor.click_to("#scope-all")
    supervisor.page.select_option("#filter-assignee", "reviewer_test")
    supervisor.click_to("#inbox-filters button[type=submit]")
    rows = supervisor.page.locator("table.inbox tbody tr")
    assert rows.count() == 1 and "验收决定" in rows.first.inner_text()
    supervisor.shot("all-open-tasks-of-reviewer")
    supervisor.page.check("#select-all")
    supervisor.page.select_option("#bulk-assignee", "reviewer_two")
    supervisor.page.fill("#bulk-reason", "reviewer_test 休假，改由 reviewer_two 办理")
    supervisor.click_to("#bulk-assign")
    assert "已将 1 项任务交给 reviewer_two" in supervisor.page.inner_text(".messages")
    supervisor.shot("reassigned")

    decision.refresh_from_db()
    assert decision.assignee.username == "reviewer_two"
    entry = JournalEntry.objects.get(chain=case.reference, kind="task.reassigned")
    assert entry.actor == "supervisor_test"
    assert entry.payload["reason"] == "reviewer_test 休假，改由 reviewer_two 办理"

    # The new reviewer finds it in their inbox and decides.
    reviewer = sign_in(browser, live_server, "reviewer_two", "supervisor-walk-reviewer")
    decide_conditionally(reviewer, case)
    case.refresh_from_db()
    assert case.status == Case.Status.CONDITIONALLY_ACCEPTED


def test_the_auditor_reads_the_summary_pages_the_timeline_zooms_the_diagram_and_verifies(
    accepted_conditionally, people, browser, live_server
):
    flow = accepted_conditionally
    case = flow.case
    assert case.certificates.count() == 1

    auditor = sign_in(browser, live_server, "auditor_test", "auditor")
    auditor.click_to("nav >> text=验收案件")
    auditor.click_to(f"tr:has-text('{case.reference}') a:has-text('时间线')")
    page = auditor.page
    summary = page.inner_text("#timeline-summary")
    assert "全部记录" in summary and "材料上传" in summary
    # The page fits the window; the diagram opens at a legible size and zooms.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    label = page.locator("#diagram g.node text.label").first
    assert float(label.evaluate("t => t.getBoundingClientRect().height")) >= 12
    auditor.shot("timeline")
    before = page.locator("#diagram svg").evaluate("svg => svg.getBoundingClientRect().width")
    page.click("[data-zoom=out]")
    after = page.locator("#diagram svg").evaluate("svg => svg.getBoundingClientRect().width")
    assert after < before
    page.click("[data-zoom=fit]")
    whole = page.locator("#diagram svg").evaluate("svg => svg.getBoundingClientRect().width")
    assert whole <= page.locator("#diagram").evaluate("frame => frame.clientWidth")
    auditor.shot("timeline-diagram-whole")

    # Filter the uploads; page through them.
    page.select_option("#id_kind", "material.uploaded")
    auditor.click_to("#kind-form button[type=submit]")
    uploads = JournalEntry.objects.filter(chain=case.reference, kind="material.uploaded").count()
    assert f"共 {uploads} 条" in page.inner_text(".pagination")
    auditor.click_to(".pagination a[rel=prev]")
    assert page.locator("table.timeline tbody tr").count() == 25
    auditor.shot("timeline-uploads-previous-page")

    auditor.click_to("#replay-form button[type=submit]")
    result = page.inner_text("#verify-result")
    assert "全部通过" in result and "✖" not in result
    auditor.shot("timeline-verified")

    auditor.click_to("#timeline-summary a:has-text('归档范围核对')")
    assert page.locator("details.category").count() == 5
    auditor.shot("completeness")


def test_the_supervisor_delegates_the_delegate_returns_and_the_reviewer_decides(
    awaiting_decision, people, browser, live_server
):
    """A reviewer going on leave: the supervisor delegates their decision by clicks, the
    delegate reviews and returns it with a note, the reviewer (back) decides."""
    flow = awaiting_decision
    case = flow.case
    decision = flow.task("acceptance_decision")
    HumanTask.objects.filter(pk=decision.pk).update(
        assignee=flow.reviewer, claimed_at=timezone.now()
    )
    folder = ARTIFACTS.parent / "delegation"
    until = (timezone.localdate() + timedelta(days=7)).isoformat()

    supervisor = sign_in(browser, live_server, "supervisor_test", "supervisor", folder)
    supervisor.inbox()
    supervisor.click_to("#scope-all")
    supervisor.click_to(f"table.inbox tr:has-text('{case.reference}') a:has-text('验收决定')")
    page = supervisor.page
    page.click("#delegate summary")
    page.select_option("#delegate-to", "reviewer_two")
    page.fill("#delegate-reason", "reviewer_test 休假一周，请代为审查")
    page.fill("#delegate-until", until)
    supervisor.shot("delegate-form")
    supervisor.click_to("#delegate-submit")
    assert "已委托 reviewer_two 办理，办毕后退回 reviewer_test" in page.inner_text(".messages")
    assert "已委托 reviewer_two 办理" in page.inner_text("#delegation")
    supervisor.shot("delegated")
    supervisor.inbox()
    supervisor.click_to("#scope-all")
    row = page.locator(f"table.inbox tr:has-text('{case.reference}'):has-text('验收决定')")
    assert "由 reviewer_test 委托" in row.inner_text() and f"委托至 {until}" in row.inner_text()
    supervisor.shot("inbox-all-delegated")

    delegate = sign_in(browser, live_server, "reviewer_two", "delegate", folder)
    delegate.inbox()
    row = delegate.page.locator(f"table.inbox tr:has-text('{case.reference}')")
    assert "由 reviewer_test 委托" in row.inner_text()
    delegate.shot("inbox")
    delegate.open_task(case, "验收决定")
    assert delegate.page.locator("#complete").count() == 0  # a delegate does not decide
    assert "请在上方填写办理意见并“办毕退回”" in delegate.page.inner_text("#task-form")
    delegate.page.fill("#resolve-note", "主审要件齐全，建议容缺受理")
    delegate.shot("task-delegated")
    delegate.click_to("#resolve")
    assert "已办毕退回 reviewer_test" in delegate.page.inner_text(".messages")
    delegate.shot("resolved")

    owner = sign_in(browser, live_server, "reviewer_test", "reviewer", folder)
    owner.inbox()
    row = owner.page.locator(f"table.inbox tr:has-text('{case.reference}')")
    assert "委托已办毕退回" in row.inner_text()
    owner.shot("inbox-returned")
    owner.open_task(case, "验收决定")
    assert "办理意见：主审要件齐全，建议容缺受理" in owner.page.inner_text("#delegation")
    owner.shot("task-returned")
    decide_conditionally(owner, case)
    case.refresh_from_db()
    assert case.status == Case.Status.CONDITIONALLY_ACCEPTED
    assert case.decisions.get().decided_by.username == "reviewer_test"

    kinds = list(
        JournalEntry.objects.filter(chain=case.reference, task_id=decision.task_id)
        .order_by("sequence")
        .values_list("kind", "actor")
    )
    assert kinds == [
        ("task.delegated", "supervisor_test"),
        ("task.resolved", "reviewer_two"),
        ("task.completed", "reviewer_test"),
    ]
    # The case's timeline, each person's steps in words (unfolded as an auditor would).
    timeline = f"{live_server.url}/cases/{case.reference}/timeline/"
    for actor, kind, words in (
        ("supervisor_test", "任务委托", "reviewer_test 的任务委托 reviewer_two 办理（至"),
        ("reviewer_two", "委托办毕退回", "reviewer_two 办毕退回 reviewer_test；意见：主审要件齐全"),
    ):
        supervisor.page.goto(f"{timeline}?actor={actor}")
        row = supervisor.page.locator(f"table tr:has-text('{kind}')")
        row.locator("details.change-detail summary").click()
        assert words in row.inner_text()
        supervisor.shot(f"timeline-{actor}")

    # Next time the reviewer goes away, the supervisor sets it up once for the whole leave.
    supervisor.inbox()
    supervisor.click_to("#standing-link")
    page.select_option("#standing-owner", "reviewer_test")
    page.select_option("#standing-delegate", "reviewer_two")
    page.fill("#standing-until", until)
    page.fill("#standing-reason", "年休假")
    supervisor.click_to("#standing-submit")
    assert "reviewer_test 的新任务委托 reviewer_two 办理" in page.inner_text(".messages")
    assert "年休假" in page.inner_text("#standing-list")
    supervisor.shot("standing-delegation")
