"""Delegation (Camunda's and Flowable's): the assignee, or a supervisor on their behalf, hands a
task to a delegate, who works on it and resolves it; it goes back to its owner, who completes it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from workflows.engine import task_complete
from workflows.exceptions import TaskPermissionDenied
from workflows.inbox import (
    can_complete,
    can_delegate,
    can_recall,
    can_release,
    can_resolve,
    can_work,
    task_assign,
    task_claim,
    task_delegate,
    task_recall,
    task_release,
    task_resolve,
)
from workflows.models import HumanTask

from .helpers import journal_kinds, last_entry, open_task

NOW = datetime(2030, 1, 3, 8, 0, tzinfo=UTC)
BACK = date(2030, 1, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def supervisors(settings):
    settings.WORKFLOWS_SUPERVISOR_ROLES = ["wf-supervisors"]


@pytest.fixture
def people(make_user):
    return {
        "carol": make_user("carol", "clerks"),
        "rita": make_user("rita", "wf-reviewers"),
        "rob": make_user("rob", "wf-reviewers"),
        "ruth": make_user("ruth", "wf-reviewers"),
        "sue": make_user("sue", "wf-supervisors"),
    }


@pytest.fixture
def review(services, deploy, start, people) -> HumanTask:
    """wf_tasks past its triage: the review, assigned by the process to rita."""
    services.register("wftest.record", lambda call, **params: {"recorded": True})
    deploy("tasks.bpmn")
    with time_machine.travel(NOW, tick=False):
        instance = start(
            "wf_tasks",
            key="REQ-1",
            subject="a",
            amount=1,
            reviewer_name="rita",
            review_period="P4D",
        )
        task_complete(
            task_id=open_task(instance, "triage").task_id,
            user=people["carol"],
            data={"priority": "high"},
        )
    return open_task(instance, "review")


def delegate(task, user, to, reason="rita 休假，请代为审查", until=BACK) -> HumanTask:
    with time_machine.travel(NOW, tick=False):
        return task_delegate(
            task_id=task.task_id, user=user, delegate=to, reason=reason, until=until
        )


def test_the_delegate_works_on_the_task_resolves_it_and_its_owner_completes_it(review, people):
    rita, rob = people["rita"], people["rob"]
    task = delegate(review, rita, rob)
    assert (task.owner, task.assignee, task.delegation, task.delegated_until) == (
        rita,
        rob,
        HumanTask.Delegation.PENDING,
        BACK,
    )
    assert can_work(rob, task) and can_resolve(rob, task)
    assert not can_complete(rob, task) and not can_complete(rita, task)
    with pytest.raises(
        TaskPermissionDenied, match="该任务已委托 rob 办理：受委托人办毕退回后，由 rita 提交"
    ):
        task_complete(task_id=task.task_id, user=rob, data={"decision": "accept"})

    task = task_resolve(task_id=task.task_id, user=rob, note="图纸已审，建议通过")
    assert (task.owner, task.assignee, task.delegation) == (
        rita,
        rita,
        HumanTask.Delegation.RESOLVED,
    )
    assert not can_work(rob, task)
    task_complete(task_id=task.task_id, user=rita, data={"decision": "accept"})

    assert journal_kinds("REQ-1")[-3:] == ["task.delegated", "task.resolved", "task.completed"]
    delegated, resolved = (
        last_entry("REQ-1", "task.delegated"),
        last_entry("REQ-1", "task.resolved"),
    )
    assert (delegated.actor, delegated.payload) == (
        "rita",
        {
            "owner": "rita",
            "delegate": "rob",
            "reason": "rita 休假，请代为审查",
            "until": "2030-01-10",
        },
    )
    assert (resolved.actor, resolved.payload) == (
        "rob",
        {"owner": "rita", "delegate": "rob", "note": "图纸已审，建议通过"},
    )
    assert last_entry("REQ-1", "task.completed").actor == "rita"


def test_a_supervisor_delegates_on_behalf_of_an_assignee_on_leave(review, people):
    task = delegate(review, people["sue"], people["rob"], until=None)
    assert task.owner == people["rita"] and task.delegated_until is None
    entry = last_entry("REQ-1", "task.delegated")
    assert entry.actor == "sue"
    assert entry.payload["owner"] == "rita" and entry.payload["until"] is None


def test_the_owner_recalls_a_delegated_task_before_it_is_resolved(review, people):
    rita, rob = people["rita"], people["rob"]
    delegate(review, rita, rob)
    task = task_recall(task_id=review.task_id, user=rita)
    assert (task.owner, task.assignee, task.delegation) == (None, rita, HumanTask.Delegation.NONE)
    assert last_entry("REQ-1", "task.recalled").payload == {
        "owner": "rita",
        "delegate": "rob",
        "reason": None,
    }
    with pytest.raises(TaskPermissionDenied, match="只有受委托人可以办毕退回"):
        task_resolve(task_id=review.task_id, user=rob, note="晚了")
    task_complete(task_id=review.task_id, user=rita, data={"decision": "accept"})


def test_a_supervisor_recalls_for_the_owner_and_may_then_reassign(review, people):
    delegate(review, people["rita"], people["rob"])
    with pytest.raises(TaskPermissionDenied, match="该任务已委托 rob 办理，请先收回委托"):
        task_assign(
            task_id=review.task_id, user=people["sue"], assignee=people["ruth"], reason="调整"
        )
    task_recall(task_id=review.task_id, user=people["sue"], reason="受委托人出差")
    task = task_assign(
        task_id=review.task_id, user=people["sue"], assignee=people["ruth"], reason="调整"
    )
    assert task.assignee == people["ruth"] and task.owner is None


def test_only_the_assignee_or_a_supervisor_delegates_an_assigned_task(review, people):
    rob, ruth = people["rob"], people["ruth"]
    assert not can_delegate(rob, review)
    with pytest.raises(TaskPermissionDenied, match="只有任务的办理人或督办人员可以委托"):
        delegate(review, rob, ruth)
    unassigned = HumanTask(status=HumanTask.Status.OPEN, assignee=None)
    assert not can_delegate(people["sue"], unassigned)  # nobody has it yet: assign it instead


@pytest.mark.parametrize(
    ("to", "reason", "until", "refusal"),
    [
        ("carol", "休假", BACK, "carol 不是该环节角色的成员"),
        ("rita", "休假", BACK, "不能委托给任务当前的办理人"),
        ("rob", "  ", BACK, "请填写委托理由"),
        ("rob", "休假", date(2030, 1, 2), "委托截止日期不能早于今天"),
    ],
)
def test_a_delegation_needs_a_member_of_the_role_a_reason_and_an_end_not_past(
    review, people, to, reason, until, refusal
):
    with pytest.raises(TaskPermissionDenied, match=refusal):
        delegate(review, people["rita"], people[to], reason=reason, until=until)
    review.refresh_from_db()
    assert review.assignee == people["rita"] and review.delegation == ""
    assert "task.delegated" not in journal_kinds("REQ-1")


def test_while_delegated_only_the_delegate_resolves_and_only_the_owner_or_supervisor_recalls(
    review, people
):
    rita, rob, ruth, sue = people["rita"], people["rob"], people["ruth"], people["sue"]
    task = delegate(review, rita, rob)
    assert [can_resolve(p, task) for p in (rita, rob, ruth, sue)] == [False, True, False, False]
    assert [can_recall(p, task) for p in (rita, rob, ruth, sue)] == [True, False, False, True]
    assert not any(can_delegate(p, task) for p in (rita, rob, sue))  # once at a time
    assert not can_release(rob, task)
    with pytest.raises(TaskPermissionDenied):
        task_release(task_id=task.task_id, user=rob)
    with pytest.raises(TaskPermissionDenied, match="只有委托人或督办人员可以收回"):
        task_recall(task_id=task.task_id, user=rob)
    with pytest.raises(TaskPermissionDenied, match="请填写办理意见"):
        task_resolve(task_id=task.task_id, user=rob, note="")


def test_a_delegated_task_is_in_the_inbox_of_its_owner_and_of_its_delegate(review, people):
    delegate(review, people["rita"], people["rob"])
    for name in ("rita", "rob"):
        assert list(HumanTask.objects.inbox(people[name])) == [review]
    assert not HumanTask.objects.inbox(people["ruth"]).exists()


def test_a_released_task_forgets_the_delegation_it_came_back_from(review, people):
    rita, rob = people["rita"], people["rob"]
    # Assigned by the process, the task cannot be released; a supervisor's assignment can be.
    task_assign(task_id=review.task_id, user=people["sue"], assignee=rita, reason="重新分配")
    delegate(review, rita, rob)
    task_resolve(task_id=review.task_id, user=rob, note="已办")
    task = task_release(task_id=review.task_id, user=rita)
    assert (task.owner, task.delegation) == (None, HumanTask.Delegation.NONE)
    task = task_claim(task_id=review.task_id, user=people["ruth"])
    assert task.owner is None and can_complete(people["ruth"], task)
