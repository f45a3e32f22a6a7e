"""Each role does its whole job on a fresh case by clicks alone, in Debian's Chromium.

Nothing of the case is driven from code. The owner registers the project, opens the case and
files each construction node's records from a folder on their computer through the bulk intake
page; the reviewer guides each node, reviews the drawings and the recordings and decides; the
owner applies, signs the commitment and downloads the certificate. The setup only creates the
accounts and writes the owner's records to disk (acceptance/samples.py), one folder a node, as
the owner would have them on their computer.

Each test walks its own fresh case to the step its role works on; the other roles' steps are the
same clicks (``Walk``). The pages of the role under test are saved as full-page screenshots in
test-artifacts/walk/<role>/ and checked for WCAG AA contrast.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

import acceptance
from acceptance.models import Case, CatalogItem, Node
from certificates.models import Certificate
from workflows.models import HumanTask, JournalEntry

from ..browser import chromium_browser, contrast_problems
from .conftest import PROJECT_NAME, START, TOLERATED, SampleFiles, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(acceptance.__file__).resolve().parents[1] / "test-artifacts" / "walk"
# The reviews after the application: (task title, verdict field, screenshot name).
REVIEWS = (
    ("数字化审图", "drawing_verdict", "drawing-review"),
    ("声像档案审核", "media_verdict", "media-review"),
)
# Held back from the first node's folder: the reviewer's guidance asks for it, the owner adds it.
HELD_BACK = "C6-P1"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test reads the database
    # between clicks (nothing runs concurrently in this thread), which Django otherwise refuses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_browser()


class Person:
    """One signed-in person in a browser context of their own.

    Only the role under test records its pages (``record``): a screenshot and a contrast check
    of each; the others just click.
    """

    def __init__(self, browser, base_url: str, username: str, role: str, record: bool) -> None:
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)  # eight engineers' runs share two cores
        self.base_url, self.folder, self.shots, self.record = base_url, ARTIFACTS / role, 0, record
        if record:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.page.goto(f"{base_url}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "test-password")
        self.page.click("form.card [type=submit]")
        self.page.wait_for_url(f"{base_url}/")

    def shot(self, name: str) -> None:
        """A full-page screenshot; the page's text must meet WCAG AA contrast."""
        if not self.record:
            return
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


@pytest.fixture
def people(world):
    return {
        "supervisor": make_user("supervisor_test", "supervisors"),
        "auditor": make_user("auditor_test", "auditors"),
        "reviewer2": make_user("reviewer_two", "reviewers"),
    }


