"""The inbox: READY user tasks as HumanTask rows, and who may claim, release and complete them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflows.engine import task_complete
from workflows.exceptions import TaskAlreadyClaimed, TaskNotAvailable, TaskPermissionDenied
from workflows.groups import user_groups
from workflows.inbox import lane_role, task_claim, task_complete_if_unchanged, task_release
from workflows.journal import verify_chain
from workflows.models import HumanTask

from .helpers import journal_kinds, last_entry, open_task, open_task_names, reload

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(services, deploy) -> list[dict]:
    """wf_tasks: triage (lane clerks) -> review (lane reviewer, assigned) -> wftest.record."""
    calls: list[dict] = []

    def record(call, **params):
        calls.append({"task": call.task_name, **params})
        return {"recorded": True}

    services.register("wftest.record", record)
    deploy("tasks.bpmn")
    return calls


@pytest.fixture
def people(make_user):
    return {
        "carol": make_user("carol", "clerks"),
        "chris": make_user("chris", "clerks"),
        "rita": make_user("rita", "wf-reviewers"),
        "rob": make_user("rob", "wf-reviewers"),
        "olga": make_user("olga"),  # in no role at all
    }


@pytest.fixture
def instance(recorded, start):
    with time_machine.travel(NOW, tick=False):
        return start(
            "wf_tasks",
            key="REQ-1",
            subject="Repair the roof",
            amount=3,
            reviewer_name="rita",
            review_period="P2D",
        )


def triage(instance, user, **data):
    return task_complete(
        task_id=open_task(instance, "triage").task_id, user=user, data={"priority": "high", **data}
    )


def test_starting_an_instance_projects_its_first_user_task_into_the_inbox(instance, people):
    task = open_task(instance, "triage")

    assert instance.status == "waiting"
    assert instance.content_type.model == "group"
    assert instance.business_object == Group.objects.get(name="business object under test")
    assert task.title == "Triage the request"
    assert task.lane == "clerks"
    assert task.role.name == "clerks"  # an unmapped lane names its group directly
    assert task.assignee is None
    assert task.due_at is None
    assert task.context == {"subject": "Repair the roof", "amount": 3}
    assert [field["name"] for field in task.form] == [
        "priority", "note", "tags", "urgent", "pages", "outcome",
    ]  # fmt: skip
    assert list(HumanTask.objects.inbox(people["carol"])) == [task]
    assert list(HumanTask.objects.inbox(people["rita"])) == []


def test_the_next_task_gets_its_role_assignee_due_date_and_context_from_bpmn(instance, people):
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        triage(instance, people["carol"])

    review = open_task(instance, "review")
    assert review.lane == "reviewer"
    assert review.role.name == "wf-reviewers"  # mapped by WORKFLOWS_LANE_ROLES
    assert review.assignee == people["rita"]  # the assignee expression gave "rita"
    assert review.due_at == NOW + timedelta(hours=3) + timedelta(days=2)
    assert review.context == {
        "subject": "Repair the roof",
        "priority": "high",
        "triaged_by": "carol",  # the actor_variable of triage
    }
    assert open_task(instance, "review").form == [
        {"name": "decision", "type": "choice", "choices": ["accept", "return"], "required": True}
    ]
    assert list(HumanTask.objects.inbox(people["rita"])) == [review]
    assert list(HumanTask.objects.inbox(people["rob"])) == []  # assigned to someone else


def test_a_task_whose_assignee_expression_names_nobody_waits_in_its_roles_queue(
    recorded, start, people
):
    instance = start("wf_tasks", key="REQ-9", reviewer_name="nobody", review_period="P2D")

    triage(instance, people["carol"])

    review = open_task(instance, "review")
    assert (review.assignee, review.role.name) == (None, "wf-reviewers")
    assert list(HumanTask.objects.inbox(people["rob"])) == [review]


def test_a_role_member_completes_an_unassigned_task(instance, people):
    row = triage(instance, people["carol"])

    assert row.status == "completed"
    assert row.completed_by == people["carol"]
    assert open_task_names(instance) == ["review"]
    entry = last_entry("REQ-1", "task.completed")
    assert entry.actor == "carol"
    assert entry.task_name == "triage"
    assert entry.payload["data"]["priority"] == "high"


def test_a_completion_locks_the_instance_first_and_asks_nothing_it_knows_already(instance, people):
    """One statement reads the task and locks its instance (no read of the task outside the
    lock); a waiting instance's status and its open inbox rows come from the run, not from
    queries."""
    task_id = open_task(instance, "triage").task_id

    with CaptureQueriesContext(connection) as queries:
        triage_row = task_complete(task_id=task_id, user=people["carol"], data={"priority": "low"})

    statements = [query["sql"] for query in queries.captured_queries]
    first_read = next(sql for sql in statements if sql.startswith("SELECT"))
    assert first_read.startswith('SELECT "workflows_humantask"')
    assert 'JOIN "workflows_processinstance"' in first_read
    assert str(task_id).replace("-", "") in first_read.replace("-", "")
    # The inbox rows open before are known from the state; only the completed one is read.
    task_reads = [sql for sql in statements if sql.startswith('SELECT "workflows_humantask"')]
    assert len(task_reads) == 1
    assert not [sql for sql in statements if "workflows_incident" in sql]
    assert not [sql for sql in statements if "workflows_servicejob" in sql]
    assert triage_row.status == "completed"
    assert reload(instance).status == "waiting"
    assert open_task_names(instance) == ["review"]


@pytest.mark.parametrize("other_cases", [0, 5])
def test_an_ordinary_completion_takes_at_most_eight_statements_however_many_cases_are_open(
    recorded, start, people, other_cases
):
    """Lock, complete, journal, open the next (assigned) task, save: the transaction's
    statements, its begin and end included, do not grow with the open tasks and cases, once the
    process has given a task to the next task's role."""
    earlier = start("wf_tasks", key="REQ-0", reviewer_name="rob", review_period="P2D")
    triage(earlier, people["chris"])
    for number in range(other_cases):
        start("wf_tasks", key=f"REQ-{number + 2}", reviewer_name="rob", review_period="P2D")
    instance = start("wf_tasks", key="REQ-1", reviewer_name="rita", review_period="P2D")
    carol = people["carol"]
    user_groups(carol)  # as the request's own role checks (the navigation) have read them
    task_id = open_task(instance, "triage").task_id

    with CaptureQueriesContext(connection) as queries:
        task_complete(task_id=task_id, user=carol, data={"priority": "low"})

    assert len(queries.captured_queries) <= 8, "\n".join(
        query["sql"][:120] for query in queries.captured_queries
    )
    assert open_task(instance, "review").assignee == people["rita"]
    assert reload(instance).status == "waiting"
    assert last_entry("REQ-1", "task.completed").actor == "carol"
    assert verify_chain("REQ-1").intact


