"""The binding to SpiffWorkflow: parser, service-task spec, serializer and state digest.

Everything version-specific about SpiffWorkflow 3.2 lives here, so an upgrade touches one file.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Protocol
from uuid import UUID, uuid5

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeElementTree
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser, SpiffProcessParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.version import __version__ as SPIFF_VERSION

from .canonical import canonical_json
from .exceptions import DefinitionRejected
from .sandbox import SandboxedScriptEngine, ScriptMemo

MAX_BPMN_BYTES = 5 * 1024 * 1024
ACTIVE_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR

__all__ = [
    "ACTIVE_STATES",
    "SERIALIZER",
    "SERIALIZER_VERSION",
    "SPIFF_VERSION",
    "BpmnWorkflow",
    "DispatchedServiceTask",
    "InstanceScriptEngine",
    "TaskState",
]


class PendingResult:
    """Returned by a dispatcher when the service runs elsewhere; the task waits in STARTED."""


PENDING = PendingResult()


class ServiceDispatcher(Protocol):
    def call_service(self, task, operation: str, params: dict) -> dict | PendingResult: ...


class InstanceScriptEngine(SandboxedScriptEngine):
    """The sandboxed script engine of one loaded instance, carrying its service dispatcher."""

    def __init__(self, dispatcher: ServiceDispatcher, memo: ScriptMemo | None = None) -> None:
        super().__init__(memo=memo)
        self.dispatcher = dispatcher


class DispatchedServiceTask(ServiceTask):
    """A service task that hands its operation to the engine's dispatcher.

    It bypasses ``PythonScriptEngine.call_service``, whose error handling replaces the handler's
    exception with ``NameError: name 'script' is not defined``; here the real exception reaches
    the incident. Returning None leaves the task STARTED until an asynchronous result arrives.
    """

    def _run_hook(self, task):
        params = {name: spec["value"] for name, spec in self.evaluate_params(task).items()}
        outcome = task.workflow.script_engine.dispatcher.call_service(
            task, self.operation_name, params
        )
        if outcome is PENDING:
            return None
        task.data[self.result_variable] = outcome
        return True


class LaneAwareProcessParser(SpiffProcessParser):
    """Nodes inside a subprocess keep the lane its own laneSet gives them.

    SpiffWorkflow 3.2 hands every node of a subprocess the lane of the subprocess itself, so a
    reviewer's task inside an owner-lane subprocess would land in the owners' inbox.
    """

    def parse_node(self, node):
        own_lane = self.get_lane_name(node.get("id"))
        if own_lane is None or own_lane == self.lane:
            return super().parse_node(node)
        subprocess_lane, self.lane = self.lane, own_lane
        try:
            return super().parse_node(node)
        finally:
            self.lane = subprocess_lane


class WorkflowParser(SpiffBpmnParser):
    PROCESS_PARSER_CLASS = LaneAwareProcessParser
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, DispatchedServiceTask),
    }


def _derived_task_id(workflow, task_spec, parent) -> UUID | None:
    """The id of a new task, derived from where it sits in the tree; None for a new workflow's
    root (a random id, which the saved state keeps).

    A workflow rebuilt from a saved state and the inputs journaled after it (``replay``) must
    give every task the id the original run gave it: the inbox rows, service jobs and journal
    entries name tasks by id, and SpiffWorkflow would draw random ones. A child's id comes from
    its parent's id and its spec's name (a subprocess's root from its parent task's); a name
    taken already by a live sibling, as the instances of a multi-instance task would, takes the
    next free number.
    """
    if parent is not None:
        base, name = parent.id, task_spec.name
    elif (parent_task_id := getattr(workflow, "parent_task_id", None)) is not None:
        base, name = parent_task_id, "subprocess root"
    else:
        return None
    known = workflow.tasks
    number = 0
    while (task_id := uuid5(base, f"{name}#{number}")) in known:
        number += 1
    return task_id


# SpiffWorkflow's own constructor, drawing random ids (``bench/`` times the library as shipped).
SPIFF_TASK_INIT = Task.__init__


def _task_init(self, workflow, task_spec, parent=None, state=TaskState.MAYBE, id=None):
    if id is None:
        id = _derived_task_id(workflow, task_spec, parent)
    SPIFF_TASK_INIT(self, workflow, task_spec, parent, state, id)


Task.__init__ = _task_init


_SERIALIZER_CONFIG = dict(SPIFF_CONFIG)
_SERIALIZER_CONFIG[DispatchedServiceTask] = ServiceTaskConverter
# A workflow with its process specs in it: self-contained (migration snapshots, replay reverts).
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_SERIALIZER_CONFIG))

# Marks a saved state whose process specs are those of the instance's deployed definition.
SPECS_FROM_DEFINITION = "specs_from_definition"


class DefinitionSpecsWorkflowConverter(BpmnWorkflowConverter):
    """Saves a workflow without its process specs, and restores it onto the parsed specs given.

    The specs are most of the bytes of a saved state and most of the time of loading one (they
    are rebuilt object by object), while the definition the instance runs on has them parsed
    already. A loaded workflow then shares those spec objects, as a newly started one does.
    """

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct[SPECS_FROM_DEFINITION] = True
        return dct

    def from_dict(self, dct, specs):
        del dct[SPECS_FROM_DEFINITION]
        # Objects pass through the registry's restore unchanged, so the parsed specs go in as is.
        dct["spec"], dct["subprocess_specs"] = specs
        return super().from_dict(dct)


STATE_SERIALIZER = BpmnWorkflowSerializer(
    BpmnWorkflowSerializer.configure(
        {**_SERIALIZER_CONFIG, BpmnWorkflow: DefinitionSpecsWorkflowConverter}
    )
)


def dump_state(workflow: BpmnWorkflow) -> str:
    """An instance's saved state: the workflow without its specs (the definition has them)."""
    return STATE_SERIALIZER.serialize_json(workflow)


