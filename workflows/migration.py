"""Moving running instances onto a newer version of their process, with a dry run first.

``migration_plan`` is the dry run: it moves a copy of the instance's saved state onto the target
version and reports, for every step under way, the step it becomes (same BPMN id, an explicit
mapping ``{old id: new id}``, or SpiffWorkflow's alignment by structure), the process data the new
version reads from there on and the case does not have, the timers whose deadline would change,
and a verdict. ``migration_apply`` does the same under the instance's row lock, refuses what the
dry run flags, re-points the inbox rows and journals one ``instance.migrated`` entry with both
definition hashes and the mapping, so a replay switches spec at that entry and verifies the states
after it. ``migration_revert`` restores the state from before, as long as nothing has happened
to the instance since.
"""

from __future__ import annotations

import ast
import builtins
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from .definitions import load_specs
from .engine import locked_run
from .exceptions import WorkflowError
from .forms import parse_form
from .inbox import EXPRESSION_PROPERTIES, MAX_REASON_LENGTH, retarget_open_tasks
from .journal import actor_label
from .labels import Label, is_labelled, label
from .models import InstanceMigration, JournalEntry, ProcessDefinition, ProcessInstance, ServiceJob
from .replay import INPUT_KINDS, instance_workflow
from .sandbox import SANDBOX_GLOBALS
from .spiff import (
    ACTIVE_STATES,
    PENDING,
    SERIALIZER,
    DispatchedServiceTask,
    InstanceScriptEngine,
    TaskState,
    dump_state,
    is_step,
    load_state,
    migrate_to_spec,
    task_spec_expressions,
    timer_deadline,
    timer_tasks,
)

# Names an expression may use without the process having set them.
_PROVIDED = set(dir(builtins)) | set(SANDBOX_GLOBALS) | set(SANDBOX_GLOBALS["__builtins__"])


class MigrationRefused(WorkflowError):
    code = "migration_refused"


class MappingInvalid(WorkflowError):
    code = "migration_mapping_invalid"


@dataclass(frozen=True)
class StepMove:
    """One step under way and the step of the new version it becomes ("" for none)."""

    name: str
    label: Label
    state: str
    target: str = ""
    target_label: Label | None = None
    how: str = ""  # "id" (the same BPMN id) or "mapping"


@dataclass(frozen=True)
class TimerChange:
    name: str
    label: Label
    before: datetime | None
    after: datetime | None


@dataclass
class MigrationPlan:
    instance: ProcessInstance
    source: ProcessDefinition
    target: ProcessDefinition
    mapping: dict[str, str]
    steps: list[StepMove] = field(default_factory=list)
    missing_data: list[str] = field(default_factory=list)
    timers: list[TimerChange] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    problems: list[Label] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> Label:
        if self.problems:
            return Label("不可迁移", "cannot move")
        if self.timers:
            return Label("可迁移（期限有变）", "can move, deadlines change")
        return Label("可迁移", "can move")


def step_label(task_spec) -> Label:
    """How a page names a step: its registered label, else the name the modeller gave it."""
    if is_labelled("task", task_spec.name):
        return label("task", task_spec.name)
    name = getattr(task_spec, "bpmn_name", None) or task_spec.name
    return Label(name, name)


def load_mapping(text: str) -> dict[str, str]:
    """A mapping file: a JSON object of old BPMN task id -> new BPMN task id."""
    try:
        mapping = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise MappingInvalid(
            f"任务对应关系不是合法的 JSON：{exc}", f"the task mapping is not valid JSON: {exc}"
        ) from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise MappingInvalid(
            "任务对应关系应为 {旧环节编号: 新环节编号}",
            'the task mapping must be a JSON object {"old task id": "new task id"}',
        )
    return mapping


# -- what the new version reads and writes ------------------------------------------------------


