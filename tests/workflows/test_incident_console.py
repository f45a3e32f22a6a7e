"""The incident console: counts by process, error, system step and age; filters; a batch retried
or cancelled with a reason that goes to the journal; staff and supervisors only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from workflows.engine import service_job_run
from workflows.labels import register
from workflows.logcontext import ContextFilter
from workflows.models import Incident, ProcessInstance, ServiceJob
from workflows.replay import replay_instance

from ..acceptance.internals import internals
from .helpers import last_entry, open_task_names, reload

NOW = datetime(2030, 1, 10, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai

pytestmark = pytest.mark.django_db

register("service", {"wftest.compute": ("试算", "test computation")})
register("service", {"wftest.background": ("后台试算", "background computation")})


class Handler:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def __call__(self, call, **params):
        if self.error is not None:
            raise self.error
        return {"ok": True}


@pytest.fixture(autouse=True)
def site(settings):
    settings.WORKFLOWS_SUPERVISOR_ROLES = ["wf-supervisors"]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def failing(services, deploy, start, django_capture_on_commit_callbacks):
    """Three failed computations (two a week old, one fresh) and one failed background job."""
    compute = services.register("wftest.compute", Handler(ValueError("amount must be positive")))
    background = services.register(
        "wftest.background", Handler(RuntimeError("scanner offline")), asynchronous=True
    )
    deploy("service.bpmn")
    deploy("async_service.bpmn")
    with time_machine.travel(NOW - timedelta(days=8), tick=False):
        old = [start("wf_service", key=f"OLD-{n}", amount=-n) for n in (1, 2)]
    with time_machine.travel(NOW - timedelta(minutes=20), tick=False):
        fresh = start("wf_service", key="NEW-1", amount=-3)
        with django_capture_on_commit_callbacks(execute=True):
            job = start("wf_async", key="JOB-1", subject="a")
    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        service_job_run(ServiceJob.objects.get(instance=job).pk)
    return {"compute": compute, "background": background, "old": old, "fresh": fresh, "job": job}


@pytest.fixture
def supervisor(make_user):
    return make_user("sue", "wf-supervisors")


@pytest.fixture
def console(client, supervisor):
    client.force_login(supervisor)
    return client


def tiles(html: str, section: str) -> dict[str, int]:
    """The summary tiles of one section: label -> count."""
    block = re.search(rf'id="{section}">(.*?)</div>', html, re.S).group(1)
    return {
        label.strip(): int(count)
        for count, label in re.findall(r'class="count">(\d+)</span>([^<]+)</a>', block)
    }


def shown_cases(html: str) -> list[str]:
    return sorted(
        re.findall(
            r'<tr id="incident-\d+">\s*<td[^>]*>.*?</td>\s*<td[^>]*>([^<]+)</td>', html, re.S
        )
    )


def test_the_console_counts_open_incidents_by_process_error_service_and_age(failing, console):
    html = console.get(reverse("workflows:incidents")).content.decode()

    assert "共 4 项异常待处理" in html
    assert tiles(html, "by-error") == {"数据不符合要求": 3, "其他错误": 1}
    assert tiles(html, "by-service") == {"试算": 3, "后台试算": 1}
    assert tiles(html, "by-age") == {
        "1 小时内": 2,
        "1 小时至 1 天": 0,
        "1 至 7 天": 0,
        "超过 7 天": 2,
    }
    assert tiles(html, "by-process") == {"Synchronous service": 3, "Asynchronous service": 1}
    assert shown_cases(html) == ["JOB-1", "NEW-1", "OLD-1", "OLD-2"]
    # The face speaks words; the error text and class are folded away for auditors.
    (detail,) = re.findall(r'<tr id="incident-\d+">.*?NEW-1.*?</tr>', html, re.S)
    face = re.sub(r"<details.*?</details>", "", detail, flags=re.S)
    assert "ValueError" not in face and "amount must be positive" not in face
    assert "试算" in face and "数据不符合要求" in face
    assert "2030-01-10 15:40" in face  # the time in Shanghai
    assert "amount must be positive" in detail and "ValueError" in detail
    assert internals(html) == []


def test_the_console_filters_by_error_and_age(failing, console):
    by_error = console.get(reverse("workflows:incidents"), {"error_type": "RuntimeError"})
    by_age = console.get(reverse("workflows:incidents"), {"age": "older"})

    assert shown_cases(by_error.content.decode()) == ["JOB-1"]
    assert shown_cases(by_age.content.decode()) == ["OLD-1", "OLD-2"]


def test_a_batch_is_retried_with_the_reason_in_each_journal(failing, console, supervisor):
    failing["compute"].error = None  # the handler is fixed
    ids = list(Incident.objects.filter(operation="wftest.compute").values_list("pk", flat=True))

    answer = console.post(
        reverse("workflows:incidents_act"),
        {"incident": ids, "action": "retry", "reason": "修复了试算程序"},
        follow=True,
    )

    assert "已重试 3 项异常" in answer.content.decode()
    for instance in [*failing["old"], failing["fresh"]]:
        assert reload(instance).status == ProcessInstance.Status.WAITING
        assert open_task_names(instance) == ["confirm"]
        retried = last_entry(instance.business_key, "incident.retried")
        assert retried.actor == "sue"
        assert retried.payload["reason"] == "修复了试算程序"
    assert tiles(answer.content.decode(), "by-service") == {"后台试算": 1}


def test_cancelling_an_incident_cancels_its_process_for_good(failing, console):
    incident = Incident.objects.get(instance=failing["job"])

    answer = console.post(
        reverse("workflows:incidents_act"),
        {"incident": [incident.pk], "action": "cancel", "reason": "项目已撤回"},
        follow=True,
    )

    assert "已取消 1 项异常所在的流程" in answer.content.decode()
    instance = reload(failing["job"])
    assert instance.status == ProcessInstance.Status.CANCELLED
    assert instance.next_timer_at is None
    assert open_task_names(instance) == []
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    cancelled = last_entry("JOB-1", "instance.cancelled")
    assert (cancelled.actor, cancelled.payload["reason"]) == ("sue", "项目已撤回")
    assert cancelled.payload["incident"] == incident.pk
    assert replay_instance(instance).verified
    assert "JOB-1" not in shown_cases(answer.content.decode())


def test_cancelling_needs_a_reason(failing, console):
    incident = Incident.objects.get(instance=failing["job"])

    answer = console.post(
        reverse("workflows:incidents_act"),
        {"incident": [incident.pk], "action": "cancel", "reason": " "},
        follow=True,
    )

    assert "取消流程须填写理由" in answer.content.decode()
    assert reload(failing["job"]).status == ProcessInstance.Status.INCIDENT


def test_only_staff_and_supervisors_open_the_console(failing, client, make_user):
    url = reverse("workflows:incidents")
    client.force_login(make_user("rita", "wf-reviewers"))
    assert client.get(url).status_code == 403
    assert client.post(reverse("workflows:incidents_act"), {"action": "retry"}).status_code == 403
    assert 'id="nav-incidents"' not in client.get(reverse("workflows:inbox")).content.decode()

    staff = make_user("stan")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(url).status_code == 200

    supervisor = make_user("sam", "wf-supervisors")
    client.force_login(supervisor)
    assert 'id="nav-incidents"' in client.get(reverse("workflows:inbox")).content.decode()
    assert Group.objects.filter(name="wf-supervisors").exists()


def test_an_incident_is_logged_with_its_case_reference(services, deploy, start, caplog):
    caplog.handler.addFilter(ContextFilter())
    services.register("wftest.compute", Handler(ValueError("amount must be positive")))
    deploy("service.bpmn")

    start("wf_service", key="LOGGED-1", amount=-1)

    (record,) = [r for r in caplog.records if r.getMessage().startswith("incident ")]
    assert record.case_reference == "LOGGED-1"
