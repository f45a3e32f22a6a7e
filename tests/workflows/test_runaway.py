"""A runaway script in one case: that case stops with an incident naming the limit, and nobody
else waits for it, on the embedded default (SQLite, where a write transaction locks the whole
database) as on PostgreSQL (``tests/integration/test_runaway.py`` runs the same scenario).
"""

from __future__ import annotations

import pytest

from workflows import engine
from workflows.journal import journal_append, verify_chain
from workflows.models import Incident

from .helpers import (
    PROMPT_SECONDS,
    SCRIPT_LIMIT_SECONDS,
    Runaway,
    journal_kinds,
    open_task,
    reload,
    timed,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_runaway_script_stops_its_case_with_an_incident_and_nobody_else_waits_for_it(
    deploy, start, make_user, monkeypatch, settings
):
    deploy("runaway.bpmn")
    clerk = make_user("runaway_clerk", "clerks")
    spinning = start("wf_runaway", key="RUNAWAY-1")
    other = start("wf_runaway", key="RUNAWAY-2")
    other_task = open_task(other, "decide")

    with Runaway(monkeypatch, settings, spinning, clerk) as runaway:
        # Another case's task, and another writer on the runaway case's own journal (an upload
        # to the same case journals there).
        other_completion = timed(
            lambda: engine.task_complete(task_id=other_task.task_id, user=clerk, data={})
        )
        same_case_entry = timed(
            lambda: journal_append(chain="RUNAWAY-1", kind="test.uploaded", actor=clerk)
        )
        still_spinning = runaway.thread.is_alive()

    print(
        f"MEASURED other={other_completion:.3f} same_chain={same_case_entry:.3f} runaway={runaway.seconds:.3f}"
    )
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
        "task.completed",
        "incident.raised",
    ]
    assert verify_chain("RUNAWAY-1").intact