class Walk:
    """A fresh case worked by its owner and its reviewer, click by click.

    The owner's records are on disk (``records``), one folder a construction node, named as an
    owner's clerk names them: the item's code and name. Everything required is there but the
    tolerable ``TOLERATED`` (it follows under the commitment) and, when ``held_back``, one
    record of the first node that the reviewer's guidance asks for.
    """

    def __init__(self, browser, live_server, samples: SampleFiles, records: Path, role: str):
        self.samples, self.records, self.role = samples, records, role
        self.owner = Person(browser, live_server.url, "owner_test", "owner", role == "owner")
        self.reviewer = Person(
            browser, live_server.url, "reviewer_test", "reviewer", role == "reviewer"
        )
        self.case: Case | None = None
        self.guided: set[str] = set()

    # -- the owner --------------------------------------------------------------------------------

    def register(self) -> Case:
        """The owner registers the project and opens its acceptance case."""
        owner = self.owner
        owner.click_to("nav >> text=我的项目")
        owner.click_to("#register-project")
        page = owner.page
        for field, value in (
            ("name", PROJECT_NAME),
            ("location", "上海市浦东新区测试路 1 号"),
            ("contractor", "上海测试建工集团有限公司"),
            ("supervisor", "上海测试工程监理有限公司"),
            ("designer", "上海测试建筑设计研究院有限公司"),
            ("planning_permit_no", "建字第310115202600001号"),
            ("construction_permit_no", "310115202601010101"),
            ("floor_area_m2", "12000.00"),
            ("structure_type", "框架结构"),
            ("start_date", f"{START.date() - timedelta(days=600):%Y-%m-%d}"),
            ("completion_date", f"{START.date() - timedelta(days=30):%Y-%m-%d}"),
        ):
            page.fill(f"#id_{field}", value)
        page.select_option("#id_works_type", "building")
        owner.shot("project-register")
        owner.click_to("#project-form button[type=submit]")
        assert "项目已登记" in page.inner_text(".messages")
        owner.shot("project-registered")
        owner.click_to("#open-case")
        page.wait_for_selector("#case-state")
        self.case = Case.objects.get(project__name=PROJECT_NAME)
        owner.shot("case-opened")
        return self.case

    def folder(self, node: Node, leave_out: tuple[str, ...]) -> Path:
        """The node's records as the owner keeps them: ``01 桩基工程/A1-1 项目建议书….pdf``."""
        folder = self.records / f"{node.position:02d} {node.name_zh}"
        folder.mkdir(parents=True, exist_ok=True)
        for item in node.expected_items.exclude(code__in=leave_out):
            source = self.samples.path(item)
            shutil.copyfile(source, folder / f"{item.code} {item.name_zh}{source.suffix}")
        return folder

    def file_node(self, node: Node, leave_out: tuple[str, ...] = (TOLERATED,)) -> None:
        """The owner brings the node's folder in through the bulk intake page and submits."""
        owner, page = self.owner, self.owner.page
        owner.click_to("#upload-link")
        owner.click_to("#bulk-upload-link")
        page.set_input_files("#bulk-folder", str(self.folder(node, leave_out)))
        page.wait_for_selector("#bulk-review:not([hidden])")
        expected = node.expected_items.exclude(code__in=leave_out).count()
        assert page.locator("tr.bulk-row").count() == expected
        assert f"按编号匹配 {expected} 个" in page.inner_text("#bulk-summary"), node.code
        owner.shot(f"bulk-{node.code}-review")
        page.click("#bulk-confirm")
        page.wait_for_selector("#bulk-review[data-finished=true]")
        page.wait_for_function(
            "[...document.querySelectorAll('tr.stored')].every(r => r.querySelector('.bulk-check'))"
        )
        assert f"已保存 {expected} 个，未保存 0 个" in page.inner_text("#bulk-done")
        owner.shot(f"bulk-{node.code}-stored")
        self.submit_node()

    def submit_node(self) -> None:
        """The bulk page's next step: the node's page, its declaration prefilled, submitted."""
        owner = self.owner
        owner.click_to("#bulk-next")
        owner.click_to("#node-submit")
        owner.page.wait_for_selector("#case-state")

    def add_held_back(self) -> None:
        """The owner adds the record the guidance asked for, one file on the upload page."""
        owner, page = self.owner, self.owner.page
        item = CatalogItem.objects.get(version=self.case.catalog_version, code=HELD_BACK)
        owner.open_task(self.case, "提交节点资料")
        assert HELD_BACK in page.inner_text("main")  # what the reviewer asked for
        owner.shot("node-more-requested")
        owner.click_to("a:has-text('上传本节点资料')")
        page.select_option("#id_catalog_item", HELD_BACK)
        page.set_input_files("#id_files", str(self.samples.path(item)))
        page.click("#upload-button")
        page.wait_for_selector(".upload-item .upload-result, .upload-item.refused")
        assert "检测通过" in page.inner_text(".upload-item")
        owner.shot("node-more-uploaded")
        owner.click_to("#node-submit")
        page.wait_for_selector("#case-state")

    def apply(self) -> None:
        self.owner.open_task(self.case, "申请竣工档案验收")
        assert TOLERATED in self.owner.page.inner_text("#one-time-notice")
        self.owner.shot("apply")
        self.owner.complete()

    def sign(self) -> None:
        """The owner reads the commitment and signs it on its own page."""
        owner = self.owner
        owner.open_task(self.case, "签署限时承诺书")
        owner.shot("sign-task")
        owner.click_to("#sign-panel a:has-text('阅读承诺书并签署')")
        owner.shot("commitment")
        owner.page.check("#sign-form input[name=confirm]")
        owner.click_to("#sign-form button[type=submit]")
        owner.shot("commitment-signed")

    # -- the reviewer -----------------------------------------------------------------------------

    def guide(self, verdict: str = "approve") -> None:
        reviewer = self.reviewer
        reviewer.open_task(self.case, "节点指导")
        reviewer.page.check(f"input[name=guidance][value={verdict}]")
        if verdict == "more":
            # The node check flagged the missing record: it is already ticked.
            assert reviewer.page.is_checked(f"input[name=requested_items][value='{HELD_BACK}']")
            reviewer.page.fill(
                "textarea[name=guidance_comment]", f"请补充 {HELD_BACK} 桩基检测报告"
            )
        if verdict not in self.guided:  # six nodes look alike: one screenshot of each verdict
            reviewer.shot(f"node-guidance-{verdict}")
            self.guided.add(verdict)
        reviewer.complete()

    def approve(self, title: str, field: str, name: str, reviewer: Person | None = None) -> None:
        """The review task ``title`` approved (``field`` is its verdict)."""
        reviewer = reviewer or self.reviewer
        reviewer.open_task(self.case, title)
        reviewer.page.check(f"input[name={field}][value=approve]")
        reviewer.shot(name)
        reviewer.complete()

    def review(self) -> None:
        for review in REVIEWS:
            self.approve(*review)

    def decide(self, reviewer: Person | None = None) -> None:
        reviewer = reviewer or self.reviewer
        reviewer.open_task(self.case, "验收决定")
        page = reviewer.page
        page.check("input[name=decision][value=conditional]")
        # The missing tolerable item comes ticked: the reviewer need not hunt for it in the list.
        ticked = page.locator("input[name=tolerated_items]:checked")
        assert [box.get_attribute("value") for box in ticked.all()] == [TOLERATED]
        page.fill("textarea[name=comment]", "主审要件齐全，同意容缺受理")
        reviewer.shot("acceptance-decision")
        reviewer.complete()

    # -- together ---------------------------------------------------------------------------------

    def prefile(self, *, held_back: bool = False) -> None:
        """Every node: the owner files and submits it, the reviewer's guidance approves."""
        for node in self.case.project.nodes.order_by("position"):
            if held_back and node.expected_items.filter(code=HELD_BACK).exists():
                self.file_node(node, leave_out=(TOLERATED, HELD_BACK))
                self.guide("more")
                self.add_held_back()
            else:
                self.file_node(node)
            self.guide()

    def to_decision(self) -> None:
        self.register()
        self.prefile()
        self.apply()
        self.review()


