"""The state saved on an instance: without the process specs its definition has, and states
saved before (with their specs) still load, run on and verify."""

from __future__ import annotations

import json

import pytest

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
    ProcessInstance.objects.filter(pk=instance.pk).update(state=old_style)
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
