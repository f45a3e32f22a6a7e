"""Deploying BPMN files as versioned process definitions, and loading their specs.

Deploying is idempotent: a file whose content is unchanged deploys nothing; a changed file becomes
a new version. Running instances keep the version they started with (their serialized state
carries its own copy of the spec).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .exceptions import DefinitionNotFound, DefinitionRejected
from .forms import parse_form
from .inbox import EXPRESSION_PROPERTIES
from .models import ProcessDefinition
from .sandbox import compile_expression, compile_script
from .services import registry
from .spiff import (
    DispatchedServiceTask,
    build_specs,
    called_process,
    executable_process_ids,
    loop_body,
    parse_bpmn,
    service_operations,
    task_spec_expressions,
    waits_outside_the_engine,
)


@dataclass(frozen=True)
class DeployResult:
    definition: ProcessDefinition
    created: bool

    def describe(self) -> str:
        verdict = "deployed 已部署" if self.created else "unchanged 未变化"
        return f"{self.definition.process_id} v{self.definition.version}: {verdict}"


def _check_handlers(process_id: str, operations: set[str], source_name: str) -> None:
    missing = sorted(op for op in operations if op not in registry)
    if missing:
        raise DefinitionRejected(
            f"流程 {process_id}（{source_name}）调用了未注册的服务任务：{', '.join(missing)}",
            f"process {process_id} ({source_name}) calls service operations that have no "
            f"registered handler: {', '.join(missing)}",
            missing=missing,
        )


def _check_forms(spec, subprocess_specs) -> None:
    """A user task's form is read when the task opens: refuse a broken one now, not then."""
    for process_spec in (spec, *subprocess_specs.values()):
        for task_spec in process_spec.task_specs.values():
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            parse_form(properties.get("form"), task_spec.name)


def _element(task_spec) -> str:
    """How a refusal names a BPMN element: its name and id, as the modeller sees them."""
    bpmn_id = task_spec.bpmn_id or task_spec.name
    return f"{task_spec.bpmn_name} ({bpmn_id})" if task_spec.bpmn_name else str(bpmn_id)


def _task_specs(spec, subprocess_specs):
    for process_spec in (spec, *subprocess_specs.values()):
        yield from process_spec.task_specs.values()


def _check_expressions(process_id: str, spec, subprocess_specs) -> None:
    """Compile every script and expression through the sandbox now, so a refused construct is
    a deploy refusal naming its element rather than an incident in production."""
    for task_spec in _task_specs(spec, subprocess_specs):
        found = list(task_spec_expressions(task_spec))
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        found += [
            (f"property {name}", properties[name], "eval")
            for name in EXPRESSION_PROPERTIES
            if properties.get(name)
        ]
        for what, source, mode in found:
            try:
                (compile_script if mode == "exec" else compile_expression)(source)
            except Exception as exc:
                reason = getattr(exc, "message_en", None) or f"{type(exc).__name__}: {exc}"
                raise DefinitionRejected(
                    f"流程 {process_id} 的环节 {_element(task_spec)} 的 {what} 未通过脚本沙箱："
                    f"{getattr(exc, 'message_zh', reason)}",
                    f"process {process_id}: the {what} of {_element(task_spec)} is refused by "
                    f"the script sandbox: {reason}",
                    element=task_spec.bpmn_id,
                    source=source,
                ) from exc


def _check_call_cycles(process_id: str, spec, subprocess_specs) -> None:
    """A call activity must not reach its own process again, directly or through others:
    starting such a process would never return."""
    specs = {spec.name: spec, **subprocess_specs}
    calls = {
        name: [called_process(t) for t in s.task_specs.values() if called_process(t)]
        for name, s in specs.items()
    }
    finished: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> None:
        if name in path:
            chain = " → ".join([*path[path.index(name) :], name])
            raise DefinitionRejected(
                f"流程 {process_id} 的调用活动形成递归：{chain}；启动后将永不返回",
                f"process {process_id} calls itself through call activities: {chain}; "
                "starting it would never return",
                calls=chain,
            )
        if name in finished:
            return
        path.append(name)
        for called in calls.get(name, ()):
            visit(called)
        path.pop()
        finished.add(name)

    visit(spec.name)


