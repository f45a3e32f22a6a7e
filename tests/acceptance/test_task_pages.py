"""The inbox and the generic task page (workflows.views) with the acceptance domain's hooks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from acceptance.models import Case
from acceptance.selectors.catalog import code_order
from acceptance.selectors.completeness import completeness_report
from workflows.models import HumanTask, JournalEntry

from .conftest import CORE_DOCUMENT, TOLERATED, make_user
from .internals import internals

pytestmark = pytest.mark.django_db(transaction=True)


def inbox_rows(client, query: str = "") -> str:
    """The inbox table's rows (the filter form above also names task kinds and projects)."""
    page = client.get(reverse("workflows:inbox") + query).content.decode()
    return page.split("<tbody>", 1)[1]


def task_url(task: HumanTask) -> str:
    return reverse("workflows:task", args=[task.task_id])


@pytest.fixture
def deciding(flow):
    flow.reach_decision()
    return flow


def test_the_inbox_filters_by_kind_and_project_and_marks_overdue_and_near_deadline(
    deciding, clock, client
):
    client.force_login(deciding.reviewer)
    rows = inbox_rows(client)
    assert "验收决定" in rows and deciding.case.reference in rows
    assert "已超期" not in rows and "即将到期" not in rows
    assert deciding.case.reference not in inbox_rows(client, "?due=week&kind=node_guidance")

    assert "验收决定" not in inbox_rows(client, "?kind=node_guidance")
    assert "验收决定" in inbox_rows(client, "?kind=acceptance_decision")
    project = deciding.case.project.reference
    assert deciding.case.reference in inbox_rows(client, f"?subject={project}")
    assert deciding.case.reference not in inbox_rows(client, "?subject=XM-none")
    assert deciding.case.reference not in inbox_rows(client, "?due=overdue")

    clock.shift(timedelta(days=4, hours=12))  # the 5-day SLA ends within 24 hours
    rows = inbox_rows(client, "?due=soon")
    assert "due-soon" in rows and "即将到期" in rows
    clock.shift(timedelta(days=1))
    assert "due-overdue" in inbox_rows(client, "?due=overdue")
    summary = client.get(reverse("workflows:inbox")).content.decode()
    assert '<span class="count">1</span>已超期' in summary


