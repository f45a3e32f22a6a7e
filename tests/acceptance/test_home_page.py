"""The home page by role, the navigation, sign-in and sign-out, and the language switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from acceptance.models import Notification
from workflows.inbox import task_claim, task_delegate

from .conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_owner_sees_projects_cases_and_the_tasks_waiting_for_them(flow, client):
    client.force_login(flow.owner)
    page = client.get(reverse("acceptance:home")).content.decode()
    assert flow.case.project.name in page and flow.case.reference in page
    assert "提交节点资料" in page  # the node_submit task assigned to them
    assert reverse("acceptance:projects") in page and reverse("workflows:inbox") in page


def test_the_reviewer_sees_an_inbox_summary_by_kind(flow, client):
    flow.complete("node_submit")
    client.force_login(flow.reviewer)
    page = client.get(reverse("acceptance:home")).content.decode()
    assert "节点指导" in page and "?kind=node_guidance" in page
    assert reverse("acceptance:projects") not in page  # no owner navigation


def test_a_delegated_task_on_the_home_page_says_who_has_it_for_whom(flow, client):
    flow.complete("node_submit")
    guidance = flow.task("node_guidance")
    task_claim(task_id=guidance.task_id, user=flow.reviewer)
    delegate = make_user("reviewer_two", "reviewers")
    task_delegate(task_id=guidance.task_id, user=flow.reviewer, delegate=delegate, reason="出差")
    for person, words in (
        (flow.reviewer, "委托给 reviewer_two"),
        (delegate, "由 reviewer_test 委托"),
    ):
        client.force_login(person)
        assert words in client.get(reverse("acceptance:home")).content.decode()


def test_the_auditor_sees_the_case_list_with_timelines(flow, client):
    client.force_login(make_user("auditor_test", "auditors"))
    page = client.get(reverse("acceptance:home")).content.decode()
    assert reverse("acceptance:timeline", args=[flow.case.reference]) in page
    assert reverse("workflows:inbox") not in page


def test_sign_in_and_sign_out(world, client):
    response = client.post(
        reverse("login"), {"username": "owner_test", "password": "test-password"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert "owner_test" in client.get("/").content.decode()
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_the_language_switch_shows_the_pages_in_english_and_back(flow, client):
    client.force_login(flow.owner)
    assert "我的项目" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "My projects" in page and "Inbox" in page and "我的项目" not in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "我的项目" in client.get("/").content.decode()


def test_a_supervisor_sees_every_roles_overdue_tasks(flow, clock, client):
    flow.reach_decision()
    client.force_login(make_user("supervisor_test", "supervisors"))
    page = client.get(reverse("acceptance:home")).content.decode()
    assert "没有超期任务" in page
    clock.shift(timedelta(days=6))  # past the 5-day review SLA
    section = client.get(reverse("acceptance:home")).content.decode().split('id="home-breaches"')[1]
    assert "验收决定" in section and flow.case.reference in section and "已超期" in section
    assert (
        client.get(
            reverse("workflows:task", args=[flow.task("acceptance_decision").task_id])
        ).status_code
        == 200
    )


def test_the_owner_finds_a_reminder_on_the_home_page(flow, client):
    Notification.objects.create(
        recipient=flow.owner,
        case=flow.case,
        kind=Notification.Kind.REMINDER,
        key="reminder-home-page",
        title_zh="承诺期限还剩 7 天",
        title_en="7 days left on the commitment",
    )
    client.force_login(flow.owner)
    page = client.get(reverse("acceptance:home")).content.decode()
    assert "承诺期限还剩 7 天" in page and "7 days left on the commitment" in page