def load_state(state: str, specs: Callable[[], tuple]) -> BpmnWorkflow:
    """A saved state, whichever way it was saved; ``specs()`` gives the definition's parsed
    ``(spec, subprocess_specs)``. States saved before carry their own specs and load as they
    did (their next save leaves them out)."""
    dct = json.loads(state)
    if SPECS_FROM_DEFINITION not in dct:
        SERIALIZER.migrate(dct)
        return SERIALIZER.from_dict(dct)
    STATE_SERIALIZER.migrate(dct)
    return STATE_SERIALIZER.registry.restore(dct, specs=specs())


def parse_bpmn(data: bytes, source_name: str) -> WorkflowParser:
    """Parse and validate one BPMN file, refusing DTDs, entities and oversize input."""
    if len(data) > MAX_BPMN_BYTES:
        raise DefinitionRejected(
            f"BPMN 文件 {source_name} 超过 {MAX_BPMN_BYTES // 1024 // 1024} MB 上限",
            f"BPMN file {source_name} is larger than the {MAX_BPMN_BYTES // 1024 // 1024} MB limit",
            source=source_name,
        )
    try:
        SafeElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise DefinitionRejected(
            f"BPMN 文件 {source_name} 含有 DTD 或实体声明，出于安全原因拒绝部署；请从建模工具重新导出",
            f"BPMN file {source_name} contains a DTD or entity declaration and is refused for "
            f"safety (XML entity attacks); export it again from the modelling tool ({exc})",
            source=source_name,
        ) from exc
    except SafeElementTree.ParseError as exc:
        raise DefinitionRejected(
            f"BPMN 文件 {source_name} 不是格式正确的 XML：{exc}",
            f"BPMN file {source_name} is not well-formed XML: {exc}",
            source=source_name,
        ) from exc
    try:
        data.decode("utf-8")  # definitions are stored, and parsed again, as UTF-8 text
    except UnicodeDecodeError as exc:
        raise DefinitionRejected(
            f"BPMN 文件 {source_name} 不是 UTF-8 编码；请以 UTF-8 重新导出",
            f"BPMN file {source_name} is not encoded in UTF-8; export it again as UTF-8",
            source=source_name,
        ) from exc
    xml_parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.fromstring(data, xml_parser).getroottree()
    except etree.XMLSyntaxError as exc:  # nesting deeper than libxml2 allows without huge_tree
        raise DefinitionRejected(
            f"BPMN 文件 {source_name} 无法读取（嵌套过深或结构异常）：{exc}",
            f"BPMN file {source_name} cannot be read (nested too deeply or malformed): {exc}",
            source=source_name,
        ) from exc
    parser = WorkflowParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, source_name)
    except ValidationException as exc:
        raise DefinitionRejected(
            f"BPMN 文件 {source_name} 未通过校验：{exc}",
            f"BPMN file {source_name} failed validation: {exc}",
            source=source_name,
        ) from exc
    except Exception as exc:  # the parser's own failures (RecursionError on long chains, ...)
        raise _unreadable(source_name, exc) from exc
    return parser


