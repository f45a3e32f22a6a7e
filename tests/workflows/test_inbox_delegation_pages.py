"""Delegation on the pages: who has a delegated task for whom, in the inbox and on the task page;
the delegate returns it with a note and its owner completes it; every step in the history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from workflows.inbox import return_expired_delegations, task_delegate
from workflows.models import HumanTask

from .helpers import last_entry, triaged_review

NOW = datetime(2030, 1, 3, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.WORKFLOWS_TASK_PAGES = "workflows.pages.TaskPages"
    settings.WORKFLOWS_SUPERVISOR_ROLES = ["wf-supervisors"]
    settings.TIME_ZONE = "Asia/Shanghai"


@pytest.fixture
def people(make_user):
    people = {
        "carol": make_user("carol", "clerks"),
        "rita": make_user("rita", "wf-reviewers"),
        "rob": make_user("rob", "wf-reviewers"),
        "sue": make_user("sue", "wf-supervisors"),
    }
    for name, full_name in (("rita", "张三"), ("rob", "李四")):
        people[name].first_name = full_name  # Chinese names are written whole
        people[name].save()
    return people


@pytest.fixture
def review(services, deploy, start, people) -> HumanTask:
    services.register("wftest.record", lambda call, **params: {"recorded": True})
    deploy("tasks.bpmn")
    with time_machine.travel(NOW, tick=False):
        return triaged_review(start, people["carol"])


def page_of(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def holder_cell(html: str, task: HumanTask) -> str:
    row = html[html.index(f'id="task-{task.task_id}"') :]
    return row[: row.index("</tr>")]


def test_a_supervisor_delegates_on_the_task_page_and_the_inbox_tells_who_has_it_for_whom(
    client, review, people
):
    with time_machine.travel(NOW, tick=False):
        client.force_login(people["sue"])
        page = client.get(reverse("workflows:task", args=[review.task_id])).content.decode()
        assert "代 张三 委托他人办理（督办）" in page
        response = client.post(
            reverse("workflows:delegate", args=[review.task_id]),
            {"delegate": "rob", "reason": "张三 休假至 1 月 10 日", "until": "2030-01-10"},
            follow=True,
        )
    assert "已委托 李四 办理，办毕后退回 张三" in response.content.decode()
    assert last_entry("REQ-1", "task.delegated").actor == "sue"

    inbox = reverse("workflows:inbox")
    assert "委托给 李四" in holder_cell(page_of(client, people["rita"], inbox), review)
    assert "由 张三 委托" in holder_cell(page_of(client, people["rob"], inbox), review)
    every = holder_cell(page_of(client, people["sue"], inbox + "?scope=all"), review)
    assert "李四" in every and "由 张三 委托" in every and "委托至 2030-01-10" in every


def test_the_delegate_returns_the_task_with_a_note_and_its_owner_completes_it(
    client, review, people
):
    task_delegate(
        task_id=review.task_id, user=people["rita"], delegate=people["rob"], reason="休假"
    )
    url = reverse("workflows:task", args=[review.task_id])

    page = page_of(client, people["rob"], url)
    assert "张三 委托您办理此任务" in page and "理由：休假" in page
    assert 'id="resolve"' in page and 'id="complete"' not in page
    refused = client.post(url, {"decision": "accept"})
    assert refused.status_code == 403
    assert "该任务已委托 rob 办理" in refused.content.decode()

    returned = client.post(
        reverse("workflows:resolve", args=[review.task_id]),
        {"note": "资料齐全，建议通过"},
        follow=True,
    )
    assert "已办毕退回 张三" in returned.content.decode()

    page = page_of(client, people["rita"], url)
    assert "rob 已办毕退回" in page and "办理意见：资料齐全，建议通过" in page
    assert "rob 办毕退回 rita；意见：资料齐全，建议通过" in page  # the history says it too
    assert 'id="complete"' in page
    client.post(url, {"decision": "accept"})
    review.refresh_from_db()
    assert review.status == HumanTask.Status.COMPLETED and review.completed_by == people["rita"]


def test_the_owner_sees_the_delegation_and_recalls_it(client, review, people):
    task_delegate(
        task_id=review.task_id, user=people["rita"], delegate=people["rob"], reason="出差"
    )
    url = reverse("workflows:task", args=[review.task_id])
    page = page_of(client, people["rita"], url)
    assert "已委托 李四 办理" in page and "办理人：李四（受 张三 委托）" in page
    assert "任务已委托他人办理" in page and 'id="complete"' not in page
    client.post(reverse("workflows:recall", args=[review.task_id]), follow=True)
    page = page_of(client, people["rita"], url)
    assert 'id="complete"' in page and "rita 收回委托（受委托人 rob）" in page


def test_only_whom_the_rules_allow_gets_a_delegation_step(client, review, people):
    client.force_login(people["rob"])  # a member of the role, but not the assignee
    for name, data in (("delegate", {"delegate": "rob", "reason": "我来"}), ("recall", {})):
        assert (
            client.post(reverse(f"workflows:{name}", args=[review.task_id]), data).status_code
            == 403
        )
    assert (
        client.post(reverse("workflows:resolve", args=[review.task_id]), {"note": "x"}).status_code
        == 403
    )
    client.force_login(people["rita"])
    page = client.post(
        reverse("workflows:delegate", args=[review.task_id]),
        {"delegate": "carol", "reason": "休假"},
        follow=True,
    ).content.decode()
    assert "carol 不是该环节角色的成员" in page
    review.refresh_from_db()
    assert review.delegation == ""


def test_a_supervisor_delegates_ticked_tasks_from_the_inbox(client, review, people):
    with time_machine.travel(NOW, tick=False):
        client.force_login(people["sue"])
        response = client.post(
            reverse("workflows:bulk"),
            {
                "action": "delegate",
                "task": [str(review.task_id)],
                "assignee": "rob",
                "reason": "张三 病假",
                "until": "2030-01-08",
            },
            follow=True,
        )
    assert "已将 1 项任务委托 rob 办理，办毕退回原办理人" in response.content.decode()
    review.refresh_from_db()
    assert (review.owner, review.assignee) == (people["rita"], people["rob"])
    assert last_entry("REQ-1", "task.delegated").payload["until"] == "2030-01-08"


def test_a_supervisor_sets_a_standing_delegation_for_a_reviewer_on_leave_and_cancels_it(
    client, review, people
):
    url = reverse("workflows:standing")
    with time_machine.travel(NOW, tick=False):
        client.force_login(people["sue"])
        assert 'id="standing-link"' in client.get(reverse("workflows:inbox")).content.decode()
        page = client.post(
            url,
            {
                "action": "set",
                "owner": "rita",
                "delegate": "rob",
                "starts_on": "2030-01-03",
                "ends_on": "2030-01-10",
                "reason": "年休假",
            },
            follow=True,
        ).content.decode()
        assert "已设置：2030-01-03 至 2030-01-10，张三 的新任务委托 李四 办理" in page
        listing = page[page.index('id="standing-list"') : page.index('id="standing-form"')]
        assert "张三" in listing and "李四" in listing and "年休假" in listing
        assert "生效中" in listing
        client.force_login(people["rob"])  # the delegate sees it, and may not cancel it
        mine = client.get(url).content.decode()
        assert "年休假" in mine and 'value="cancel"' not in mine
        client.force_login(people["sue"])
        standing = people["rita"].standing_delegations.get()
        page = client.post(
            url, {"action": "cancel", "standing": standing.pk}, follow=True
        ).content.decode()
    assert "已撤销长期委托" in page and "暂无长期委托。" in page


def test_a_reviewer_sets_a_standing_delegation_only_for_themselves(client, review, people):
    with time_machine.travel(NOW, tick=False):
        client.force_login(people["rob"])
        client.post(
            reverse("workflows:standing"),
            {
                "action": "set",
                "owner": "rita",  # ignored: not a supervisor
                "delegate": "rita",
                "starts_on": "2030-01-03",
                "ends_on": "2030-01-04",
                "reason": "培训",
            },
        )
    assert people["rob"].standing_delegations.get().delegate == people["rita"]
    assert not people["rita"].standing_delegations.exists()


def test_when_the_delegation_runs_out_the_pages_show_the_task_back_with_its_owner(
    client, review, people
):
    with time_machine.travel(NOW, tick=False):
        task_delegate(
            task_id=review.task_id,
            user=people["rita"],
            delegate=people["rob"],
            reason="休假",
            until=date(2030, 1, 10),
        )
    inbox = reverse("workflows:inbox")
    assert "委托至 2030-01-10" in holder_cell(page_of(client, people["rita"], inbox), review)
    # 00:00:30 on 2030-01-11 in Shanghai: the owner's first day back.
    with time_machine.travel(datetime(2030, 1, 10, 16, 0, 30, tzinfo=UTC), tick=False):
        return_expired_delegations()
        holder = holder_cell(page_of(client, people["rita"], inbox), review)
        assert "张三" in holder and "委托" not in holder
        assert f'id="task-{review.task_id}"' not in page_of(client, people["rob"], inbox)
        page = page_of(client, people["rita"], reverse("workflows:task", args=[review.task_id]))
    assert 'id="complete"' in page and "任务已委托他人办理" not in page
    assert "委托至 2030-01-10 期满，退回 rita（受委托人 rob）；理由：委托期满，自动收回" in page