def test_a_completion_decided_before_a_claim_is_not_written_over_it(instance, people):
    """The completion reads the task without its lock (claims lock it alone): a claim committed
    between that read and the completion's write keeps the task."""
    read_before = open_task(instance, "triage")
    task_claim(task_id=read_before.task_id, user=people["chris"])

    assert task_complete_if_unchanged(read_before, people["carol"]) is False
    claimed = reload(open_task(instance, "triage"))
    assert (claimed.status, claimed.assignee) == ("open", people["chris"])


def test_a_role_whose_group_was_deleted_since_the_process_used_it_gets_a_new_one(instance, people):
    lane_role("reviewer")  # given a task by this process, then gone (as after a test's flush)
    Group.objects.filter(name="wf-reviewers").delete()

    triage(instance, people["carol"])

    review = open_task(instance, "review")
    assert Group.objects.get(pk=review.role_id).name == "wf-reviewers"


def test_someone_outside_the_role_cannot_complete_the_task(instance, people):
    with pytest.raises(TaskPermissionDenied) as excinfo:
        triage(instance, people["olga"])

    assert excinfo.value.code == "task_permission_denied"
    assert "neither the assignee of this task nor a member of its role" in str(excinfo.value)
    assert open_task_names(instance) == ["triage"]
    assert journal_kinds("REQ-1") == ["instance.started"]