def _caused_by_recursion(exc: BaseException) -> bool:
    seen = exc
    while seen is not None:
        if isinstance(seen, RecursionError) or "RecursionError" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _unreadable(what: str, exc: Exception) -> DefinitionRejected:
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RecursionError):
        reason = "the process is too long or too deeply nested for the BPMN parser (RecursionError)"
    return DefinitionRejected(
        f"{what} 无法解析为可执行的流程：{reason}",
        f"{what} cannot be parsed into an executable process: {reason}",
        source=what,
    )


def executable_process_ids(parser: WorkflowParser) -> list[str]:
    flagged = [
        process_id
        for process_id, process_parser in parser.process_parsers.items()
        if process_parser.node.get("isExecutable", "false").lower() == "true"
    ]
    return sorted(flagged or parser.process_parsers)


def build_specs(parser: WorkflowParser, process_id: str):
    try:
        specs = parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        if _caused_by_recursion(exc):  # SpiffWorkflow wraps the parser's RecursionError
            raise _unreadable(f"process {process_id}", RecursionError()) from exc
        raise DefinitionRejected(
            f"流程 {process_id} 无法构建：{exc}",
            f"process {process_id} cannot be built: {exc}",
            process_id=process_id,
        ) from exc
    except Exception as exc:
        raise _unreadable(f"process {process_id}", exc) from exc
    _connect_loop_children(specs)
    return specs


def _connect_loop_children(specs) -> None:
    """A loop task learns that an instance of its body finished through the body spec's
    completed event. SpiffWorkflow connects it when it creates an instance, and when it loads
    specs from a saved state; a workflow loaded onto newly parsed specs while instances run
    (another process, a restart) would otherwise never see them finish."""
    spec, subprocess_specs = specs
    for process_spec in (spec, *subprocess_specs.values()):
        for task_spec in list(process_spec.task_specs.values()):
            if isinstance(task_spec, LoopTask):
                body = process_spec.task_specs[task_spec.task_spec]
                if not body.completed_event.is_connected(task_spec.merge_child):
                    body.completed_event.connect(task_spec.merge_child)


def service_operations(spec, subprocess_specs) -> set[str]:
    specs = [spec, *subprocess_specs.values()]
    return {
        task_spec.operation_name
        for process_spec in specs
        for task_spec in process_spec.task_specs.values()
        if isinstance(task_spec, DispatchedServiceTask)
    }


def _event_expressions(event_definition) -> Iterator[tuple[str, str]]:
    if isinstance(event_definition, MultipleEventDefinition):
        for inner in event_definition.event_definitions:
            yield from _event_expressions(inner)
        return
    expression = getattr(event_definition, "expression", None)
    if isinstance(expression, str) and expression.strip():
        yield "event expression", expression
    if isinstance(event_definition, MessageEventDefinition):
        for prop in event_definition.correlation_properties:
            yield f"correlation {prop.name}", prop.retrieval_expression


def task_spec_expressions(task_spec) -> Iterator[tuple[str, str, str]]:
    """``(what, source, mode)`` of every expression (mode ``eval``) and script (``exec``) the
    engine would run for ``task_spec``: scripts, pre- and post-scripts, flow conditions, service
    parameters, timer, message and conditional event expressions, loop expressions."""
    if isinstance(task_spec, ScriptTask) and task_spec.script:
        yield "script", task_spec.script, "exec"
    for attribute in ("prescript", "postscript"):
        script = getattr(task_spec, attribute, None)
        if script:
            yield attribute, script, "exec"
    for condition, target in getattr(task_spec, "cond_task_specs", ()):
        if condition is not None:
            yield f"condition of the flow to {target}", condition.args[0], "eval"
    for name, param in (getattr(task_spec, "operation_params", None) or {}).items():
        yield f"service parameter {name}", param["value"], "eval"
    for what, expression in _event_expressions(getattr(task_spec, "event_definition", None)):
        yield what, expression, "eval"
    if isinstance(task_spec, LoopTask):
        for attribute in ("cardinality", "condition"):
            expression = getattr(task_spec, attribute, None)
            if isinstance(expression, str) and expression.strip():
                yield f"loop {attribute}", expression, "eval"


