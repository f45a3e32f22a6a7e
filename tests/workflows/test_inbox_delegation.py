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
    STANDING_CHAIN,
    can_complete,
    can_delegate,
    can_recall,
    can_release,
    can_resolve,
    can_work,
    handover_words,
    standing_delegation_cancel,
    standing_delegation_set,
    task_assign,
    task_claim,
    task_delegate,
    task_recall,
    task_release,
    task_resolve,
)
from workflows.models import HumanTask, JournalEntry
from workflows.tasks import return_expired_delegations as return_expired_delegations_task

from .helpers import journal_kinds, last_entry, triaged_review

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
def process(services, deploy):
    services.register("wftest.record", lambda call, **params: {"recorded": True})
    deploy("tasks.bpmn")


@pytest.fixture
def review(process, start, people) -> HumanTask:
    """wf_tasks past its triage: the review, assigned by the process to rita."""
    with time_machine.travel(NOW, tick=False):
        return triaged_review(start, people["carol"])


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


# -- standing delegation: a reviewer on leave ----------------------------------------------------


def open_review_with(start, people, **standing) -> HumanTask:
    """The review opening (for rita) with the standing delegation ``standing`` set before."""

    def set_standing():
        standing_delegation_set(user=people["sue"], owner=people["rita"], **standing)

    with time_machine.travel(NOW, tick=False):
        return triaged_review(
            start, people["carol"], key="REQ-2", before_triage=set_standing if standing else None
        )


def test_a_task_opening_for_someone_on_leave_goes_to_their_standing_delegate_and_comes_back(
    process, start, people
):
    rita, rob = people["rita"], people["rob"]
    task = open_review_with(
        start, people, delegate=rob, starts_on=NOW.date(), ends_on=BACK, reason="年休假"
    )
    assert (task.owner, task.assignee, task.delegation, task.delegated_until) == (
        rita,
        rob,
        HumanTask.Delegation.PENDING,
        BACK,
    )
    entry = last_entry("REQ-2", "task.delegated")
    assert entry.actor == "system"
    assert entry.payload["owner"] == "rita" and entry.payload["reason"] == "年休假"
    assert handover_words(entry).startswith("按长期委托，rita 的任务委托 rob 办理（至 2030-01-10）")
    task_resolve(task_id=task.task_id, user=rob, note="已审")
    task_complete(task_id=task.task_id, user=rita, data={"decision": "accept"})


@pytest.mark.parametrize(
    "standing",
    [
        {"starts_on": date(2030, 1, 4), "ends_on": BACK},  # not yet away
        {"starts_on": NOW.date(), "ends_on": BACK, "to": "carol"},  # not of the review's role
    ],
)
def test_a_standing_delegation_out_of_its_period_or_role_leaves_the_task_with_its_assignee(
    process, start, people, standing
):
    to = people[standing.pop("to", "rob")]
    task = open_review_with(start, people, delegate=to, reason="休假", **standing)
    assert (task.assignee, task.owner, task.delegation) == (people["rita"], None, "")


def test_a_cancelled_standing_delegation_delegates_nothing_more(process, start, people):
    with time_machine.travel(NOW, tick=False):
        standing = standing_delegation_set(
            user=people["rita"],
            owner=people["rita"],
            delegate=people["rob"],
            starts_on=NOW.date(),
            ends_on=BACK,
            reason="出差",
        )
    standing_delegation_cancel(user=people["rita"], standing_id=standing.pk)
    task = open_review_with(start, people)
    assert task.assignee == people["rita"]
    assert [
        e.kind for e in JournalEntry.objects.filter(chain=STANDING_CHAIN).order_by("sequence")
    ] == ["delegation.standing_set", "delegation.standing_cancelled"]


def test_only_the_person_away_or_a_supervisor_sets_a_standing_delegation(people):
    rita, rob = people["rita"], people["rob"]
    arguments = {"starts_on": NOW.date(), "ends_on": BACK, "reason": "休假"}
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(TaskPermissionDenied, match="只能为自己设置长期委托"):
            standing_delegation_set(user=rob, owner=rita, delegate=rob, **arguments)
        with pytest.raises(TaskPermissionDenied, match="请选择另一位在岗人员"):
            standing_delegation_set(user=rita, owner=rita, delegate=rita, **arguments)
        standing_delegation_set(user=rita, owner=rita, delegate=rob, **arguments)
        with pytest.raises(TaskPermissionDenied, match="rita 在该期间已有长期委托"):
            standing_delegation_set(user=people["sue"], owner=rita, delegate=rob, **arguments)


