"""System checks: every service task in the process files has a registered handler; the holiday
calendar holds the years a deadline counted today can reach."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError

from .exceptions import DefinitionRejected
from .services import registry
from .workdays import calendar_readiness


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


@register()
def check_holiday_calendar(app_configs=None, **kwargs) -> list[Warning]:
    """workflows.W001: this year's holiday arrangement, and from 1 November next year's, entered."""
    try:
        readiness = calendar_readiness()
    except DatabaseError:  # not migrated yet: ``migrate`` seeds the calendar
        return []
    if readiness.ready:
        return []
    return [
        Warning(
            readiness.message,
            hint="Import the State Council's notice: manage.py import_holidays FILE, or the "
            "holiday calendar page (README: The holiday calendar, once a year).",
            id="workflows.W001",
        )
    ]