def waits_outside_the_engine(task_spec) -> bool:
    """Whether the engine stops at ``task_spec`` until a person, a timer or a message acts:
    a user or manual task, or a catching event (boundary, intermediate, receive, event-based
    gateway) that is not a plain start or a none event."""
    if task_spec.manual:
        return True
    return (
        isinstance(task_spec, CatchingEvent)
        and not isinstance(task_spec, StartEvent)
        and not isinstance(task_spec.event_definition, NoneEventDefinition)
    )


def loop_body(task_spec) -> str | None:
    """The name of the task a multi-instance or standard loop repeats."""
    return task_spec.task_spec if isinstance(task_spec, LoopTask) else None


def called_process(task_spec) -> str | None:
    """The process a call activity or embedded subprocess runs."""
    return task_spec.spec if isinstance(task_spec, SubWorkflowTask) else None


def _waits_for_a_timer(event_definition) -> bool:
    # An event-based gateway waits as one task whose multiple event holds its timers.
    if isinstance(event_definition, MultipleEventDefinition):
        return any(isinstance(d, TimerEventDefinition) for d in event_definition.event_definitions)
    return isinstance(event_definition, TimerEventDefinition)


def timer_tasks(workflow: BpmnWorkflow, state: TaskState = TaskState.WAITING) -> list:
    return [
        task
        for task in workflow.event_manager.tasks.values()
        if _waits_for_a_timer(task.task_spec.event_definition) and task.has_state(state)
    ]


def timer_deadline(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):  # a cycle timer keeps its next firing in a dict
        value = value.get("next")
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and not value.upper().startswith(("P", "R")):
        return TimerEventDefinition.get_datetime(value)
    return None


def timer_move(task, due: datetime, data: dict) -> None:
    """Make the timer ``task`` waits on fall due at ``due``; ``data`` updates the task's data
    (the variable the timer's expression read, so the process agrees with its timer)."""
    task._set_internal_data(event_value=due.astimezone(UTC).isoformat())
    task.data.update(data)


def earliest_timer(workflow: BpmnWorkflow) -> datetime | None:
    deadlines = [d for d in map(timer_deadline, timer_tasks(workflow)) if d is not None]
    return min(deadlines, default=None)


def is_step(task) -> bool:
    """Whether ``task`` is a step a person would name: not a loop or subprocess that only holds
    the steps running inside it, nor an engine-internal task without a BPMN id."""
    spec = task.task_spec
    if getattr(spec, "bpmn_id", None) is None:
        return False
    return not isinstance(spec, LoopTask | SubWorkflowTask)


# Below this depth a walk of our own visits exactly the tasks SpiffWorkflow's iterator visits; the
# iterator stops at depth 1000 and miscounts its depth after a subprocess, so deeper trees are
# left to it (the engine raises an incident at depth 800 anyway).
OWN_WALK_MAX_DEPTH = 500


def walk_tasks(workflow: BpmnWorkflow) -> list | None:
    """Every task of ``workflow`` and its subprocesses, in SpiffWorkflow's depth-first order.

    About four times cheaper than ``workflow.get_tasks()``, whose iterator pays per node for
    its filter and depth bookkeeping. None when the tree is too deep to promise the same tasks.
    """
    subprocesses = workflow.subprocesses
    tasks = []
    stack = [(workflow.task_tree, 0)]
    push, pop = stack.append, stack.pop
    while stack:
        task, depth = pop()
        if depth >= OWN_WALK_MAX_DEPTH:
            return None
        tasks.append(task)
        depth += 1
        if task._children:
            known = task.workflow.tasks
            for child in reversed(task._children):
                push((known[child], depth))
        # SpiffWorkflow visits a subprocess before the children (looked up only when there are
        # subprocesses: hashing a UUID is a Python call).
        subprocess = subprocesses.get(task.id) if subprocesses else None
        if subprocess is not None:
            push((subprocess.task_tree, depth))
    return tasks


@cache
def _state_name(state: int) -> str:
    return TaskState.get_name(state)


def state_digest(workflow: BpmnWorkflow, tasks: list | None = None) -> str:
    """A digest of what a replay must reproduce: task states, active task data, process data.

    Task ids and timestamps are left out: a faithful replay creates new ones. Tasks are counted
    per (task, state) pair, so the cost stays linear in the size of the task tree. ``tasks`` is
    the workflow's ``walk_tasks`` when the caller has it already.
    """
    if tasks is None:
        tasks = walk_tasks(workflow)
    if tasks is None:
        tasks = workflow.get_tasks()
    counts = Counter((task.task_spec.name, task.state) for task in tasks)
    content = {
        "completed": workflow.is_completed(),
        "tasks": sorted(
            f"{name}:{_state_name(state)}:{count}" for (name, state), count in counts.items()
        ),
        "active": sorted(
            f"{task.task_spec.name}:{canonical_json(task.data)}"
            for task in tasks
            if task.state & ACTIVE_STATES
        ),
        "data": workflow.data,
    }
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


