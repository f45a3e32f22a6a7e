"""The whole state is written every few inputs (a checkpoint); in between the journal carries the
inputs, and a process that does not keep the workflow (another process, or one that died)
rebuilds it from the checkpoint and the inputs after it, digest checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from workflows import engine
from workflows.engine import incident_retry, service_job_run, task_complete
from workflows.journal import verify_chain
from workflows.models import Incident, JournalEntry, ProcessInstance, ServiceJob
from workflows.replay import StateRebuildFailed, replay_instance
from workflows.spiff import state_digest
from workflows.timers import fire_due_timers

from .helpers import last_entry, open_task, open_task_names, reload, workflow_of
from .test_engine import Handler

pytestmark = pytest.mark.django_db

EVERY = 4


@pytest.fixture(autouse=True)
def checkpoint_every(settings):
    settings.WORKFLOWS_STATE_CHECKPOINT_EVERY = EVERY


def process_dies() -> None:
    """What a new process starts with: no workflow kept from an earlier input."""
    engine.KEPT_WORKFLOWS.clear()


def record(instance: ProcessInstance, clerk) -> None:
    task_complete(task_id=open_task(instance, "record").task_id, user=clerk)


def last_digest(key: str) -> str:
    return JournalEntry.objects.filter(chain=key).order_by("-sequence").first().state_digest


def test_inputs_between_checkpoints_leave_the_state_and_a_new_process_rebuilds_it(
    deploy, start, make_user
):
    deploy("loop.bpmn")
    clerk = make_user("c", "clerks")
    instance = start("wf_loop", key="CKPT-1", recorded=0, target=9)
    checkpoint = instance.state

    record(instance, clerk)
    record(instance, clerk)

    instance = reload(instance)
    assert instance.state == checkpoint  # two inputs, not written
    assert instance.inputs_since_state == 2
    assert instance.state_digest == last_digest("CKPT-1")

    for _ in range(7):  # each input in a new process: the workflow rebuilt from the journal
        process_dies()
        record(instance, clerk)
        instance = reload(instance)
        assert state_digest(workflow_of(instance)) == instance.state_digest
        assert instance.state_digest == last_digest("CKPT-1")
        # Inputs moving between processes are written: the next process replays none of them.
        assert instance.inputs_since_state == 0

    assert instance.status == "completed"
    assert instance.inputs_since_state == 0  # written when it ended
    assert verify_chain("CKPT-1").intact
    assert replay_instance(instance).verified


def test_the_state_is_written_every_n_inputs(deploy, start, make_user):
    deploy("loop.bpmn")
    clerk = make_user("c", "clerks")
    instance = start("wf_loop", key="CKPT-2", recorded=0, target=20)
    written = [reload(instance).state_sequence]

    for _ in range(2 * EVERY):
        record(instance, clerk)
        written.append(reload(instance).state_sequence)

    started = written[0]
    assert written == [started] * EVERY + [started + EVERY] * EVERY + [started + 2 * EVERY]
    assert replay_instance(reload(instance)).verified


def test_a_subprocess_reached_between_checkpoints_rebuilds_with_its_tasks(deploy, start, make_user):
    deploy("subprocess_lanes.bpmn")
    instance = start("wf_subprocess", key="CKPT-3")
    draft = open_task(instance, "draft")
    task_complete(task_id=draft.task_id, user=make_user("c", draft.role.name))
    assert reload(instance).inputs_since_state == 1

    process_dies()
    check = open_task(instance, "check")
    task_complete(task_id=check.task_id, user=make_user("r", check.role.name))

    instance = reload(instance)
    assert instance.status == "completed"
    assert replay_instance(instance).verified


NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
REMINDER = NOW + timedelta(hours=1)
DEADLINE = NOW + timedelta(days=1)
SECOND = timedelta(seconds=1)


def test_a_timer_sweep_between_checkpoints_fires_on_the_rebuilt_workflow(deploy, start):
    deploy("timers.bpmn")
    with time_machine.travel(NOW, tick=False):
        instance = start("wf_timers", key="CKPT-4", deadline_after="P1D")

    with time_machine.travel(REMINDER + SECOND, tick=False):
        assert fire_due_timers() == 1
    instance = reload(instance)
    assert instance.inputs_since_state == 1
    assert instance.next_timer_at == DEADLINE
    assert open_task_names(instance) == ["work"]

    process_dies()
    with time_machine.travel(DEADLINE - SECOND, tick=False):
        assert fire_due_timers() == 0
    with time_machine.travel(DEADLINE + SECOND, tick=False):
        assert fire_due_timers() == 1

    instance = reload(instance)
    assert instance.status == "completed"
    assert open_task_names(instance) == []
    assert replay_instance(instance).verified


def test_a_journal_that_no_longer_rebuilds_the_state_stops_the_instance(
    deploy, start, make_user, without_append_only_trigger
):
    deploy("loop.bpmn")
    clerk = make_user("c", "clerks")
    instance = start("wf_loop", key="CKPT-5", recorded=0, target=9)
    record(instance, clerk)
    entry = JournalEntry.objects.filter(chain="CKPT-5", kind="task.completed").get()
    JournalEntry.objects.filter(pk=entry.pk).update(payload={"data": {"recorded": 5}})
    before = reload(instance)

    process_dies()
    with pytest.raises(StateRebuildFailed, match="CKPT-5"):
        record(instance, clerk)

    after = reload(instance)
    assert (after.state_digest, after.inputs_since_state) == (before.state_digest, 1)
    assert open_task_names(instance) == ["record"]


def test_a_missing_input_stops_the_instance(deploy, start, make_user, without_append_only_trigger):
    deploy("loop.bpmn")
    clerk = make_user("c", "clerks")
    instance = start("wf_loop", key="CKPT-6", recorded=0, target=9)
    record(instance, clerk)
    record(instance, clerk)
    JournalEntry.objects.filter(chain="CKPT-6", kind="task.completed").order_by(
        "-sequence"
    ).first().delete()

    process_dies()
    with pytest.raises(StateRebuildFailed, match="1 input"):
        record(instance, clerk)


def test_a_run_that_queues_a_job_writes_the_state_for_the_worker_taking_it(services, deploy, start):
    handler = services.register("wftest.background", Handler(ValueError("down")), asynchronous=True)
    deploy("async_service.bpmn")
    instance = start("wf_async", key="CKPT-7", subject="tower A")
    service_job_run(ServiceJob.objects.get(instance=instance).pk)  # fails: an incident
    handler.error = None

    incident_retry(incident_id=Incident.objects.get(instance=instance).pk)

    instance = reload(instance)
    assert instance.inputs_since_state == 0
    assert instance.state_sequence == last_entry("CKPT-7", "incident.retried").sequence
    process_dies()  # the worker keeps nothing of this process
    service_job_run(ServiceJob.objects.get(instance=instance).pk)
    assert open_task_names(instance) == ["inspect"]
    assert replay_instance(reload(instance)).verified
