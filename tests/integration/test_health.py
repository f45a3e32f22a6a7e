"""/health/ready and /metrics on PostgreSQL and Redis, over HTTP from a live server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
import time_machine
from celery import current_app
from django.contrib.auth.models import Group
from prometheus_client.parser import text_string_to_metric_families

from tests.workflows.helpers import bpmn_bytes
from workflows.definitions import deploy_bpmn
from workflows.engine import instance_start
from workflows.services import registry

# The calendar is seeded from chinesecalendar (2025 and 2026 known): in December 2025 it covers
# this year and the next.
COVERED = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db(transaction=True)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_ready_checks_postgresql_redis_storage_the_key_and_the_calendar(real_stack, live_server):
    with time_machine.travel(COVERED, tick=True):
        status, body = get(f"{live_server.url}/health/ready")

    checks = {name: check["status"] for name, check in json.loads(body)["checks"].items()}
    assert (status, checks) == (
        200,
        {
            "database": "ok",
            "broker": "ok",  # a real connection to the Redis broker
            "storage": "ok",
            "holiday_calendar": "ok",
            "signing_key": "ok",
        },
    )


def test_ready_fails_while_the_broker_is_unreachable(real_stack, live_server, monkeypatch):
    # Nothing listens on port 9: the broker as an outage leaves it.
    for name in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(current_app.conf, name, "redis://127.0.0.1:9/0")
    with time_machine.travel(COVERED, tick=True):
        status, body = get(f"{live_server.url}/health/ready")

    assert status == 503
    assert json.loads(body)["checks"]["broker"]["status"] == "fail"
    assert json.loads(body)["checks"]["database"]["status"] == "ok"


def test_metrics_are_counted_by_postgresql(real_stack, live_server):
    registry.register("wftest.record", lambda call, **params: {"recorded": True})
    try:
        deploy_bpmn(bpmn_bytes("tasks.bpmn"), "tasks.bpmn")
        instance_start(
            process_id="wf_tasks",
            business_object=Group.objects.create(name="integration business object"),
            business_key="REQ-PG-1",
            data={"review_period": "P1D", "subject": "s"},
        )
    finally:
        registry.unregister("wftest.record")

    status, body = get(f"{live_server.url}/metrics")

    assert status == 200
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    assert samples[("workflow_instances", (("process", "wf_tasks"), ("status", "waiting")))] == 1
    assert samples[("workflow_user_tasks_waiting", (("age", "hour"), ("task", "triage")))] == 1
    assert samples[("workflow_jobs_oldest_queued_seconds", ())] == 0
    assert samples[("acceptance_cases", (("state", "pre_filing"),))] == 0