# -- moving a running workflow onto another version of its process -------------------------------


def _timer_expression(task_spec) -> str | None:
    definition = getattr(task_spec, "event_definition", None)
    if definition is None or not _waits_for_a_timer(definition):
        return None
    if isinstance(definition, MultipleEventDefinition):
        return repr(sorted(getattr(d, "expression", "") for d in definition.event_definitions))
    return definition.expression


def _realign(workflow, diff, new_spec, mapping: dict[str, str]) -> None:
    """Each task goes to the spec ``mapping`` (old task spec name -> new) names, else to the spec
    of its own name. SpiffWorkflow also guesses counterparts from the shape of the flow; a guess
    is not a decision, so a step whose id changed moves only when the mapping says where."""
    for task, target in list(diff.alignment.items()):
        name = mapping.get(task.task_spec.name)
        if name is not None:
            diff.alignment[task] = new_spec.task_specs.get(name)
        elif target is not None and target.name != task.task_spec.name:
            diff.alignment[task] = None
    for task in workflow.get_tasks(skip_subprocesses=True):
        if task not in diff.alignment and task.task_spec.name in mapping:
            diff.alignment[task] = new_spec.task_specs.get(mapping[task.task_spec.name])


def migrate_to_spec(workflow: BpmnWorkflow, spec, subprocess_specs, mapping: dict[str, str]):
    """Move ``workflow`` onto ``spec`` in place with SpiffWorkflow's diff utilities.

    Each task takes the task spec ``mapping`` names, else the one of the same name in the new
    version; READY and WAITING tasks are reset onto their new spec and predicted again. A waiting
    timer whose expression did not change keeps the deadline it had: without that, every timer
    would start counting again from the migration. Returns the names of the tasks whose spec has
    no counterpart (the caller refuses such a move before it happens).
    """
    kept: dict[str, list] = {}
    for task in timer_tasks(workflow):
        target = spec.task_specs.get(mapping.get(task.task_spec.name, task.task_spec.name))
        for process_spec in subprocess_specs.values():
            target = target or process_spec.task_specs.get(task.task_spec.name)
        if target is not None and _timer_expression(target) == _timer_expression(task.task_spec):
            kept.setdefault(target.name, []).append(task._get_internal_data("event_value"))
    top, subprocess_diffs = diff_workflow(SERIALIZER.registry, workflow, spec, subprocess_specs)
    _realign(workflow, top, spec, mapping)
    unaligned = _unaligned(workflow, top)
    for sub_id, diff in subprocess_diffs.items():
        subprocess = workflow.subprocesses[sub_id]
        if diff is None:
            unaligned.append(subprocess.spec.name)
            continue
        _realign(subprocess, diff, subprocess_specs[subprocess.spec.name], mapping)
        unaligned += _unaligned(subprocess, diff)
    if unaligned:
        return sorted(set(unaligned))
    migrate_workflow(top, workflow, spec)
    workflow.subprocess_specs = subprocess_specs
    for sub_id, diff in subprocess_diffs.items():
        subprocess = workflow.subprocesses.get(sub_id)
        if subprocess is not None:
            migrate_workflow(diff, subprocess, subprocess_specs[subprocess.spec.name])
    for task in timer_tasks(workflow):
        deadlines = kept.get(task.task_spec.name)
        if deadlines:
            task._set_internal_data(event_value=deadlines.pop(0))
    # A predicted task outside every reset branch keeps its old spec: the state would not load.
    return sorted(
        {
            task.task_spec.name
            for task in workflow.get_tasks()
            if task.workflow.spec.task_specs.get(task.task_spec.name) is not task.task_spec
        }
    )


def _unaligned(workflow, diff) -> list[str]:
    """Tasks that happened or are under way and have no counterpart in the new version; the
    predicted ones are dropped and predicted again from the new version."""
    return [
        task.task_spec.name
        for task in workflow.get_tasks(skip_subprocesses=True)
        if diff.alignment.get(task) is None
        and not task.has_state(TaskState.FUTURE | TaskState.PREDICTED_MASK)
    ]
