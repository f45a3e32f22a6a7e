"""A worker process killed in the middle of a service job loses nothing: the job runs again."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from acceptance.models import CatalogItem, Material
from acceptance.services.materials import material_upload
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
    call_command("deploy_processes", str(HERE / "bpmn"), verbosity=0)
    instance = instance_start(
        process_id="drawing_checks_only", business_object=case, business_key=f"{case.reference}-k"
    )

    os.kill(_running_job_pid(celery_worker.node_name), signal.SIGKILL)

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
    drawings = Material.objects.filter(case=case, catalog_item__code="D-1")
    assert drawings.count() == COPIES
    # The map has no as-built stamp: every copy is checked once, and fails that rule.
    assert set(drawings.values_list("status", flat=True)) == {Material.Status.CHECK_FAILED}
    assert celery_worker.poll() is None, "the worker itself survives the loss of a pool process"
    log = celery_worker.log_path.read_text(errors="replace")
    assert "WorkerLostError" in log or "signal 9" in log, "the job really was interrupted"
