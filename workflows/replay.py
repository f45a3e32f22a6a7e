"""Replay: re-run an instance's journaled inputs and prove its recorded history.

A replay starts a fresh workflow from the exact definition version the instance started on
(checked against its content hash), feeds it each input of the journal in order, with the clock set
to the time each input was recorded and service results answered from the record instead of calling
the handlers, and compares the state after every input with the digest journaled there. At a
migration entry it moves the workflow onto the definition the entry names (found by its hash and
checked like the first) with the entry's task mapping; at a revert it takes back the state it had
before that migration. The verdict
is either "verified" or the first entry at which the replay diverges, and how.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from .canonical import normalize_payload
from .definitions import load_specs
from .models import JournalEntry, ProcessDefinition, ProcessInstance
from .spiff import (
    ACTIVE_STATES,
    PENDING,
    SERIALIZER,
    BpmnWorkflow,
    InstanceScriptEngine,
    TaskState,
    load_state,
    migrate_to_spec,
    state_digest,
    timer_move,
    walk_tasks,
)

# Inputs change the workflow; every other journal kind (claims, domain actions) leaves it as is.
INPUT_KINDS = {
    "instance.started",
    "task.completed",
    "service.completed",
    "timer.fired",
    "timer.rescheduled",
    "message.received",
    "incident.raised",
    "incident.retried",
    "service.discarded",
    "instance.cancelled",
    "instance.migrated",
    "instance.migration_reverted",
}
_clock_lock = threading.Lock()


class ReplayError(Exception):
    """The journal cannot be fed to the workflow (an input names a task that is not there)."""


class StateRebuildFailed(ReplayError):
    """An instance's current workflow cannot be rebuilt from its saved state and its journal:
    nothing may run on it until someone looks (a journal or saved state altered behind the
    engine's back, or an input the replay does not reproduce)."""

    def __init__(self, instance: ProcessInstance, reason: str) -> None:
        super().__init__(
            f"案件 {instance.business_key} 的流程状态无法由存档点和日志重建，已停止办理 / "
            f"the workflow of {instance.business_key} (instance {instance.pk}) cannot be rebuilt "
            f"from its saved state at journal entry #{instance.state_sequence} and the "
            f"{instance.inputs_since_state} input(s) journaled after it: {reason}"
        )
        self.instance_id = instance.pk


class NoRecordedResult(Exception):
    """A service the original run did not record a result for: there, its handler failed."""


@dataclass(frozen=True)
class ReplayVerdict:
    instance_id: int
    verified: bool
    inputs: int
    diverged_at: int | None = None
    kind: str = ""
    reason: str = ""
    replayed_tasks: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.verified:
            return f"replay verified: {self.inputs} inputs reproduce the recorded states / 回放一致"
        return (
            f"replay diverges at entry #{self.diverged_at} ({self.kind}): {self.reason} / "
            f"回放在第 {self.diverged_at} 条记录处不一致"
        )


@contextmanager
def _recorded_clock(moment: list[datetime]) -> Iterator[None]:
    """SpiffWorkflow's timers read ``datetime.now``; during a replay it reads the recording."""

    class RecordedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment[0].astimezone(tz) if tz else moment[0]

    with _clock_lock:
        real = spiff_timer.datetime
        spiff_timer.datetime = RecordedDatetime
        try:
            yield
        finally:
            spiff_timer.datetime = real


class RecordedServices:
    """Answers service tasks with the results journaled for the input being replayed."""

    def __init__(self) -> None:
        self.pending: list[dict] = []

    def call_service(self, task, operation: str, params: dict):
        for index, record in enumerate(self.pending):
            if record["task"] == task.task_spec.name and record["operation"] == operation:
                del self.pending[index]
                return PENDING if "job" in record and "result" not in record else record["result"]
        raise NoRecordedResult(f"{operation} at {task.task_spec.name}")


def _definition_intact(definition: ProcessDefinition) -> bool:
    digest = hashlib.sha256(definition.bpmn_xml.encode("utf-8")).hexdigest()
    return digest == definition.content_sha256


def _task_named(workflow: BpmnWorkflow, tasks: list | None, name: str, state: TaskState):
    for task in workflow.get_tasks() if tasks is None else tasks:
        if task.state == state and task.task_spec.name == name:
            return task
    raise ReplayError(f"no {TaskState.get_name(state)} task {name!r} to apply the input to")


def _started_service(workflow: BpmnWorkflow, tasks: list | None, name: str, params: dict | None):
    """The waiting service task the result belongs to.

    The instances of a parallel multi-instance task share one name and finish in any order:
    the one whose parameters are the job's recorded parameters takes the result.
    """
    if params is None:
        return _task_named(workflow, tasks, name, TaskState.STARTED)
    for task in workflow.get_tasks() if tasks is None else tasks:
        if (
            task.state == TaskState.STARTED
            and task.task_spec.name == name
            and _params(task) == params
        ):
            return task
    raise ReplayError(f"no STARTED task {name!r} with parameters {params!r} to apply the input to")


def _params(task) -> dict:
    evaluated = task.task_spec.evaluate_params(task)
    return normalize_payload({key: spec["value"] for key, spec in evaluated.items()})


def _apply(
    workflow: BpmnWorkflow, tasks: list | None, entry: JournalEntry, services: RecordedServices
) -> None:
    """Feed one input; ``tasks`` is the workflow's ``walk_tasks`` as it stands (or None)."""
    payload = entry.payload
    services.pending = list(payload.get("services", []))
    if entry.kind == "task.completed":
        task = _task_named(workflow, tasks, entry.task_name, TaskState.READY)
        task.set_data(**payload.get("data", {}))
        task.run()
    elif entry.kind == "service.completed":
        task = _started_service(workflow, tasks, entry.task_name, payload.get("params"))
        task.data[task.task_spec.result_variable] = payload["result"]
        task.complete()
    elif entry.kind == "timer.fired":
        workflow.refresh_timers()
    elif entry.kind == "timer.rescheduled":
        task = _task_named(workflow, tasks, entry.task_name, TaskState.WAITING)
        timer_move(task, datetime.fromisoformat(payload["due"]), payload.get("data", {}))
    elif entry.kind == "message.received":
        event = MessageEventDefinition(payload["name"])
        workflow.send_event(BpmnEvent(event, payload.get("payload", {})))
    elif entry.kind == "incident.retried":
        for task in workflow.get_tasks(state=TaskState.ERROR):
            task._set_state(TaskState.READY)
    elif entry.kind == "instance.cancelled":
        workflow.cancel()
        return
    if entry.kind in ("incident.raised", "service.discarded", "timer.rescheduled"):
        return  # the state was recorded as the input left it: the engine did not step
    _advance(workflow)


def _advance(workflow: BpmnWorkflow) -> None:
    # A service without a recorded result failed in the original run too; the recorded digest
    # shows whether it did.
    with suppress(NoRecordedResult):
        workflow.do_engine_steps()


def _diverged(entry: JournalEntry, reason: str, workflow, inputs: int) -> ReplayVerdict:
    tasks = sorted(
        f"{t.task_spec.name}:{TaskState.get_name(t.state)}"
        for t in workflow.get_tasks(state=ACTIVE_STATES)
    ) if workflow is not None else []  # fmt: skip
    return ReplayVerdict(
        entry.instance_id, False, inputs, entry.sequence, entry.kind, reason, tasks
    )


def _deployed_definition(process_id: str, content_sha256: str) -> ProcessDefinition | None:
    return ProcessDefinition.objects.filter(
        process_id=process_id, content_sha256=content_sha256
    ).first()


def _migrate(workflow, current, entry, services, definitions) -> ProcessDefinition:
    """Move the replayed workflow as the migration entry says; the new current definition."""
    payload = entry.payload
    if payload.get("from", {}).get("definition_sha256") != current.content_sha256:
        raise ReplayError("the migration starts from another definition than the instance was on")
    target = definitions(current.process_id, payload.get("to", {}).get("definition_sha256"))
    if target is None:
        raise ReplayError("the definition the instance migrated to is not known here")
    if not _definition_intact(target):
        raise ReplayError("the definition migrated to was altered since deployment")
    spec, subprocess_specs = load_specs(target)
    services.pending = list(payload.get("services", []))
    left_behind = migrate_to_spec(workflow, spec, subprocess_specs, payload.get("mapping", {}))
    if left_behind:
        raise ReplayError(f"the migration leaves steps without counterpart: {left_behind}")
    _advance(workflow)
    return target


def _revert(entry, snapshots, services) -> tuple[BpmnWorkflow, ProcessDefinition]:
    saved = snapshots.get(entry.payload.get("migration"))
    if saved is None:
        raise ReplayError("the reverted migration is not in the replayed journal")
    workflow = SERIALIZER.deserialize_json(saved[0])
    workflow.script_engine = InstanceScriptEngine(dispatcher=services)
    return workflow, saved[1]


def replay_entries(
    definition: ProcessDefinition,
    entries: Iterable[JournalEntry],
    until_sequence: int | None = None,
    definitions: Callable[[str, str], ProcessDefinition | None] | None = None,
) -> tuple[ReplayVerdict, BpmnWorkflow | None]:
    """Replay ``entries`` (one instance's journal, in order) against ``definition``, the version
    the instance started on.

    Works on unsaved ``JournalEntry`` objects too, so a bundle can be replayed without a database.
    A migration finds its target through ``definitions(process_id, content_sha256)`` (deployed
    definitions by default). Stops after ``until_sequence`` when given (time travel) and returns
    the workflow as it stood.
    """
    entries = [e for e in entries if e.kind in INPUT_KINDS]
    if not entries:
        raise ReplayError("the journal holds no inputs of this instance")
    first = entries[0]
    if not _definition_intact(definition):
        return _diverged(
            first, "the process definition was altered since deployment", None, 0
        ), None
    if first.kind != "instance.started":
        return _diverged(
            first, "the journal does not begin with the instance's start", None, 0
        ), None
    if first.payload.get("definition_sha256") != definition.content_sha256:
        reason = "the instance started on another process definition than the one given"
        return _diverged(first, reason, None, 0), None
    spec, subprocess_specs = load_specs(definition)
    services = RecordedServices()
    current = definition
    snapshots: dict[int, tuple[str, ProcessDefinition]] = {}
    definitions = definitions or _deployed_definition
    moment = [first.recorded_at]
    workflow = None
    # One walk of the task tree per input serves both the digest after it and the lookup of the
    # next input's task: nothing changes the workflow in between.
    tasks = None
    with _recorded_clock(moment):
        for count, entry in enumerate(entries, start=1):
            moment[0] = entry.recorded_at
            try:
                if entry.kind == "instance.migrated":
                    snapshots[entry.sequence] = (SERIALIZER.serialize_json(workflow), current)
                    current = _migrate(workflow, current, entry, services, definitions)
                elif entry.kind == "instance.migration_reverted":
                    workflow, current = _revert(entry, snapshots, services)
                elif workflow is None:
                    workflow = BpmnWorkflow(spec, subprocess_specs)
                    workflow.script_engine = InstanceScriptEngine(dispatcher=services)
                    workflow.get_tasks(state=TaskState.READY)[0].data.update(
                        entry.payload.get("data", {})
                    )
                    services.pending = list(entry.payload.get("services", []))
                    _advance(workflow)
                else:
                    _apply(workflow, tasks, entry, services)
            except ReplayError as exc:
                return _diverged(entry, str(exc), workflow, count), workflow
            tasks = walk_tasks(workflow)
            if entry.state_digest and state_digest(workflow, tasks) != entry.state_digest:
                reason = "the replayed workflow state differs from the state recorded here"
                return _diverged(entry, reason, workflow, count), workflow
            if until_sequence is not None and entry.sequence >= until_sequence:
                break
    return ReplayVerdict(first.instance_id, True, count), workflow


# Inputs after which the engine always saves the whole state (``engine.InstanceRun.save``): a
# replay from a saved state cannot feed them back. A start has no state before it; a migration
# changes the definition the saved state loads on, and its revert needs the state from before it;
# an incident's failure (a handler's error, a script past its limits) is not reproduced, only
# recorded; a cancellation ends the instance.
CHECKPOINT_KINDS = {
    "instance.started",
    "instance.migrated",
    "instance.migration_reverted",
    "incident.raised",
    "instance.cancelled",
}


def instance_workflow(instance: ProcessInstance) -> BpmnWorkflow:
    """The instance's current workflow: its saved state, on the specs of the definition it runs
    on, and the inputs journaled after that state replayed onto it (recorded clock, recorded
    service results), each checked against the digest journaled with it.

    Raises ``StateRebuildFailed`` when an input is missing or the rebuilt state differs from the
    recorded one: the instance must not run on a state other than its journal says.
    """
    workflow = load_state(instance.state, lambda: load_specs(instance.definition))
    if not instance.inputs_since_state:
        return workflow
    entries = list(
        JournalEntry.objects.filter(
            chain=instance.business_key,
            instance_id=instance.pk,
            sequence__gt=instance.state_sequence,
            kind__in=INPUT_KINDS,
        ).order_by("sequence")
    )
    if len(entries) != instance.inputs_since_state:
        raise StateRebuildFailed(instance, f"the journal holds {len(entries)} input(s) after it")
    services = RecordedServices()
    workflow.script_engine = InstanceScriptEngine(dispatcher=services)
    moment = [entries[0].recorded_at]
    tasks = None
    with _recorded_clock(moment):
        for entry in entries:
            if entry.kind in CHECKPOINT_KINDS:
                raise StateRebuildFailed(
                    instance,
                    f"entry #{entry.sequence} ({entry.kind}) is not replayed onto a saved state",
                )
            moment[0] = entry.recorded_at
            try:
                _apply(workflow, tasks, entry, services)
            except ReplayError as exc:
                raise StateRebuildFailed(instance, f"entry #{entry.sequence}: {exc}") from exc
            tasks = walk_tasks(workflow)
            if state_digest(workflow, tasks) != entry.state_digest:
                raise StateRebuildFailed(
                    instance,
                    f"the state rebuilt differs from the one recorded at #{entry.sequence}",
                )
    if entries[-1].state_digest != instance.state_digest:
        raise StateRebuildFailed(instance, "the last input's digest is not the instance's")
    return workflow


def _start_definition(instance: ProcessInstance, entries) -> ProcessDefinition:
    """The version the instance started on: its own, unless it migrated since."""
    started = entries.filter(kind="instance.started").first()
    sha256 = started.payload.get("definition_sha256") if started else None
    if sha256 in (None, instance.definition.content_sha256):
        return instance.definition
    return _deployed_definition(instance.definition.process_id, sha256) or instance.definition


def replay_instance(instance: ProcessInstance) -> ReplayVerdict:
    """Replay an instance from its journal and compare with every recorded state and its own.

    The instance's own state is digested from what is saved (its checkpoint and the inputs after
    it rebuilt onto it), not read from its digest column: a saved state edited behind the
    journal's back is caught too. A compacted instance has only its
    final digest left, and the replay must end on it.
    """
    entries = JournalEntry.objects.filter(
        chain=instance.business_key, instance_id=instance.pk
    ).order_by("sequence")
    verdict, workflow = replay_entries(_start_definition(instance, entries), entries)
    if not verdict.verified:
        return verdict
    if instance.compacted_at is not None:
        # Compacted: no saved state is left to digest; the replay must end on the final digest
        # kept on the row, which compaction took from the instance's verified replay.
        saved = instance.state_digest
    else:
        try:
            saved = state_digest(instance_workflow(instance))
        except StateRebuildFailed:  # the saved state does not lead to the journaled states
            saved = None
    if state_digest(workflow) != saved:
        last = entries.last()
        return _diverged(last, "the instance's saved state differs from its replay", workflow, 0)
    return verdict


def state_at(instance: ProcessInstance, sequence: int) -> BpmnWorkflow:
    """Time travel: the instance's workflow as it stood after journal entry ``sequence``."""
    entries = JournalEntry.objects.filter(
        chain=instance.business_key, instance_id=instance.pk, sequence__lte=sequence
    ).order_by("sequence")
    verdict, workflow = replay_entries(
        _start_definition(instance, entries), entries, until_sequence=sequence
    )
    if not verdict.verified:
        raise ReplayError(verdict.describe())
    return workflow