# -- a delegation until a day runs out when that day ends (Asia/Shanghai) ----------------------

# 2030-01-10 23:59 and 2030-01-11 00:00:30 in Shanghai (UTC+8): the last minute of the
# delegation and the first of the day its owner is back.
LAST_MINUTE = datetime(2030, 1, 10, 15, 59, tzinfo=UTC)
OWNER_BACK = datetime(2030, 1, 10, 16, 0, 30, tzinfo=UTC)


def sweep_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return return_expired_delegations_task()


def test_a_delegation_runs_out_at_the_end_of_its_last_day_and_the_task_is_back_with_its_owner(
    review, people
):
    rita, rob = people["rita"], people["rob"]
    delegate(review, rita, rob)
    assert sweep_at(LAST_MINUTE) == 0
    review.refresh_from_db()
    assert (review.assignee, review.delegation) == (rob, HumanTask.Delegation.PENDING)

    assert sweep_at(OWNER_BACK) == 1
    review.refresh_from_db()
    assert (review.owner, review.assignee, review.delegation, review.delegated_until) == (
        None,
        rita,
        HumanTask.Delegation.NONE,
        None,
    )
    assert list(HumanTask.objects.inbox(rita)) == [review]
    assert not HumanTask.objects.inbox(rob).exists()
    assert can_complete(rita, review) and not can_work(rob, review)
    recalled = last_entry("REQ-1", "task.recalled")
    assert (recalled.actor, recalled.payload) == (
        "system",
        {"owner": "rita", "delegate": "rob", "reason": "委托期满，自动收回", "until": "2030-01-10"},
    )
    assert handover_words(recalled) == (
        "委托至 2030-01-10 期满，退回 rita（受委托人 rob）；理由：委托期满，自动收回"
    )
    assert sweep_at(OWNER_BACK) == 0  # once
    assert journal_kinds("REQ-1").count("task.recalled") == 1
    task_complete(task_id=review.task_id, user=rita, data={"decision": "accept"})


def test_the_sweep_leaves_a_delegation_without_an_end_and_one_already_returned(
    process, start, people
):
    rita, rob = people["rita"], people["rob"]
    with time_machine.travel(NOW, tick=False):
        open_ended = triaged_review(start, people["carol"], key="REQ-1")
        resolved = triaged_review(start, people["carol"], key="REQ-2")
    delegate(open_ended, rita, rob, until=None)
    delegate(resolved, rita, rob)
    task_resolve(task_id=resolved.task_id, user=rob, note="已审")
    assert sweep_at(OWNER_BACK) == 0
    open_ended.refresh_from_db()
    resolved.refresh_from_db()
    assert (open_ended.assignee, open_ended.delegation) == (rob, HumanTask.Delegation.PENDING)
    assert (resolved.assignee, resolved.delegation) == (rita, HumanTask.Delegation.RESOLVED)
    assert "task.recalled" not in journal_kinds("REQ-1") + journal_kinds("REQ-2")


def test_a_standing_delegation_stops_after_its_last_day_and_its_tasks_come_back(
    process, start, people
):
    rita, rob = people["rita"], people["rob"]
    with time_machine.travel(NOW, tick=False):
        standing_delegation_set(
            user=rita, owner=rita, delegate=rob, starts_on=NOW.date(), ends_on=BACK, reason="年休假"
        )
    with time_machine.travel(LAST_MINUTE, tick=False):
        late = triaged_review(start, people["carol"], key="REQ-2")
    with time_machine.travel(OWNER_BACK, tick=False):
        after = triaged_review(start, people["carol"], key="REQ-3")
    assert (late.assignee, late.owner, late.delegated_until) == (rob, rita, BACK)
    assert (after.assignee, after.owner, after.delegation) == (rita, None, "")

    assert sweep_at(OWNER_BACK) == 1
    late.refresh_from_db()
    assert (late.assignee, late.owner, late.delegation) == (rita, None, HumanTask.Delegation.NONE)
    assert last_entry("REQ-2", "task.recalled").payload["reason"] == "委托期满，自动收回"


def test_the_beat_schedule_runs_the_delegation_sweep(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["workflows-return-expired-delegations"]
    assert schedule["task"] == "workflows.return_expired_delegations"
    assert schedule["schedule"].total_seconds() == 15 * 60
