"""Deploying BPMN files as versioned process definitions, and loading their specs.

Deploying is idempotent: a file whose content is unchanged deploys nothing; a changed file becomes
a new version. Running instances keep the version they started with (their serialized state
carries its own copy of the spec).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from .exceptions import DefinitionNotFound, DefinitionRejected
from .forms import parse_form
from .models import ProcessDefinition
from .services import registry
from .spiff import build_specs, executable_process_ids, parse_bpmn, service_operations


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


@lru_cache(maxsize=64)
def _specs_for(process_id: str, content_sha256: str, xml: str):
    parser = parse_bpmn(xml.encode("utf-8"), f"{process_id}.bpmn")
    return build_specs(parser, process_id)


def load_specs(definition: ProcessDefinition):
    """The parsed spec and subprocess specs of a definition (parsed once per process)."""
    return _specs_for(definition.process_id, definition.content_sha256, definition.bpmn_xml)
