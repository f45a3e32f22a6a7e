"""A runaway script in one case: that case stops with an incident naming the limit, and nobody
else waits for it, on the embedded default (SQLite, where a write transaction locks the whole
database) as on PostgreSQL (``tests/integration/test_runaway.py`` runs the same scenario).
"""

from __future__ import annotations

import pytest

from workflows import engine
from workflows.journal import journal_append, verify_chain
from workflows.models import Incident, ServiceJob

from .helpers import (
    NOTE_OPERATION,
    PROMPT_SECONDS,
    SCRIPT_LIMIT_SECONDS,
    Runaway,
    journal_kinds,
    last_entry,
    note_in_journal,
    open_task,
    reload,
    timed,
    workflow_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def runaway_process(services, deploy):
    services.register(NOTE_OPERATION, note_in_journal)
    deploy("runaway.bpmn")


def test_a_runaway_script_stops_its_case_with_an_incident_and_nobody_else_waits_for_it(
    runaway_process, start, make_user, monkeypatch, settings
):
    clerk = make_user("runaway_clerk", "clerks")
    spinning = start("wf_runaway", key="RUNAWAY-1")
    other = start("wf_runaway", key="RUNAWAY-2")
    other_task = open_task(other, "decide")

    with Runaway(monkeypatch, settings, spinning, clerk) as runaway:
        # Another case's task, and another writer on the runaway case's own journal (an upload
        # to the same case journals there).
        other_completion = timed(
            lambda: engine.task_complete(task_id=other_task.task_id, user=clerk, data={"count": 10})
        )
        same_case_entry = timed(
            lambda: journal_append(chain="RUNAWAY-1", kind="test.uploaded", actor=clerk)
        )
        still_spinning = runaway.thread.is_alive()

    assert other_completion < PROMPT_SECONDS
    assert same_case_entry < PROMPT_SECONDS
    assert still_spinning, "the other actions were not measured while the script ran"
    assert reload(other).status == "completed"
    assert runaway.error is None
    assert reload(spinning).status == "incident"
    incident = Incident.objects.get(instance=spinning)
    assert (incident.error_type, incident.task_name) == ("ScriptLimitExceeded", "spin")
    assert f"limit of {SCRIPT_LIMIT_SECONDS:g} s" in incident.message
    assert journal_kinds("RUNAWAY-1") == [
        "instance.started",
        "test.uploaded",
        "case.noted",
        "task.completed",
        "incident.raised",
    ]
    assert verify_chain("RUNAWAY-1").intact


def test_a_slow_script_runs_with_no_lock_held_and_its_result_is_the_same(
    runaway_process, start, make_user
):
    clerk = make_user("counting_clerk", "clerks")
    counting = start("wf_runaway", key="COUNTING-1")

    # Counting to 300,000 takes far longer than a script may hold the lock (10 ms).
    engine.task_complete(
        task_id=open_task(counting, "decide").task_id, user=clerk, data={"count": 300_000}
    )

    assert reload(counting).status == "completed"
    assert workflow_of(counting).last_task.data["total"] == sum(range(300_000))
    assert journal_kinds("COUNTING-1") == ["instance.started", "task.completed"]
    assert last_entry("COUNTING-1", "task.completed").state_digest == counting.state_digest


def test_a_slow_script_after_a_background_job_runs_with_no_lock_held_and_the_job_once_more(
    services, deploy, start
):
    calls = []

    def job(call) -> dict:
        calls.append(call.task_name)
        return {"ok": True}

    services.register("wftest.job", job, asynchronous=True)
    deploy("slow_after_job.bpmn")

    # With the eager Celery of the embedded default, the job runs right after the start commits.
    counted = start("wf_slow_after_job", key="COUNTED-1", count=300_000)

    assert counted.status == "completed"
    assert workflow_of(counted).last_task.data["total"] == sum(range(300_000))
    # The job's writes and the advance after it commit together: given back with the lock, the
    # job ran again, and took the script's outcome the second time.
    assert calls == ["job", "job"]
    assert ServiceJob.objects.get(instance=counted).status == "succeeded"
    assert journal_kinds("COUNTED-1") == ["instance.started", "service.completed"]