def _waiting_specs(spec, subprocess_specs) -> set[str]:
    """Names of the task specs at which the engine stops for a person, a timer, a message or a
    background job, including loops and subprocesses that contain one (call cycles are refused
    before this runs)."""
    specs = {spec.name: spec, **subprocess_specs}
    memo: dict[str, bool] = {}

    def process_waits(name: str) -> bool:
        if name not in memo:
            process_spec = specs.get(name)
            memo[name] = process_spec is not None and any(
                waits(process_spec, t) for t in process_spec.task_specs.values()
            )
        return memo[name]

    def waits(process_spec, task_spec) -> bool:
        if waits_outside_the_engine(task_spec):
            return True
        if isinstance(task_spec, DispatchedServiceTask):
            operation = task_spec.operation_name
            return operation in registry and registry.get(operation).asynchronous
        body = loop_body(task_spec)
        if body is not None and body in process_spec.task_specs:
            return waits(process_spec, process_spec.task_specs[body])
        called = called_process(task_spec)
        return called is not None and process_waits(called)

    return {
        f"{process_spec.name}/{t.name}"
        for process_spec in specs.values()
        for t in process_spec.task_specs.values()
        if waits(process_spec, t)
    }


def _check_automatic_loops(process_id: str, spec, subprocess_specs) -> None:
    """Refuse a cycle of sequence flows with no task that waits on it: the engine would run it
    without end in one step (a flow back to its own task, scripts and gateways in a ring)."""
    waiting = _waiting_specs(spec, subprocess_specs)
    for process_spec in (spec, *subprocess_specs.values()):
        automatic = {
            name: task_spec
            for name, task_spec in process_spec.task_specs.items()
            if f"{process_spec.name}/{name}" not in waiting
        }
        cycle = _find_cycle(automatic)
        if cycle:
            named = [_element(t) for t in cycle if t.bpmn_id] or [t.name for t in cycle]
            chain = " → ".join([*named, named[0]])
            raise DefinitionRejected(
                f"流程 {process_id} 含有没有等待环节的循环：{chain}；"
                "引擎会在一步内无休止地运行它。请在循环中加入用户任务、定时或消息事件，"
                "或改用多实例任务",
                f"process {process_id} has a loop with no waiting task: {chain}; the engine "
                "would run it without end in one step. Put a user task, a timer or a message "
                "event on the loop, or use a multi-instance task",
                loop=[t.bpmn_id for t in cycle if t.bpmn_id],
            )