def _names(source: str, mode: str) -> tuple[set[str], set[str]]:
    """Variables an expression or script reads before setting them, and those it sets."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set(), set()
    reads, writes = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, ast.Store) else reads).add(node.id)
    return reads - writes - _PROVIDED, writes


def _reads_and_writes(task_spec) -> tuple[set[str], set[str]]:
    reads, writes = set(), set()
    for _what, source, mode in task_spec_expressions(task_spec):
        r, w = _names(source, mode)
        reads |= r
        writes |= w
    properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    for name in EXPRESSION_PROPERTIES:
        if properties.get(name):
            reads |= _names(properties[name], "eval")[0]
    writes |= {f["name"] for f in parse_form(properties.get("form"), task_spec.name)}
    if properties.get("actor_variable"):
        writes.add(properties["actor_variable"])
    if isinstance(task_spec, DispatchedServiceTask) and task_spec.result_variable:
        writes.add(task_spec.result_variable)
    # A caught message's payload, a loop's items and collected outputs are set by the engine.
    for definition in _event_definitions(getattr(task_spec, "event_definition", None)):
        if getattr(definition, "message_var", None):
            writes.add(definition.message_var)
    for attribute in ("input_item", "output_item", "data_output"):
        variable = getattr(task_spec, attribute, None)
        if variable is not None:
            writes.add(variable.bpmn_id)
    return reads, writes


def _event_definitions(definition) -> list:
    if definition is None:
        return []
    return [definition, *getattr(definition, "event_definitions", ())]


def _missing_data(workflow) -> list[str]:
    """Variables the new version reads from the steps under way onwards that neither the case's
    data nor a step on the way sets."""
    missing = set()
    known: dict[int, tuple[set[str], set[str]]] = {}  # per task spec: each is read once
    for task in workflow.get_tasks(state=ACTIVE_STATES):
        reads, writes = set(), set()
        queue, seen = deque([task.task_spec]), set()
        while queue:
            spec = queue.popleft()
            if spec.name in seen:
                continue
            seen.add(spec.name)
            if id(spec) not in known:
                known[id(spec)] = _reads_and_writes(spec)
            r, w = known[id(spec)]
            reads |= r
            writes |= w
            queue.extend(spec.outputs)
        missing |= reads - writes - set(task.data) - set(task.workflow.data)
    return sorted(missing)


# -- the dry run --------------------------------------------------------------------------------


class _DryRunServices:
    """Stands in for the dispatcher while a copy is moved: nothing is called, only noted."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def call_service(self, task, operation: str, params: dict):
        self.operations.append(operation)
        return PENDING


def _deadlines(workflow) -> dict[str, list]:
    found: dict[str, list] = {}
    for task in timer_tasks(workflow):
        found.setdefault(task.task_spec.name, []).append((task.task_spec, timer_deadline(task)))
    return found


def _timer_changes(before, after, mapping) -> list[TimerChange]:
    changes = []
    renamed = {mapping.get(name, name): name for name in before}
    for name in sorted(set(renamed) | set(after)):
        old = before.get(renamed.get(name, name), [])
        new = after.get(name, [])
        for index in range(max(len(old), len(new))):
            spec, was = old[index] if index < len(old) else (None, None)
            new_spec, will = new[index] if index < len(new) else (None, None)
            if was != will:
                shown = new_spec or spec
                changes.append(TimerChange(shown.name, step_label(shown), was, will))
    return changes


def _elsewhere(instance: ProcessInstance, target: ProcessDefinition) -> list[Label]:
    """Why ``target`` is no version to move ``instance`` to at all."""
    source = instance.definition
    if source.process_id != target.process_id:
        return [Label("目标流程与案件所在流程不同", "the target is another process")]
    if source.pk == target.pk:
        return [Label(f"已在第 {target.version} 版", f"already on version {target.version}")]
    return []


def _refusals(instance: ProcessInstance) -> list[Label]:
    if instance.status == ProcessInstance.Status.COMPLETED:
        return [Label("流程已办结", "the process has completed")]
    if instance.status == ProcessInstance.Status.CANCELLED:
        return [Label("流程已取消", "the process was cancelled")]
    if instance.status == ProcessInstance.Status.INCIDENT:
        return [Label("流程有未处理的异常，请先处理", "the process has an open incident")]
    return []


