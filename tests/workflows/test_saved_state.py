"""The state saved on an instance: without the process specs its definition has, and states
saved before (with their specs) still load, run on and verify."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from workflows import engine
from workflows.engine import task_complete
from workflows.journal import verify_chain
from workflows.models import ProcessInstance
from workflows.replay import replay_instance
from workflows.spiff import SERIALIZER, state_digest

from .helpers import open_task, reload, workflow_of

pytestmark = pytest.mark.django_db


def test_a_saved_state_leaves_out_the_specs_its_definition_has(deploy, start):
    deploy("subprocess_lanes.bpmn")
    instance = start("wf_subprocess", key="STATE-1")

    saved = json.loads(instance.state)
    with_specs = SERIALIZER.serialize_json(workflow_of(instance))

    assert "spec" not in saved and "subprocess_specs" not in saved
    assert len(instance.state) < len(with_specs) / 2
    assert state_digest(workflow_of(instance)) == instance.state_digest


def test_a_state_saved_with_its_specs_loads_runs_on_and_verifies(deploy, start, make_user):
    deploy("subprocess_lanes.bpmn")
    instance = start("wf_subprocess", key="STATE-2")
    old_style = SERIALIZER.serialize_json(workflow_of(instance))
    ProcessInstance.objects.filter(pk=instance.pk).update(
        state=old_style,
        state_token=None,
        state_sequence=None,  # a row from before checkpoints
    )
    assert "spec" in json.loads(reload(instance).state)

    task_complete(task_id=open_task(instance, "draft").task_id, user=make_user("c", "clerks"))

    instance = reload(instance)
    assert open_task(instance, "check") is not None
    assert "spec" not in json.loads(instance.state)
    assert verify_chain("STATE-2").intact
    assert replay_instance(instance).verified


def test_an_instance_in_a_subprocess_runs_to_its_end_on_the_definitions_specs(
    deploy, start, make_user
):
    deploy("subprocess_lanes.bpmn")
    instance = start("wf_subprocess", key="STATE-3")
    completed = []

    while (row := instance.tasks.filter(status="open").first()) is not None:
        worker = make_user(f"worker{len(completed)}", row.role.name)
        task_complete(task_id=row.task_id, user=worker)
        completed.append(row.task_name)

    assert completed == ["draft", "check"]

    instance = reload(instance)
    assert instance.status == "completed"
    assert replay_instance(instance).verified


def test_the_next_input_in_the_same_process_uses_the_workflow_it_saved(deploy, start, make_user):
    deploy("subprocess_lanes.bpmn")
    instance = start("wf_subprocess", key="STATE-4")
    loads = []
    real_load = engine.instance_workflow

    def counted_load(instance):
        loads.append(instance.pk)
        return real_load(instance)

    engine.instance_workflow = counted_load
    try:
        draft = open_task(instance, "draft")
        task_complete(task_id=draft.task_id, user=make_user("c", draft.role.name))
        # Another process saves the instance: its new token sends the next input to the row.
        ProcessInstance.objects.filter(pk=instance.pk).update(state_token=uuid4())
        check = open_task(instance, "check")
        task_complete(task_id=check.task_id, user=make_user("r", check.role.name))
    finally:
        engine.instance_workflow = real_load

    assert loads == [instance.pk]
    instance = reload(instance)
    assert instance.status == "completed"
    assert replay_instance(instance).verified


def test_a_run_that_fails_leaves_no_changed_workflow_behind(deploy, start, make_user):
    deploy("subprocess_lanes.bpmn")
    instance = start("wf_subprocess", key="STATE-5")
    clerk = make_user("c", "clerks")
    draft = open_task(instance, "draft").task_id

    with pytest.raises(RuntimeError), engine.locked_run(instance.pk) as run:
        task = run.workflow.get_task_from_id(draft)
        task.run()
        run.workflow.do_engine_steps()
        raise RuntimeError("the transaction rolls back")

    task_complete(task_id=draft, user=clerk)

    instance = reload(instance)
    assert open_task(instance, "check") is not None
    assert verify_chain("STATE-5").intact
    assert replay_instance(instance).verified
