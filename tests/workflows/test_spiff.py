"""The binding's own walk of the task tree visits what SpiffWorkflow's iterator visits."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.definitions import build_specs
from workflows.spiff import (
    OWN_WALK_MAX_DEPTH,
    BpmnWorkflow,
    InstanceScriptEngine,
    TaskState,
    parse_bpmn,
    state_digest,
    walk_tasks,
)

from .helpers import bpmn_bytes

REPO = Path(__file__).resolve().parents[2]


class NoServices:
    def call_service(self, task, operation, params):
        raise AssertionError(operation)


def started(data: bytes, process_id: str, **initial) -> BpmnWorkflow:
    workflow = BpmnWorkflow(*build_specs(parse_bpmn(data, f"{process_id}.bpmn"), process_id))
    workflow.script_engine = InstanceScriptEngine(dispatcher=NoServices())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(initial)
    workflow.do_engine_steps()
    return workflow


def acceptance_started() -> BpmnWorkflow:
    """The completion acceptance process with two nodes: a multi-instance subprocess with lanes
    and timers."""
    return started(
        (REPO / "bpmn" / "completion_acceptance.bpmn").read_bytes(),
        "completion_acceptance",
        nodes=["a", "b"],
        review_sla="P5D",
        commitment_period="P3M",
        declared_files=1,
        declared_bytes=1,
    )


def complete_ready(workflow: BpmnWorkflow) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.run()
    workflow.do_engine_steps()


def assert_same_walk(workflow: BpmnWorkflow) -> None:
    library = workflow.get_tasks()
    assert walk_tasks(workflow) == library  # the same tasks, in the same order
    assert state_digest(workflow) == state_digest(workflow, library)


@pytest.mark.parametrize("rounds", [0, 1, 5])
def test_a_loop_is_walked_like_the_library_walks_it(rounds):
    workflow = started(bpmn_bytes("loop.bpmn"), "wf_loop", recorded=0, target=10)
    for _ in range(rounds):
        complete_ready(workflow)
    assert_same_walk(workflow)


@pytest.mark.parametrize("steps", [0, 1, 2])
def test_a_subprocess_is_walked_like_the_library_walks_it(steps):
    workflow = started(bpmn_bytes("subprocess_lanes.bpmn"), "wf_subprocess")
    for _ in range(steps):
        complete_ready(workflow)
    assert_same_walk(workflow)
    if steps == 2:
        assert workflow.is_completed()


def test_a_multi_instance_subprocess_with_lanes_and_timers_is_walked_alike():
    assert_same_walk(acceptance_started())


def test_a_tree_deeper_than_the_own_walk_promises_is_left_to_the_library():
    workflow = started(bpmn_bytes("loop.bpmn"), "wf_loop", recorded=0, target=10_000)
    while workflow.last_task.depth < OWN_WALK_MAX_DEPTH:
        complete_ready(workflow)

    assert walk_tasks(workflow) is None
    assert state_digest(workflow) == state_digest(workflow, workflow.get_tasks())


def test_states_keep_the_digests_their_journals_recorded():
    """Digests written by journals before stay what they were, or replays would fail."""
    subprocess = started(bpmn_bytes("subprocess_lanes.bpmn"), "wf_subprocess")
    digests = [state_digest(subprocess)]
    for _ in range(2):
        complete_ready(subprocess)
        digests.append(state_digest(subprocess))
    loop = started(bpmn_bytes("loop.bpmn"), "wf_loop", recorded=0, target=10)
    for _ in range(3):
        complete_ready(loop)
    digests.append(state_digest(loop))
    acceptance = acceptance_started()
    digests.append(state_digest(acceptance))

    # Recorded by the digest as it was before its walk and count were made cheaper (8f11d25).
    assert digests == [
        "327378cb5f6b0c159ded972a34869a4806648829ece2f1ee76913aefee7ba8d3",
        "18184f4ab5f4005faa3e058b9b86c0eba55bad7752cac3cc96a5f457a0623dd3",
        "e25bd17ef3842383bce2c3c0f99df4cec914ece665deacf8777b195cf3bdb889",
        "9bd436be7ae3179f7f0882f759e7a962c6aafdb8a5b5b0db6e7c208a9159413d",
        "7d5d69b75cf0aec08e11172e484276f8d0566ded58aa75bb9912c6bb4c3b3be9",
    ]