def _plan(instance: ProcessInstance, state: str, target, mapping) -> MigrationPlan:
    """The plan for the instance in ``state`` (its saved one, or the one loaded under lock)."""
    mapping = dict(mapping or {})
    plan = MigrationPlan(instance, instance.definition, target, mapping)
    moved = load_state(state, lambda: load_specs(instance.definition))
    active = [t for t in moved.get_tasks(state=ACTIVE_STATES) if is_step(t)]
    plan.problems = _elsewhere(instance, target)
    if plan.problems:
        plan.steps = [
            StepMove(t.task_spec.name, step_label(t.task_spec), _state(t)) for t in active
        ]
        return plan
    plan.problems = _refusals(instance)
    spec, subprocess_specs = load_specs(target)
    known = set(spec.task_specs).union(*(s.task_specs for s in subprocess_specs.values()))
    for new in sorted(set(mapping.values())):
        if new not in known:
            plan.problems.append(
                Label(
                    "对应关系中写的新环节在新版本中不存在（见技术详情）",
                    f"mapped task {new} is not in the new version",
                )
            )
    # The case as it stands, read before the move changes its tasks' specs in place.
    plan.steps = [_move(task, spec, subprocess_specs, mapping) for task in active]
    passed = {task.task_spec.name: task.task_spec for task in moved.get_tasks()}
    ready = [(t.id, t.task_spec) for t in moved.get_tasks(state=TaskState.READY, manual=True)]
    services = _DryRunServices()
    moved.script_engine = InstanceScriptEngine(dispatcher=services)
    before = _deadlines(moved)
    try:
        unaligned = migrate_to_spec(moved, spec, subprocess_specs, mapping)
        if not unaligned:
            moved.do_engine_steps()
    except Exception as exc:  # an expression of the new version failing on this case's data
        cause = getattr(exc, "exception", None) or exc.__context__ or exc
        if isinstance(cause, NameError) and cause.name:
            plan.missing_data.append(cause.name)
        plan.problems.append(
            Label(
                "新版本的表达式无法在本案件的数据上运行（见技术详情）",
                f"the new version fails on this case: {type(cause).__name__}: {cause}",
            )
        )
        unaligned, moved = [], None
    plan.services = services.operations
    for name in unaligned:
        shown = step_label(passed[name]).zh if name in passed else name
        plan.problems.append(
            Label(
                f"环节「{shown}」在新版本中没有对应环节",
                f"step {name} has no counterpart in the new version",
            )
            if any(step.name == name for step in plan.steps)
            else Label(
                f"已办环节「{shown}」在新版本中不存在，历史无法保留",
                f"passed step {name} is gone from the new version",
            )
        )
    if unaligned or moved is None:
        return plan
    plan.problems += _kind_changes(ready, moved, instance)
    plan.missing_data = sorted(set(plan.missing_data) | set(_missing_data(moved)))
    if plan.missing_data:
        # People read the data's registered names; the variable names are for the details.
        named = [label("variable", n).zh for n in plan.missing_data if is_labelled("variable", n)]
        unnamed = len(plan.missing_data) - len(named)
        words = "、".join(named + ([f"{unnamed} 项未登记名称的数据"] if unnamed else []))
        plan.problems.append(
            Label(
                f"新版本需要案件中没有的数据：{words}",
                f"the new version needs data the case lacks: {', '.join(plan.missing_data)}",
            )
        )
    plan.timers = _timer_changes(before, _deadlines(moved), mapping)
    return plan


def _state(task) -> str:
    return TaskState.get_name(task.state)


def _move(task, spec, subprocess_specs, mapping) -> StepMove:
    name = task.task_spec.name
    target_name = mapping.get(name, name)
    for process_spec in (spec, *subprocess_specs.values()):
        target = process_spec.task_specs.get(target_name)
        if target is not None:
            how = "mapping" if name in mapping else "id"
            return StepMove(
                name, step_label(task.task_spec), _state(task), target.name, step_label(target), how
            )
    return StepMove(name, step_label(task.task_spec), _state(task))


def _kind_changes(ready: list, moved, instance) -> list[Label]:
    """A person's task must stay a person's task, and a job under way must keep its task.
    ``ready``: the (id, spec) of the READY user tasks before the move."""
    problems = []
    tasks = {task.id: task for task in moved.get_tasks()}
    for task_id, spec in ready:
        new = tasks.get(task_id)
        if new is not None and not new.task_spec.manual:
            problems.append(
                Label(
                    f"待办环节「{step_label(spec).zh}」在新版本中不再是人工环节",
                    f"user task {spec.name} is no longer a user task",
                )
            )
    for job in ServiceJob.objects.filter(instance=instance, status=ServiceJob.Status.QUEUED):
        new = tasks.get(job.task_id)
        if new is None or getattr(new.task_spec, "operation_name", None) != job.operation:
            problems.append(
                Label(
                    "一项后台处理仍在进行，新版本中没有接收其结果的环节",
                    f"background job at {job.task_name} would lose its task",
                )
            )
    return problems


def migration_plan(instance: ProcessInstance, target_definition, mapping=None) -> MigrationPlan:
    """The dry run: what moving ``instance`` onto ``target_definition`` would do. Writes nothing."""
    return _plan(instance, dump_state(instance_workflow(instance)), target_definition, mapping)


# -- apply and revert -----------------------------------------------------------------------------


def _checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise MigrationRefused(
            f"请填写迁移理由（不超过 {MAX_REASON_LENGTH} 字）",
            f"give a reason for the migration (at most {MAX_REASON_LENGTH} characters)",
        )
    return reason


def _hashes(definition: ProcessDefinition) -> dict:
    return {"version": definition.version, "definition_sha256": definition.content_sha256}