def test_a_reviewer_claims_and_releases_with_htmx_and_both_are_journaled(deciding, client):
    client.force_login(deciding.reviewer)
    task = deciding.task("acceptance_decision")
    row = client.post(reverse("workflows:claim", args=[task.task_id]), HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert "reviewer_test" in row.content.decode() and "退回" in row.content.decode()
    task.refresh_from_db()
    assert task.assignee == deciding.reviewer

    row = client.post(reverse("workflows:release", args=[task.task_id]), HTTP_HX_REQUEST="true")
    assert "领取" in row.content.decode()
    task.refresh_from_db()
    assert task.assignee is None
    kinds = [e.kind for e in JournalEntry.objects.filter(chain=deciding.case.reference)]
    assert kinds[-2:] == ["task.claimed", "task.released"]


def test_the_task_page_shows_materials_checks_history_and_the_decision_form(deciding, client):
    client.force_login(deciding.reviewer)
    page = client.get(task_url(deciding.task("acceptance_decision"))).content.decode()
    assert "案件材料与检测结果" in page and "真实" in page  # the four-property results
    assert "办理记录" in page and "任务办结" in page  # history from the journal, in words
    assert "<td>task.completed</td>" not in page  # the code only in the folded auditor detail
    assert 'value="conditional"' in page and "容缺受理 conditional acceptance" in page
    assert f'value="{TOLERATED}"' in page  # a tolerable item offered
    assert f'value="{CORE_DOCUMENT}"' not in page  # core items are never offered
    assert "一次性告知" in page or "归档范围核对" in page


def test_a_conditional_decision_from_the_form_issues_the_conditional_certificate(deciding, client):
    client.force_login(deciding.reviewer)
    task = deciding.task("acceptance_decision")
    response = client.post(
        task_url(task),
        {"decision": "conditional", "tolerated_items": [TOLERATED], "comment": "同意容缺"},
    )
    assert response.status_code == 302
    assert deciding.status == Case.Status.CONDITIONALLY_ACCEPTED
    assert deciding.task("sign_commitment") is not None

    client.force_login(deciding.owner)
    sign = deciding.task("sign_commitment")
    assert client.post(task_url(sign), {}).status_code == 400  # the box must be ticked
    assert client.post(task_url(sign), {"confirm": "on"}).status_code == 302
    assert deciding.certificates() == [("conditional", "issued")]


def ticked(page: str, field: str) -> list[str]:
    """The values of the checked boxes of ``field`` on the page."""
    boxes = re.findall(rf'<input type="checkbox" name="{field}"[^>]*>', page)
    return [re.search(r'value="([^"]*)"', box)[1] for box in boxes if " checked" in box]


@pytest.fixture
def missing_tolerable(open_case):
    """At the decision with the tolerable ``TOLERATED`` never filed."""
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    return flow


def test_the_decision_form_starts_with_the_missing_tolerable_items_ticked(
    missing_tolerable, client
):
    deciding = missing_tolerable
    client.force_login(deciding.reviewer)
    task = deciding.task("acceptance_decision")
    page = client.get(task_url(task)).content.decode()
    missing = completeness_report(deciding.case).missing_tolerable
    assert TOLERATED in missing
    assert ticked(page, "tolerated_items") == sorted(missing, key=code_order)
    assert 'value="conditional" checked' not in page  # the reviewer still chooses the outcome
    assert "缺失的可容缺材料已预先勾选" in page

    # Returning the case with the boxes still ticked tolerates nothing.
    response = client.post(task_url(task), {"decision": "return", "tolerated_items": [TOLERATED]})
    assert response.status_code == 302
    completed = JournalEntry.objects.filter(
        chain=deciding.case.reference, kind="task.completed", task_name="acceptance_decision"
    ).get()
    assert completed.payload["data"]["tolerated_items"] == []
    assert deciding.status == Case.Status.RETURNED


def test_the_decision_form_ticks_nothing_when_nothing_is_missing_or_for_an_owner_not_eligible(
    deciding, missing_tolerable, client
):
    client.force_login(deciding.reviewer)
    page = client.get(task_url(deciding.task("acceptance_decision"))).content.decode()
    assert f'value="{TOLERATED}"' in page and ticked(page, "tolerated_items") == []
    assert "预先勾选" not in page

    deciding = missing_tolerable
    owner = deciding.case.project.owner
    owner.conditional_eligible = False
    owner.eligibility_reason = "有逾期未履行的承诺"
    owner.save()
    client.force_login(deciding.reviewer)
    page = client.get(task_url(deciding.task("acceptance_decision"))).content.decode()
    assert f'value="{TOLERATED}"' in page and ticked(page, "tolerated_items") == []


def test_a_conditional_decision_naming_a_core_item_is_refused_and_changes_nothing(deciding, client):
    client.force_login(deciding.reviewer)
    task = deciding.task("acceptance_decision")
    response = client.post(
        task_url(task), {"decision": "conditional", "tolerated_items": [CORE_DOCUMENT]}
    )
    # A core item is not even a choice: the form refuses it before the domain is asked.
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    response = client.post(task_url(task), {"decision": "conditional"})
    assert response.status_code == 400
    assert "容缺受理须选择可容缺的材料" in response.content.decode()
    assert "choose the tolerable items" in response.content.decode()
    task.refresh_from_db()
    assert task.status == HumanTask.Status.OPEN
    assert deciding.status == Case.Status.UNDER_REVIEW


def test_the_owner_answers_a_request_for_supplement_after_the_one_time_notice(deciding, client):
    deciding.decide("return", comment="请补齐材料")
    client.force_login(deciding.owner)
    task = deciding.task("supplement")
    page = client.get(task_url(task)).content.decode()
    assert "补正要求" in page and "请补齐材料" in page
    assert reverse("acceptance:upload", args=[deciding.case.reference]) in page
    assert client.post(task_url(task), {}).status_code == 302
    assert deciding.task("supplement") is None
    assert deciding.status == Case.Status.UNDER_REVIEW


def test_the_node_submission_declares_files_and_bytes_from_the_upload_page(flow, client):
    client.force_login(flow.owner)
    page = client.get(reverse("acceptance:upload", args=[flow.case.reference])).content.decode()
    assert "提交本节点资料" in page
    materials = flow.case.materials.current()
    response = client.post(
        task_url(flow.task("node_submit")),
        {
            "declared_files": materials.count() + 1,
            "next": reverse("acceptance:case", args=[flow.case.reference]),
        },
    )
    assert response["Location"] == reverse("acceptance:case", args=[flow.case.reference])
    guidance = flow.task("node_guidance")
    client.force_login(flow.reviewer)
    page = client.get(task_url(guidance)).content.decode()
    assert "申报文件数核对" in page  # the declaration did not match: shown, in words, to decide
    assert "integrity.declared_count" not in page
    assert f"申报文件数 {materials.count() + 1}，实收 {materials.count()}" in page


def test_the_node_submission_page_names_the_node_and_shows_no_internals(flow, client):
    client.force_login(flow.owner)
    task = flow.task("node_submit")
    node = flow.case.project.nodes.get(code=task.context["node"])

    page = client.get(task_url(task)).content.decode()

    assert f"节点资料：{node.name_zh}" in page
    assert not internals(page), internals(page)


def test_a_reviewer_of_another_role_cannot_open_or_work_the_task(deciding, client):
    stranger = make_user("media_only", "media_reviewers")
    client.force_login(stranger)
    task = deciding.task("acceptance_decision")
    assert client.get(task_url(task)).status_code == 403
    response = client.post(reverse("workflows:claim", args=[task.task_id]))
    assert response.status_code == 403
    assert "无权" in response.content.decode() and "Forbidden" in response.content.decode()
    assert deciding.case.reference not in client.get(reverse("workflows:inbox")).content.decode()


def test_sending_a_completed_task_again_says_it_is_done_and_changes_nothing(flow, client):
    client.force_login(flow.owner)
    task = flow.task("node_submit")
    assert client.post(task_url(task), {}).status_code == 302
    entries = JournalEntry.objects.filter(chain=flow.case.reference).count()
    response = client.post(task_url(task), {}, follow=True)
    page = response.content.decode()
    assert "该任务已被处理或已取消" in page and "already been completed" in page
    assert JournalEntry.objects.filter(chain=flow.case.reference).count() == entries


def test_a_reviewer_who_claims_second_sees_who_has_the_task(deciding, client):
    task = deciding.task("acceptance_decision")
    client.force_login(deciding.reviewer)
    client.post(reverse("workflows:claim", args=[task.task_id]), HTTP_HX_REQUEST="true")
    client.force_login(make_user("reviewer_second", "reviewers"))

    row = client.post(reverse("workflows:claim", args=[task.task_id]), HTTP_HX_REQUEST="true")

    assert row.status_code == 200
    assert "该任务已由 reviewer_test 领取" in row.content.decode()
    page = client.post(reverse("workflows:claim", args=[task.task_id]), follow=True)
    assert "已由 reviewer_test 领取" in page.content.decode()
    task.refresh_from_db()
    assert task.assignee == deciding.reviewer
