"""The inbox page: counts per task kind, sort, paging, working days left, bulk claim, and a
supervisor who assigns any open task with a reason that goes to the journal."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from workflows.engine import task_complete
from workflows.inbox import task_assign
from workflows.models import HumanTask

from .helpers import last_entry, open_task

# Thursday 2030-01-03, 08:00 UTC (16:00 in Shanghai).
NOW = datetime(2030, 1, 3, 8, 0, tzinfo=UTC)
HOLIDAY = date(2030, 1, 4)  # a Friday the test calendar takes off

pytestmark = pytest.mark.django_db


def no_work_on_the_holiday(start: date, end: date) -> int:
    """A host calendar: Monday to Friday, except HOLIDAY."""
    days, day = 0, start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        days += day.weekday() < 5 and day != HOLIDAY
    return days


@pytest.fixture(autouse=True)
def site(settings):
    settings.WORKFLOWS_TASK_PAGES = "workflows.pages.TaskPages"
    settings.WORKFLOWS_SUPERVISOR_ROLES = ["wf-supervisors"]
    settings.WORKFLOWS_WORKING_DAYS_BETWEEN = f"{__name__}.no_work_on_the_holiday"
    settings.TIME_ZONE = "Asia/Shanghai"


@pytest.fixture
def people(make_user):
    return {
        "carol": make_user("carol", "clerks"),
        "chris": make_user("chris", "clerks"),
        "rita": make_user("rita", "wf-reviewers"),
        "rob": make_user("rob", "wf-reviewers"),
        "sue": make_user("sue", "wf-supervisors"),
    }


@pytest.fixture
def cases(services, deploy, start, people):
    """Three requests: two waiting for triage (clerks), one triaged and assigned to rita."""
    services.register("wftest.record", lambda call, **params: {"recorded": True})
    deploy("tasks.bpmn")
    with time_machine.travel(NOW, tick=False):
        first = start(
            "wf_tasks",
            key="REQ-1",
            subject="a",
            amount=1,
            reviewer_name="rita",
            review_period="P4D",
        )
        start(
            "wf_tasks",
            key="REQ-2",
            subject="b",
            amount=2,
            reviewer_name="rita",
            review_period="P4D",
        )
        start(
            "wf_tasks",
            key="REQ-3",
            subject="c",
            amount=3,
            reviewer_name="rita",
            review_period="P4D",
        )
        task_complete(
            task_id=open_task(first, "triage").task_id,
            user=people["carol"],
            data={"priority": "high"},
        )
    return first


def signed_in(client, user):
    client.force_login(user)
    return client


def task_links(html: str) -> list[str]:
    return re.findall(r'<td><a href="/tasks/([0-9a-f-]+)/">', html)


def test_the_inbox_counts_each_kind_of_task_and_filters_by_one(client, cases, people):
    with time_machine.travel(NOW, tick=False):
        html = signed_in(client, people["carol"]).get(reverse("workflows:inbox")).content.decode()
    summary = html[html.index('id="inbox-summary"') : html.index("inbox-filters")]
    assert re.search(r'<span class="count">2</span>全部', summary)
    assert re.search(r'kind=triage" data-kind="triage"><span class="count">2</span>Triage', summary)

    with time_machine.travel(NOW, tick=False):
        rita = signed_in(client, people["rita"]).get(reverse("workflows:inbox") + "?kind=review")
    assert task_links(rita.content.decode()) == [str(open_task(cases, "review").task_id)]


def test_due_dates_are_counted_in_the_hosts_working_days(client, cases, people):
    # Due 2030-01-07 (Monday, Shanghai): Friday is the test calendar's holiday, so one day left.
    review = open_task(cases, "review")
    assert review.due_at.astimezone(UTC).date() == date(2030, 1, 7)
    with time_machine.travel(NOW, tick=False):
        html = signed_in(client, people["rita"]).get(reverse("workflows:inbox")).content.decode()
    assert "剩 1 个工作日" in html
    with time_machine.travel(datetime(2030, 1, 9, 2, 0, tzinfo=UTC), tick=False):
        html = client.get(reverse("workflows:inbox")).content.decode()
    assert "已超期 2 个工作日" in html  # Tuesday and Wednesday past Monday


def test_the_inbox_sorts_and_pages_long_lists(client, services, deploy, start, people):
    services.register("wftest.record", lambda call, **params: {"recorded": True})
    deploy("tasks.bpmn")
    for number in range(30):
        with time_machine.travel(datetime(2030, 1, 1, 8, number, tzinfo=UTC), tick=False):
            start(
                "wf_tasks",
                key=f"REQ-{number:02d}",
                subject="s",
                amount=number,
                reviewer_name="rita",
                review_period="P4D",
            )
    client = signed_in(client, people["carol"])
    first_page = client.get(reverse("workflows:inbox") + "?sort=newest").content.decode()
    second_page = client.get(reverse("workflows:inbox") + "?sort=newest&page=2").content.decode()
    newest_first = [
        str(task_id)
        for task_id in HumanTask.objects.order_by("-created_at").values_list("task_id", flat=True)
    ]
    assert task_links(first_page) == newest_first[:25]
    assert task_links(second_page) == newest_first[25:]
    assert "第 1 / 2 页，共 30 条" in first_page
    oldest = client.get(reverse("workflows:inbox") + "?sort=oldest").content.decode()
    assert task_links(oldest) == newest_first[::-1][:25]


def test_bulk_claim_takes_the_ticked_tasks_and_refuses_the_others(client, cases, people):
    triage_ids = list(
        HumanTask.objects.open().filter(task_name="triage").values_list("task_id", flat=True)
    )
    review = open_task(cases, "review")
    response = signed_in(client, people["chris"]).post(
        reverse("workflows:bulk"),
        {"action": "claim", "task": [*map(str, triage_ids), str(review.task_id)]},
        follow=True,
    )
    text = response.content.decode()
    assert "已领取 2 项任务" in text
    assert "只有该环节角色的成员可以领取未分配的任务" in text  # rita's task is not chris's
    assert set(
        HumanTask.objects.filter(task_id__in=triage_ids).values_list(
            "assignee__username", flat=True
        )
    ) == {"chris"}
    review.refresh_from_db()
    assert review.assignee.username == "rita"


def test_a_supervisor_reassigns_a_task_of_a_reviewer_on_leave_with_the_reason_journaled(
    client, cases, people
):
    review = open_task(cases, "review")
    client = signed_in(client, people["sue"])
    every = client.get(reverse("workflows:inbox") + "?scope=all&assignee=rita").content.decode()
    assert task_links(every) == [str(review.task_id)]  # rita's work, seen by the supervisor

    response = client.post(
        reverse("workflows:bulk"),
        {
            "action": "assign",
            "task": [str(review.task_id)],
            "assignee": "rob",
            "reason": "rita 休假至 1 月 10 日",
        },
        follow=True,
    )
    assert "已将 1 项任务交给 rob" in response.content.decode()
    review.refresh_from_db()
    assert review.assignee.username == "rob"
    entry = last_entry("REQ-1", "task.reassigned")
    assert entry.actor == "sue"
    assert entry.payload == {
        "assignee": "rob",
        "previous": "rita",
        "reason": "rita 休假至 1 月 10 日",
    }
    # rob can now complete it; rita no longer can.
    task_complete(task_id=review.task_id, user=people["rob"], data={"decision": "accept"})


def test_only_a_supervisor_assigns_and_only_to_a_member_of_the_role_with_a_reason(
    client, cases, people
):
    review = open_task(cases, "review")
    refused = signed_in(client, people["rob"]).post(
        reverse("workflows:assign", args=[review.task_id]),
        {"assignee": "rob", "reason": "我来办"},
    )
    assert refused.status_code == 403
    client = signed_in(client, people["sue"])
    for data, message in (
        ({"assignee": "carol", "reason": "试试"}, "carol 不是该环节角色的成员"),
        ({"assignee": "rob", "reason": "  "}, "请填写指派理由"),
    ):
        page = client.post(reverse("workflows:assign", args=[review.task_id]), data, follow=True)
        assert message in page.content.decode()
    review.refresh_from_db()
    assert review.assignee.username == "rita"


def test_a_supervisor_can_assign_a_task_nobody_could_take(client, cases, people):
    """A task with no role and no assignee (projected from an older definition) is not lost."""
    triage = HumanTask.objects.open().filter(task_name="triage").first()
    HumanTask.objects.filter(pk=triage.pk).update(role=None)
    page = signed_in(client, people["sue"]).get(reverse("workflows:task", args=[triage.task_id]))
    assert 'id="assign-to"' in page.content.decode()
    task_assign(
        task_id=triage.task_id, user=people["sue"], assignee=people["rob"], reason="无人可领取"
    )
    task_complete(task_id=triage.task_id, user=people["rob"], data={"priority": "low"})
    triage.refresh_from_db()
    assert triage.status == HumanTask.Status.COMPLETED
    assert Group.objects.filter(name="wf-supervisors").exists()