def test_an_assigned_task_refuses_other_members_of_its_role(instance, people):
    triage(instance, people["carol"])
    review = open_task(instance, "review")

    with pytest.raises(TaskPermissionDenied):
        task_complete(task_id=review.task_id, user=people["rob"], data={"decision": "accept"})

    task_complete(task_id=review.task_id, user=people["rita"], data={"decision": "accept"})
    assert reload(instance).status == "completed"


def test_the_assignee_completes_the_task_even_outside_the_role(recorded, start, people):
    instance = start(
        "wf_tasks", key="REQ-2", subject="s", amount=1, reviewer_name="olga", review_period="P1D"
    )
    triage(instance, people["carol"])

    review = open_task(instance, "review")
    assert review.assignee == people["olga"]
    task_complete(task_id=review.task_id, user=people["olga"], data={"decision": "return"})

    # reviewed_by, the actor_variable of review, reaches the service's parameters.
    assert recorded == [{"task": "record", "decision": "return", "reviewed_by": "olga"}]
    assert reload(instance).status == "completed"


def test_completing_an_already_completed_task_is_not_available(instance, people):
    task_id = open_task(instance, "triage").task_id
    task_complete(task_id=task_id, user=people["carol"], data={"priority": "low"})

    with pytest.raises(TaskNotAvailable) as excinfo:
        task_complete(task_id=task_id, user=people["carol"], data={"priority": "low"})

    assert excinfo.value.code == "task_not_available"
    assert "refresh your inbox" in excinfo.value.message_en
    assert journal_kinds("REQ-1").count("task.completed") == 1


def test_of_two_people_completing_the_same_task_the_second_finds_it_gone(instance, people):
    task_id = open_task(instance, "triage").task_id
    # Both saw the task in their inbox; carol's completion lands first.
    task_complete(task_id=task_id, user=people["carol"], data={"priority": "low"})

    with pytest.raises(TaskNotAvailable):
        task_complete(task_id=task_id, user=people["chris"], data={"priority": "high"})

    row = HumanTask.objects.get(task_id=task_id)
    assert row.completed_by == people["carol"]
    assert open_task(instance, "review").context["priority"] == "low"


def test_completing_a_task_that_never_existed_is_not_available(instance, people):
    with pytest.raises(TaskNotAvailable) as excinfo:
        task_complete(task_id="00000000-0000-0000-0000-000000000000", user=people["carol"])

    assert excinfo.value.message_en == "there is no such task"


def test_completing_a_malformed_task_id_is_refused_like_an_unknown_one(instance, people):
    with pytest.raises(TaskNotAvailable) as excinfo:
        task_complete(task_id="not-a-task-id'; DROP TABLE", user=people["carol"])

    assert excinfo.value.message_en == "there is no such task"


def test_a_role_member_claims_an_unassigned_task_and_then_owns_it(instance, people):
    task_id = open_task(instance, "triage").task_id

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        claimed = task_claim(task_id=task_id, user=people["carol"])

    assert claimed.assignee == people["carol"]
    assert claimed.claimed_at == NOW + timedelta(minutes=5)
    assert list(HumanTask.objects.inbox(people["chris"])) == []
    assert last_entry("REQ-1", "task.claimed").payload == {"assignee": "carol"}
    # Another member of the role who comes second lost a race: told so, not "not a member".
    with pytest.raises(TaskAlreadyClaimed) as lost:
        task_claim(task_id=task_id, user=people["chris"])
    assert lost.value.message_en == "this task was already claimed by carol; refresh your inbox"
    with pytest.raises(TaskPermissionDenied):
        task_complete(task_id=task_id, user=people["chris"], data={"priority": "low"})


