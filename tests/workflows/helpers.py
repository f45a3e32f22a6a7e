"""Small helpers shared by the plugin's tests."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from django.db import connection

from workflows import engine, sandbox
from workflows.definitions import deploy_bpmn
from workflows.engine import task_complete
from workflows.journal import journal_append
from workflows.models import HumanTask, JournalEntry, ProcessInstance
from workflows.replay import instance_workflow

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"
REJECTED_DIR = BPMN_DIR / "rejected"

# What a runaway script may take (``runaway.bpmn``): far more than a person waits for a click.
SCRIPT_LIMIT_SECONDS = 3.0
# What another person's action may take while it runs: well under the script's limit, and within
# the second after which a click feels stuck (the engine itself takes milliseconds; a page takes
# a few hundred on this shared, loaded machine).
PROMPT_SECONDS = 1.0


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
    return instance_workflow(instance)


def reload(instance: ProcessInstance) -> ProcessInstance:
    instance.refresh_from_db()
    return instance


# The service before the runaway script of ``runaway.bpmn``: it journals on the case's chain in the
# same step, as a file check does, so the chain's head is locked while the script starts.
NOTE_OPERATION = "wftest.note"


def note_in_journal(call) -> dict:
    journal_append(
        chain=call.instance.business_key, kind="case.noted", instance_id=call.instance.pk
    )
    return {"noted": True}


class Runaway:
    """Completes ``decide`` of ``runaway.bpmn`` with ``spin`` in a thread of its own, the script
    limited to ``SCRIPT_LIMIT_SECONDS``; ``spinning`` is set once the script runs (its budget
    reads the clocks for the first time)."""

    def __init__(self, monkeypatch, settings, instance, user) -> None:
        settings.WORKFLOWS_SCRIPT_CPU_SECONDS = SCRIPT_LIMIT_SECONDS
        settings.WORKFLOWS_SCRIPT_WALL_SECONDS = SCRIPT_LIMIT_SECONDS
        self.spinning = threading.Event()
        self.error: BaseException | None = None
        self.seconds = 0.0
        real_start = sandbox.Budget.start

        def start(budget):
            if threading.current_thread() is self.thread:
                self.spinning.set()
            real_start(budget)

        monkeypatch.setattr(sandbox.Budget, "start", start)
        task = open_task(instance, "decide")
        self.thread = threading.Thread(target=self._run, args=(task, user), name="runaway")

    def _run(self, task, user) -> None:
        began = time.monotonic()
        try:
            engine.task_complete(task_id=task.task_id, user=user, data={"spin": True})
        except BaseException as exc:
            self.error = exc
        finally:
            self.seconds = time.monotonic() - began
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.spinning.wait(timeout=30), "the runaway script never started"
        return self

    def __exit__(self, *exc_info) -> None:
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the runaway script was never stopped"


def timed(action) -> float:
    began = time.monotonic()
    action()
    return time.monotonic() - began


# The step whose id version 2 of wf_migration changed (see ``case_at`` in conftest).
MIGRATION_MAPPING = {"archive_old": "archive"}


def deploy_migration_v2():
    """Deploy version 2 of wf_migration (see ``case_at`` in conftest)."""
    (result,) = deploy_bpmn(bpmn_bytes("migration_v2.bpmn"), "migration_v2.bpmn")
    return result.definition


def triaged_review(start, clerk, *, key: str = "REQ-1", before_triage=None) -> HumanTask:
    """wf_tasks started and triaged by ``clerk``: its review, which the process assigns to rita.

    ``before_triage()`` runs between the start and the triage (to set up what the review finds
    when it opens). The caller travels in time and registers ``wftest.record``.
    """
    instance = start(
        "wf_tasks", key=key, subject="a", amount=1, reviewer_name="rita", review_period="P4D"
    )
    if before_triage:
        before_triage()
    task_complete(
        task_id=open_task(instance, "triage").task_id, user=clerk, data={"priority": "high"}
    )
    return open_task(instance, "review")