def migration_apply(
    *, instance_id: int, target_definition, mapping=None, actor=None, reason: str
) -> InstanceMigration:
    """Move one instance under its row lock; refused (nothing written) when the plan flags it."""
    reason = _checked_reason(reason)
    mapping = dict(mapping or {})
    with locked_run(instance_id) as run:
        instance = run.instance
        state_before = SERIALIZER.serialize_json(run.workflow)
        plan = _plan(instance, state_before, target_definition, mapping)
        if not plan.ok:
            raise MigrationRefused(
                f"{instance.business_key} 不可迁移：" + "；".join(p.zh for p in plan.problems),
                f"{instance.business_key} cannot move: " + "; ".join(p.en for p in plan.problems),
                instance=instance.pk,
            )
        source = instance.definition
        spec, subprocess_specs = load_specs(target_definition)
        left_behind = migrate_to_spec(run.workflow, spec, subprocess_specs, mapping)
        if left_behind:  # the plan said it would move: the state changed under us
            raise MigrationRefused(
                "案件状态已变化，请重新预检", "the case changed since the dry run; run it again"
            )
        instance.definition = target_definition
        retarget_open_tasks(instance, run.workflow, mapping)
        entry = run.apply_input(
            "instance.migrated",
            actor=actor,
            payload={
                "from": _hashes(source),
                "to": _hashes(target_definition),
                "mapping": mapping,
                "reason": reason,
            },
        )
        return InstanceMigration.objects.create(
            instance=instance,
            source=source,
            target=target_definition,
            mapping=mapping,
            reason=reason,
            actor=actor_label(actor),
            state_before=state_before,
            journal_sequence=entry.sequence,
        )


@dataclass(frozen=True)
class BulkOutcome:
    instance: ProcessInstance
    migration: InstanceMigration | None = None
    refusal: WorkflowError | None = None


def migrations_apply(
    instances, *, target_definition, mapping=None, actor=None, reason: str
) -> list[BulkOutcome]:
    """Move each instance in its own transaction: a refused one leaves the others moving."""
    _checked_reason(reason)
    outcomes = []
    for instance in instances:
        try:
            migration = migration_apply(
                instance_id=instance.pk,
                target_definition=target_definition,
                mapping=mapping,
                actor=actor,
                reason=reason,
            )
        except WorkflowError as exc:
            outcomes.append(BulkOutcome(instance, refusal=exc))
        else:
            outcomes.append(BulkOutcome(instance, migration=migration))
    return outcomes


def can_revert(migration: InstanceMigration) -> bool:
    """Revertible until the instance takes any input after the migration."""
    if migration.reverted_at is not None:
        return False
    return not JournalEntry.objects.filter(
        chain=migration.instance.business_key,
        instance_id=migration.instance_id,
        sequence__gt=migration.journal_sequence,
        kind__in=INPUT_KINDS,
    ).exists()


def migration_revert(*, migration_id: int, actor=None, reason: str) -> InstanceMigration:
    """Put the instance back exactly as it was before ``migration``."""
    reason = _checked_reason(reason)
    instance_id = InstanceMigration.objects.values_list("instance_id", flat=True).get(
        pk=migration_id
    )
    with locked_run(instance_id) as run:
        migration = InstanceMigration.objects.select_for_update().get(pk=migration_id)
        if not can_revert(migration):
            raise MigrationRefused(
                "迁移后案件已有新的办理或已撤销，无法撤销迁移",
                "the case has moved on since the migration (or it was reverted already)",
                migration=migration.pk,
            )
        current = run.instance.definition
        renamed = {new: old for old, new in migration.mapping.items()}
        run.workflow = SERIALIZER.deserialize_json(migration.state_before)
        run.workflow.script_engine = InstanceScriptEngine(dispatcher=run)
        run.instance.definition = migration.source
        retarget_open_tasks(run.instance, run.workflow, renamed)
        run.journal(
            "instance.migration_reverted",
            actor=actor,
            payload={
                "migration": migration.journal_sequence,
                "from": _hashes(current),
                "to": _hashes(migration.source),
                "reason": reason,
            },
        )
        migration.reverted_at = timezone.now()
        migration.reverted_by = actor_label(actor)
        migration.save(update_fields=("reverted_at", "reverted_by"))
    return migration


def running_instances(process_id: str, target: ProcessDefinition | None = None):
    """Instances of ``process_id`` still under way and not on ``target``, oldest version first."""
    instances = ProcessInstance.objects.filter(definition__process_id=process_id).exclude(
        status__in=(ProcessInstance.Status.COMPLETED, ProcessInstance.Status.CANCELLED)
    )
    if target is not None:
        instances = instances.exclude(definition=target)
    return instances.select_related("definition").order_by("definition__version", "pk")


def definition_version(process_id: str, version: int) -> ProcessDefinition:
    definition = ProcessDefinition.objects.filter(process_id=process_id, version=version).first()
    if definition is None:
        raise MigrationRefused(
            f"流程 {process_id} 没有第 {version} 版",
            f"process {process_id} has no version {version}",
        )
    return definition


def definitions_run(instance: ProcessInstance) -> list[ProcessDefinition]:
    """Every version ``instance`` ran on, the one it started on first: what a replay of its
    journal needs (an archival bundle carries them all)."""
    found = []
    for migration in instance.migrations.select_related("source", "target").order_by("pk"):
        found += [migration.source, migration.target]
    return list(dict.fromkeys([*found, instance.definition]))