@pytest.fixture
def walk(people, browser, live_server, samples, tmp_path):
    """Start a walk of a fresh case; ``role`` names the role under test."""

    def start(role: str) -> Walk:
        return Walk(browser, live_server, samples, tmp_path / "owner-records", role)

    return start


def test_the_owner_registers_files_applies_signs_the_commitment_and_downloads_the_certificate(
    walk,
):
    walk = walk("owner")
    owner = walk.owner
    owner.shot("home")
    case = walk.register()
    walk.prefile(held_back=True)
    walk.apply()
    walk.review()
    walk.decide()
    walk.sign()
    case.refresh_from_db()
    assert case.status == Case.Status.CONDITIONALLY_ACCEPTED
    assert case.commitments.get().status == "pending"  # signed: the period runs
    # Every record arrived through the pages, each node's under its node.
    assert case.materials.count() == sum(
        node.expected_items.exclude(code=TOLERATED).count() for node in case.project.nodes.all()
    )

    owner.click_to("nav >> text=我的项目")
    owner.click_to(f"tr:has-text('{PROJECT_NAME}') a")
    owner.click_to(f"a:has-text('{case.reference}')")
    certificate = case.certificates.get()
    assert certificate.kind == Certificate.Kind.CONDITIONAL
    with owner.page.expect_download() as download:
        owner.page.click("#case-certificates a.download")
    saved = owner.folder / f"{certificate.number}.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    owner.shot("case-certificate")


def test_the_reviewer_guides_each_node_reviews_and_accepts_conditionally(walk):
    walk = walk("reviewer")
    reviewer = walk.reviewer
    case = walk.register()
    first = case.project.nodes.order_by("position").first()
    walk.file_node(first, leave_out=(TOLERATED, HELD_BACK))
    reviewer.inbox()
    assert "节点指导" in reviewer.page.inner_text("#inbox-summary")
    reviewer.shot("inbox")
    walk.guide("more")
    walk.add_held_back()
    walk.guide()
    for node in case.project.nodes.order_by("position")[1:]:
        walk.file_node(node)
        walk.guide()
    walk.apply()

    # The completeness page first: everything core is there, one tolerable item is missing.
    reviewer.click_to("nav >> text=验收案件")
    reviewer.click_to(f"tr:has-text('{case.reference}') a:has-text('归档范围核对')")
    counts = reviewer.page.inner_text("#completeness-counts")
    assert re.search(r"1\s*缺失 · 可容缺", counts) and re.search(r"0\s*缺失 · 不可容缺", counts)
    reviewer.click_to("#completeness-counts a:has-text('可容缺')")
    assert TOLERATED in reviewer.page.inner_text("table.items")
    reviewer.shot("completeness-tolerable")

    walk.review()
    walk.decide()
    case.refresh_from_db()
    assert case.status == Case.Status.CONDITIONALLY_ACCEPTED
    decision = case.decisions.get()
    assert decision.outcome == "conditional"
    assert list(decision.tolerated_items.values_list("code", flat=True)) == [TOLERATED]
    reviewer.inbox()
    reviewer.shot("inbox-after")


