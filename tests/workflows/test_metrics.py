"""/metrics: what the plugin reports, counted from the database when Prometheus scrapes, and who
may scrape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from workflows.engine import task_complete

from .helpers import open_task
from .test_incident_console import Handler

NOW = datetime(2030, 1, 10, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict[tuple, float]:
    """{(metric sample name, sorted label pairs): value} of one scrape."""
    answer = client.get("/metrics", **headers)
    assert answer.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.content.decode())
        for sample in family.samples
    }


@pytest.fixture
def running(services, deploy, start, make_user, django_capture_on_commit_callbacks):
    """Two failed computations, a background job nobody took, and user tasks of various ages."""
    services.register("wftest.compute", Handler(ValueError("amount must be positive")))
    services.register("wftest.background", Handler(), asynchronous=True)
    services.register("wftest.record", lambda call, **params: {"recorded": True})
    for name in ("service.bpmn", "async_service.bpmn", "tasks.bpmn"):
        deploy(name)
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        start("wf_service", key="FAIL-1", amount=-1)
        start("wf_service", key="FAIL-2", amount=-2)
        with django_capture_on_commit_callbacks(execute=False):  # no worker takes the job
            start("wf_async", key="JOB-1", subject="a")
        old = start("wf_tasks", key="REQ-1", review_period="P1D", subject="s")
    with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
        start("wf_tasks", key="REQ-2", review_period="P1D", subject="s")
    return old


def test_metrics_count_instances_tasks_jobs_and_incidents_at_scrape_time(running, client):
    with time_machine.travel(NOW, tick=False):
        metrics = scrape(client)

    def value(name, **labels):
        return metrics[(name, tuple(sorted(labels.items())))]

    assert value("workflow_instances", process="wf_service", status="incident") == 2
    assert value("workflow_instances", process="wf_async", status="running") == 1
    assert value("workflow_instances", process="wf_tasks", status="waiting") == 2
    assert value("workflow_incidents_open", process="wf_service", error_type="ValueError") == 2
    assert value("workflow_user_tasks_waiting", task="triage", age="hour") == 1
    assert value("workflow_user_tasks_waiting", task="triage", age="week") == 1
    assert value("workflow_user_task_oldest_wait_seconds", task="triage") == 3 * 86400
    assert value("workflow_jobs", task="workflows.run_service_job", state="queued") == 1
    assert value("workflow_jobs", task="workflows.run_service_job", state="running") == 0
    assert value("workflow_jobs_oldest_queued_seconds") == 3 * 86400
    # The domain apps report through the same endpoint, without the plugin knowing them.
    assert value("acceptance_cases", state="pre_filing") == 0
    assert value("certificates_issued_total", kind="full") == 0


def test_a_task_past_its_due_date_counts_as_an_sla_breach(running, client, make_user):
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        task_complete(
            task_id=open_task(running, "triage").task_id,
            user=make_user("carol", "clerks"),
            data={"priority": "high"},
        )
    with time_machine.travel(NOW, tick=False):
        metrics = scrape(client)

    assert metrics[("workflow_user_tasks_overdue", (("task", "review"),))] == 1
    assert metrics[("workflow_user_tasks_overdue", (("task", "triage"),))] == 0


def test_request_latency_is_observed_by_url_pattern(client, db):
    client.get("/health/live")
    metrics = scrape(client)

    count = metrics[
        (
            "http_request_duration_seconds_count",
            (("method", "GET"), ("status", "2xx"), ("view", "health_live")),
        )
    ]
    assert count >= 1


def test_only_allowed_addresses_or_the_token_may_scrape(client, settings, db):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.1.0.0/16"]
    settings.METRICS_BEARER_TOKEN = "s3cret-token-for-prometheus"

    assert client.get("/metrics", REMOTE_ADDR="10.2.0.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.7.7").status_code == 200
    wrong = {"HTTP_AUTHORIZATION": "Bearer nope", "REMOTE_ADDR": "10.2.0.9"}
    assert client.get("/metrics", **wrong).status_code == 403
    right = {"HTTP_AUTHORIZATION": "Bearer s3cret-token-for-prometheus", "REMOTE_ADDR": "10.2.0.9"}
    assert client.get("/metrics", **right).status_code == 200


def test_a_host_name_may_scrape_from_the_addresses_it_resolves_to(client, settings, db):
    settings.METRICS_ALLOWED_IPS = ["localhost"]

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.9").status_code == 403
