"""Small helpers shared by the plugin's tests."""

from __future__ import annotations

from pathlib import Path

from workflows.definitions import deploy_bpmn
from workflows.models import HumanTask, JournalEntry, ProcessInstance
from workflows.spiff import SERIALIZER

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"
REJECTED_DIR = BPMN_DIR / "rejected"


def bpmn_bytes(name: str) -> bytes:
    return (BPMN_DIR / name).read_bytes()


def open_task(instance: ProcessInstance, task_name: str) -> HumanTask:
    return HumanTask.objects.get(
        instance=instance, task_name=task_name, status=HumanTask.Status.OPEN
    )


def open_task_names(instance: ProcessInstance) -> list[str]:
    return sorted(
        HumanTask.objects.filter(instance=instance, status=HumanTask.Status.OPEN).values_list(
            "task_name", flat=True
        )
    )


def journal_kinds(chain: str) -> list[str]:
    return list(
        JournalEntry.objects.filter(chain=chain).order_by("sequence").values_list("kind", flat=True)
    )


def last_entry(chain: str, kind: str) -> JournalEntry:
    return JournalEntry.objects.filter(chain=chain, kind=kind).order_by("-sequence").first()


def workflow_of(instance: ProcessInstance):
    instance.refresh_from_db()
    return SERIALIZER.deserialize_json(instance.state)


def reload(instance: ProcessInstance) -> ProcessInstance:
    instance.refresh_from_db()
    return instance


# The step whose id version 2 of wf_migration changed (see ``case_at`` in conftest).
MIGRATION_MAPPING = {"archive_old": "archive"}


def deploy_migration_v2():
    """Deploy version 2 of wf_migration (see ``case_at`` in conftest)."""
    (result,) = deploy_bpmn(bpmn_bytes("migration_v2.bpmn"), "migration_v2.bpmn")
    return result.definition