def claim(person: Person, case: Case, title: str) -> None:
    """``person`` claims the case's open task ``title`` in their inbox (and keeps it)."""
    person.inbox()
    row = person.page.locator(f"table.inbox tr:has-text('{case.reference}'):has-text('{title}')")
    row.locator("button:has-text('领取')").click()
    row.locator("button:has-text('退回')").wait_for()


def test_the_supervisor_reassigns_one_task_of_a_reviewer_on_leave_and_delegates_another(
    walk, browser, live_server
):
    """reviewer_test goes on leave twice. The supervisor reassigns their claimed drawing review
    to reviewer_two for good; later delegates their claimed decision, which the delegate reviews
    and returns with a note, and reviewer_test, back, decides."""
    walk = walk("supervisor")
    walk.register()
    walk.prefile()
    walk.apply()
    case = walk.case
    claim(walk.reviewer, case, "数字化审图")
    drawing = HumanTask.objects.open().get(task_name="drawing_review")
    assert drawing.assignee.username == "reviewer_test"

    supervisor = Person(browser, live_server.url, "supervisor_test", "supervisor", record=True)
    supervisor.inbox()
    supervisor.click_to("#scope-all")
    supervisor.page.select_option("#filter-assignee", "reviewer_test")
    supervisor.click_to("#inbox-filters button[type=submit]")
    rows = supervisor.page.locator("table.inbox tbody tr")
    assert rows.count() == 1 and "数字化审图" in rows.first.inner_text()
    supervisor.shot("all-open-tasks-of-reviewer")
    supervisor.page.check("#select-all")
    supervisor.page.select_option("#bulk-assignee", "reviewer_two")
    supervisor.page.fill("#bulk-reason", "reviewer_test 休假，改由 reviewer_two 办理")
    supervisor.click_to("#bulk-assign")
    assert "已将 1 项任务交给 reviewer_two" in supervisor.page.inner_text(".messages")
    supervisor.shot("reassigned")

    drawing.refresh_from_db()
    assert drawing.assignee.username == "reviewer_two"
    entry = JournalEntry.objects.get(chain=case.reference, kind="task.reassigned")
    assert entry.actor == "supervisor_test"
    assert entry.payload["reason"] == "reviewer_test 休假，改由 reviewer_two 办理"
    # The new reviewer finds it in their inbox and approves; the AV review stays with the first.
    walk.approve(
        *REVIEWS[0], Person(browser, live_server.url, "reviewer_two", "supervisor", record=False)
    )
    walk.approve(*REVIEWS[1])

    # The decision: claimed by reviewer_test, who goes on leave for a week.
    claim(walk.reviewer, case, "验收决定")
    decision = HumanTask.objects.open().get(task_name="acceptance_decision")
    until = (timezone.localdate() + timedelta(days=7)).isoformat()
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

    delegate = Person(browser, live_server.url, "reviewer_two", "delegate", record=True)
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

    back = walk.reviewer
    back.inbox()
    row = back.page.locator(f"table.inbox tr:has-text('{case.reference}')")
    assert "委托已办毕退回" in row.inner_text()
    back.open_task(case, "验收决定")
    assert "办理意见：主审要件齐全，建议容缺受理" in back.page.inner_text("#delegation")
    walk.decide()
    case.refresh_from_db()
    assert case.status == Case.Status.CONDITIONALLY_ACCEPTED
    assert case.decisions.get().decided_by.username == "reviewer_test"

    kinds = list(
        JournalEntry.objects.filter(chain=case.reference, task_id=decision.task_id)
        .order_by("sequence")
        .values_list("kind", "actor")
    )
    assert kinds == [
        ("task.claimed", "reviewer_test"),
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


def test_the_auditor_reads_the_summary_pages_the_timeline_zooms_the_diagram_and_verifies(
    walk, browser, live_server
):
    walk = walk("auditor")
    walk.to_decision()
    walk.decide()
    walk.sign()
    case = walk.case
    assert case.certificates.count() == 1

    auditor = Person(browser, live_server.url, "auditor_test", "auditor", record=True)
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
