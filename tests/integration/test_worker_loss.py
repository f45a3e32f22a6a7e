"""A worker process killed in the middle of a service job loses nothing: the job runs again."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction

from acceptance.models import CatalogItem, Material
from acceptance.services.materials import material_upload, materials_lock
from config.celery import app
from workflows.engine import instance_start
from workflows.models import ProcessInstance, ServiceJob

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Path(__file__).resolve().parent
LARGE_DRAWING = HERE.parents[2] / "shared" / "fixtures" / "dxf" / "Graz_10km_3m.dxf"
COPIES = 6


def _running_job_pid(worker: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(destination=[worker], timeout=1)
        for tasks in (inspect.active() or {}).values():
            for task in tasks:
                if task["name"] == "workflows.run_service_job":
                    return task["worker_pid"]
        time.sleep(0.1)
    pytest.fail("the drawing-check job never started on the worker")


def _intake_checks_done(materials, timeout: float = 120) -> None:
    """Wait for the upload's own checks, so that the worker's pool is free for the process's job."""
    done = (Material.Status.CHECKED, Material.Status.CHECK_FAILED)
    deadline = time.monotonic() + timeout
    while materials.exclude(status__in=done).exists():
        if time.monotonic() > deadline:
            pytest.fail("the intake checks of the uploads did not finish")
        time.sleep(0.25)


class MaterialsHeld(threading.Thread):
    """Holds the materials' row locks in a connection of its own until released.

    The drawing check takes these locks first, so its job is certainly running (and waiting)
    when the test kills the process running it: a check that finishes within milliseconds (the
    intake's results are reused) leaves no moment to kill otherwise.
    """

    def __init__(self, materials) -> None:
        super().__init__(daemon=True)
        self.materials = list(materials)
        self.locked, self.release = threading.Event(), threading.Event()

    def run(self) -> None:
        try:
            with transaction.atomic():
                materials_lock(self.materials)
                self.locked.set()
                self.release.wait(timeout=180)
        finally:
            connection.close()


def test_a_job_whose_worker_process_is_killed_runs_again_and_completes(celery_worker):
    from tests.integration.scenario import case_waiting_for_first_guidance

    case, _, _ = case_waiting_for_first_guidance()
    owner = case.owner_user
    drawing = LARGE_DRAWING.read_bytes()
    for copy in range(COPIES):
        # A leading DXF comment makes each copy a distinct file with the same drawing.
        content = f"999\ncopy {copy}\n".encode() + drawing
        material_upload(
            case=case,
            user=owner,
            catalog_item=CatalogItem.objects.get(code="D-1"),
            file=ContentFile(content, name=f"graz-{copy}.dxf"),
            name=f"graz-{copy}.dxf",
        )
    drawings = Material.objects.filter(case=case, catalog_item__code="D-1")
    _intake_checks_done(drawings)
    held = MaterialsHeld(drawings)
    held.start()
    assert held.locked.wait(timeout=30)
    call_command("deploy_processes", str(HERE / "bpmn"), verbosity=0)
    instance = instance_start(
        process_id="drawing_checks_only", business_object=case, business_key=f"{case.reference}-k"
    )

    try:
        os.kill(_running_job_pid(celery_worker.node_name), signal.SIGKILL)
    finally:
        held.release.set()
        held.join()

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        instance.refresh_from_db()
        if instance.status in (ProcessInstance.Status.COMPLETED, ProcessInstance.Status.INCIDENT):
            break
        time.sleep(0.5)
    job = ServiceJob.objects.get(instance=instance)
    assert instance.status == ProcessInstance.Status.COMPLETED, job.error
    assert job.status == ServiceJob.Status.SUCCEEDED
    assert job.result["checked"] == COPIES
    assert drawings.count() == COPIES
    # The map has no as-built stamp: every copy is checked once, and fails that rule.
    assert set(drawings.values_list("status", flat=True)) == {Material.Status.CHECK_FAILED}
    assert celery_worker.poll() is None, "the worker itself survives the loss of a pool process"
    log = celery_worker.log_path.read_text(errors="replace")
    assert "WorkerLostError" in log or "signal 9" in log, "the job really was interrupted"
