"""System checks: every service task in the process files has a registered handler."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register

from .exceptions import DefinitionRejected
from .services import registry


@register()
def check_bpmn_service_handlers(app_configs=None, **kwargs) -> list[Error]:
    # SpiffWorkflow is imported when the check runs, not when it is registered at start-up:
    # it takes a tenth of Django's start, and most commands never parse a process file.
    from .spiff import build_specs, executable_process_ids, parse_bpmn, service_operations

    errors = []
    for directory in getattr(settings, "WORKFLOWS_BPMN_DIRS", []):
        for path in sorted(Path(directory).glob("*.bpmn")):
            try:
                parser = parse_bpmn(path.read_bytes(), path.name)
                for process_id in executable_process_ids(parser):
                    operations = service_operations(*build_specs(parser, process_id))
                    errors.extend(
                        Error(
                            f"{path.name}: service operation {operation!r} has no handler",
                            hint="Register one with @service(...) in an app's handlers.py.",
                            obj=process_id,
                            id="workflows.E001",
                        )
                        for operation in sorted(operations)
                        if operation not in registry
                    )
            except DefinitionRejected as exc:
                errors.append(Error(exc.message_en, obj=path.name, id="workflows.E002"))
    return errors
