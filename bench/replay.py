"""Replay cost: re-running a journal of N inputs against raw SpiffWorkflow doing the same work.

The journal is made by running a process of one repeated user task (a sequential multi-instance
task: a plain BPMN loop deepens SpiffWorkflow's task tree until it stops at depth 1000) once, with
the digest after each input, as the engine records it. It is replayed from unsaved
``JournalEntry`` objects (as from a bundle), so the figure is the replay itself: the clock, the
recorded inputs and a digest compared per input. The floor is raw SpiffWorkflow completing the same
N user tasks with no journal and no digest.

SpiffWorkflow keeps every finished instance in the task tree and walks the whole tree several
times per step, so both sides grow with the square of N: 10,000 inputs take minutes on each side.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from workflows.definitions import build_specs
from workflows.models import JournalEntry, ProcessDefinition
from workflows.replay import replay_entries
from workflows.spiff import (
    BpmnWorkflow,
    InstanceScriptEngine,
    TaskState,
    parse_bpmn,
    state_digest,
    walk_tasks,
)

BPMN = Path(__file__).resolve().parent / "bpmn" / "record_rounds.bpmn"
EVENTS = (100, 1_000, 10_000)


class NoServices:
    def call_service(self, task, operation, params):  # the process has no service tasks
        raise AssertionError(operation)


def _definition() -> ProcessDefinition:
    xml = BPMN.read_text(encoding="utf-8")
    return ProcessDefinition(
        process_id="record_rounds",
        version=1,
        source_name=BPMN.name,
        content_sha256=hashlib.sha256(xml.encode("utf-8")).hexdigest(),
        bpmn_xml=xml,
    )


def initial_data(rounds: int) -> dict:
    return {"rounds": rounds}


def _fresh_workflow(definition: ProcessDefinition, target: int) -> BpmnWorkflow:
    parser = parse_bpmn(definition.bpmn_xml.encode("utf-8"), BPMN.name)
    workflow = BpmnWorkflow(*build_specs(parser, "record_rounds"))
    workflow.script_engine = InstanceScriptEngine(dispatcher=NoServices())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(initial_data(target))
    workflow.do_engine_steps()
    return workflow


def _complete(workflow: BpmnWorkflow, task, n: int) -> None:
    task.set_data(note=f"entry {n}")
    task.run()
    workflow.do_engine_steps()


def raw_run(definition: ProcessDefinition, events: int) -> float:
    started = time.perf_counter()
    workflow = _fresh_workflow(definition, events)
    for n in range(events):
        _complete(workflow, workflow.get_tasks(state=TaskState.READY, manual=True)[0], n)
    assert workflow.is_completed()
    return time.perf_counter() - started


def record_journal(definition: ProcessDefinition, events: int) -> list[JournalEntry]:
    """The journal the engine would write: the start and one entry per completed task.

    Not measured: one walk of the task tree per input finds the next task and makes the digest,
    so recording 10,000 inputs costs about as much as replaying them.
    """
    clock = datetime(2030, 1, 1, tzinfo=UTC)
    workflow = _fresh_workflow(definition, events)
    tasks = walk_tasks(workflow)
    entries = [
        JournalEntry(
            chain="BENCH",
            sequence=1,
            kind="instance.started",
            recorded_at=clock,
            instance_id=1,
            payload={
                "definition_sha256": definition.content_sha256,
                "data": initial_data(events),
            },
            state_digest=state_digest(workflow, tasks),
        )
    ]
    for n in range(events):
        task = next(t for t in tasks if t.state == TaskState.READY and t.task_spec.manual)
        _complete(workflow, task, n)
        tasks = walk_tasks(workflow)
        entries.append(
            JournalEntry(
                chain="BENCH",
                sequence=n + 2,
                kind="task.completed",
                recorded_at=clock + timedelta(seconds=n + 1),
                instance_id=1,
                task_name=task.task_spec.name,
                payload={"data": {"note": f"entry {n}"}},
                state_digest=state_digest(workflow, tasks),
            )
        )
    return entries


@dataclass(frozen=True)
class ReplayFigures:
    events: int
    raw_seconds: float
    replay_seconds: float

    @property
    def ratio(self) -> float:
        return self.replay_seconds / self.raw_seconds


def measure(events_list=EVENTS, runs: int = 3, progress=print) -> list[ReplayFigures]:
    definition = _definition()
    figures = []
    for events in events_list:
        progress(f"recording a journal of {events:,} inputs")
        entries = record_journal(definition, events)
        raw, replayed = [], []
        for run in range(1, (runs if events < 10_000 else 1) + 1):
            progress(f"{events:,} inputs, run {run}: raw SpiffWorkflow, then the replay")
            raw.append(raw_run(definition, events))
            started = time.perf_counter()
            verdict, _ = replay_entries(definition, entries)
            replayed.append(time.perf_counter() - started)
            assert verdict.verified, verdict.describe()
        figures.append(ReplayFigures(events, statistics.median(raw), statistics.median(replayed)))
    return figures


def report(figures: list[ReplayFigures]) -> str:
    from bench.report import table

    rows = [
        (
            f"{f.events:,} events",
            f"{f.raw_seconds:.3f}",
            f"{f.replay_seconds:.3f}",
            f"{f.replay_seconds / f.events * 1000:.3f}",
            f"{f.ratio:.2f}x",
        )
        for f in figures
    ]
    return table(
        ["journal", "raw SpiffWorkflow (s)", "replay (s)", "replay ms / event", "replay / raw"],
        rows,
    )