def test_claiming_a_task_twice_by_the_same_person_changes_nothing(instance, people):
    task_id = open_task(instance, "triage").task_id
    task_claim(task_id=task_id, user=people["carol"])

    task_claim(task_id=task_id, user=people["carol"])

    assert journal_kinds("REQ-1").count("task.claimed") == 1


def test_someone_outside_the_role_cannot_claim(instance, people):
    with pytest.raises(TaskPermissionDenied) as excinfo:
        task_claim(task_id=open_task(instance, "triage").task_id, user=people["olga"])

    assert "only members of the task's role can claim" in excinfo.value.message_en


def test_releasing_a_claimed_task_puts_it_back_in_the_role_queue(instance, people):
    task_id = open_task(instance, "triage").task_id
    task_claim(task_id=task_id, user=people["carol"])

    with pytest.raises(TaskPermissionDenied):
        task_release(task_id=task_id, user=people["chris"])
    released = task_release(task_id=task_id, user=people["carol"])

    assert released.assignee is None
    assert released.claimed_at is None
    assert last_entry("REQ-1", "task.released").payload == {"assignee": None}
    assert [t.task_name for t in HumanTask.objects.inbox(people["chris"])] == ["triage"]


def test_a_task_assigned_by_the_process_cannot_be_released(instance, people):
    triage(instance, people["carol"])
    review = open_task(instance, "review")

    with pytest.raises(TaskPermissionDenied) as excinfo:
        task_release(task_id=review.task_id, user=people["rita"])

    assert excinfo.value.message_en == "you can only release a task you claimed"
    assert open_task(instance, "review").assignee == people["rita"]


def test_a_completed_task_can_be_neither_claimed_nor_released(instance, people):
    task_id = triage(instance, people["carol"]).task_id

    with pytest.raises(TaskNotAvailable):
        task_claim(task_id=task_id, user=people["chris"])
    with pytest.raises(TaskNotAvailable):
        task_release(task_id=task_id, user=people["carol"])


def test_a_task_inside_a_subprocess_lands_in_the_role_of_its_own_lane(deploy, start, people):
    deploy("subprocess_lanes.bpmn")
    instance = start("wf_subprocess", key="SUB-1")
    draft = open_task(instance, "draft")
    assert (draft.lane, draft.role.name) == ("clerks", "clerks")

    task_complete(task_id=draft.task_id, user=people["carol"])

    check = open_task(instance, "check")
    assert (check.lane, check.role.name) == ("reviewer", "wf-reviewers")
    with pytest.raises(TaskPermissionDenied):
        task_complete(task_id=check.task_id, user=people["chris"])
    task_complete(task_id=check.task_id, user=people["rob"])
    assert reload(instance).status == "completed"


@pytest.mark.parametrize(
    ("given", "due"),
    [
        # Text as a host writes it, with its offset: the same instant in UTC.
        ("2030-01-09T17:30:00+08:00", datetime(2030, 1, 9, 9, 30, tzinfo=UTC)),
        # No offset: read in the site's time zone (Asia/Shanghai).
        ("2030-01-09T17:30:00", datetime(2030, 1, 9, 9, 30, tzinfo=UTC)),
    ],
)
def test_a_task_is_due_at_the_date_time_its_due_at_expression_gives(deploy, start, given, due):
    deploy("due_at.bpmn")
    instance = start("wf_due_at", limits={"due": given})
    assert open_task(instance, "decide").due_at == due


def test_a_task_whose_due_at_expression_fails_opens_with_no_due_date(deploy, start):
    deploy("due_at.bpmn")
    instance = start("wf_due_at", limits={"due": "next Friday"})
    assert open_task(instance, "decide").due_at is None