def _find_cycle(nodes: dict) -> list:
    """One cycle among ``nodes`` (task specs by name) following their outputs, or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(nodes[root].outputs))]
        path = [root]
        state[root] = 1
        while stack:
            name, children = stack[-1]
            child = next((c for c in children if c.name in nodes and state.get(c.name) != 2), None)
            if child is None:
                stack.pop()
                path.pop()
                state[name] = 2
            elif state.get(child.name) == 1:
                return [nodes[n] for n in path[path.index(child.name) :]]
            else:
                state[child.name] = 1
                path.append(child.name)
                stack.append((child.name, iter(child.outputs)))
    return []


def _check_task_owners(process_id: str, spec, subprocess_specs) -> None:
    """A user task needs someone who may complete it: a lane (a role) or an assignee, unless
    ``WORKFLOWS_DEFAULT_TASK_ROLE`` names the role lane-less tasks go to."""
    if getattr(settings, "WORKFLOWS_DEFAULT_TASK_ROLE", ""):
        return
    orphans = [
        _element(t)
        for t in _task_specs(spec, subprocess_specs)
        if t.manual
        and not t.lane
        and not (getattr(t, "extensions", None) or {}).get("properties", {}).get("assignee")
    ]
    if orphans:
        raise DefinitionRejected(
            f"流程 {process_id} 的用户任务 {', '.join(orphans)} 既不在泳道中也没有办理人，"
            "没有人能领取或办理；请把它放进泳道（角色）或设置 assignee 属性",
            f"process {process_id} has user tasks nobody could complete (no lane, no "
            f"assignee): {', '.join(orphans)}; put each in a lane (a role) or give it an "
            "assignee property, or name a default role in WORKFLOWS_DEFAULT_TASK_ROLE",
            tasks=orphans,
        )


def deploy_bpmn(data: bytes, source_name: str) -> list[DeployResult]:
    """Validate one BPMN document and deploy each executable process in it."""
    parser = parse_bpmn(data, source_name)
    sha256 = hashlib.sha256(data).hexdigest()
    xml = data.decode("utf-8")
    results = []
    with transaction.atomic():
        for process_id in executable_process_ids(parser):
            spec, subprocess_specs = build_specs(parser, process_id)
            _check_handlers(process_id, service_operations(spec, subprocess_specs), source_name)
            _check_forms(spec, subprocess_specs)
            _check_call_cycles(process_id, spec, subprocess_specs)
            _check_expressions(process_id, spec, subprocess_specs)
            _check_automatic_loops(process_id, spec, subprocess_specs)
            _check_task_owners(process_id, spec, subprocess_specs)
            latest = (
                ProcessDefinition.objects.select_for_update()
                .filter(process_id=process_id)
                .order_by("-version")
                .first()
            )
            if latest is not None and latest.content_sha256 == sha256:
                results.append(DeployResult(latest, created=False))
                continue
            definition = ProcessDefinition.objects.create(
                process_id=process_id,
                version=(latest.version + 1) if latest else 1,
                name=spec.description or process_id,
                source_name=source_name,
                content_sha256=sha256,
                bpmn_xml=xml,
            )
            results.append(DeployResult(definition, created=True))
    return results


def deploy_paths(paths: Iterable[Path]) -> list[DeployResult]:
    """Deploy every ``*.bpmn`` file found in the given files and folders, in name order."""
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.glob("*.bpmn")) if path.is_dir() else [path])
    results = []
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise DefinitionRejected(
                f"无法读取 BPMN 文件 {file}：{exc.strerror}",
                f"cannot read BPMN file {file}: {exc.strerror}",
            ) from exc
        results.extend(deploy_bpmn(data, file.name))
    return results


def latest_definition(process_id: str) -> ProcessDefinition:
    definition = (
        ProcessDefinition.objects.filter(process_id=process_id).order_by("-version").first()
    )
    if definition is None:
        raise DefinitionNotFound(
            f"流程 {process_id} 尚未部署；请先运行 manage.py deploy_processes",
            f"process {process_id} is not deployed; run manage.py deploy_processes first",
            process_id=process_id,
        )
    return definition


# Parsed specs of the definitions in use, by (process id, content hash): a definition's content
# never changes, so an entry stays true; the oldest goes when more are in use. Only a text that
# hashes to its recorded hash is kept, so replay, which checks that hash first, may use them.
SPECS_CACHE_SIZE = 64
_parsed_specs: OrderedDict[tuple[str, str], tuple] = OrderedDict()


def load_specs(definition: ProcessDefinition):
    """The parsed spec and subprocess specs of a definition (parsed once per process).

    The BPMN text is read only to parse it: a definition loaded without it (deferred) costs no
    query once its specs are parsed.
    """
    key = (definition.process_id, definition.content_sha256)
    specs = _parsed_specs.get(key)
    if specs is not None:
        with suppress(KeyError):  # another thread may have just let it go
            _parsed_specs.move_to_end(key)
        return specs
    text = definition.bpmn_xml.encode("utf-8")
    specs = build_specs(parse_bpmn(text, f"{definition.process_id}.bpmn"), definition.process_id)
    if hashlib.sha256(text).hexdigest() != definition.content_sha256:
        return specs
    _parsed_specs[key] = specs
    while len(_parsed_specs) > SPECS_CACHE_SIZE:
        _parsed_specs.popitem(last=False)
    return specs
