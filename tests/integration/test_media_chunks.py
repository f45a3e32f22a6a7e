"""The AV check of a set in chunks on two worker processes at once, completed once."""

import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from PIL import Image

from acceptance.models import CatalogItem, Material, MediaCheckRun, MediaItem
from acceptance.samples import make_site_photo
from acceptance.services.materials import material_upload
from config.celery import app
from workflows.engine import instance_start
from workflows.models import JournalEntry, OutboxJob, ProcessInstance, ServiceJob

from .stack import Worker, stack_env

pytestmark = pytest.mark.django_db(transaction=True)

MEDIA_CHECKS_ONLY = (
    Path(__file__).resolve().parents[2] / "bench" / "bpmn" / "media_checks_only.bpmn"
)
PHOTOS = 7  # six site photos and a copy of the first: chunks of two, two, then one each


@pytest.fixture
def two_workers(real_stack, django_db_setup, signing_files, tmp_path):
    """Two Celery workers of one process each on a queue of this test's own, chunks of two."""
    queue = f"media-chunks-{os.getpid()}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    env = stack_env(
        signing_files,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        ACCEPTANCE_MEDIA_CHECK_CHUNK="2",
        WORKFLOWS_JOB_LEASE_SECONDS="10",
        WORKFLOWS_JOB_HEARTBEAT_SECONDS="2",
    )
    workers = [
        Worker(f"{queue}-{letter}", env, tmp_path / f"worker-{letter}.log", concurrency=1)
        for letter in "ab"
    ]
    try:
        yield [worker.wait_ready() for worker in workers]
    finally:
        app.conf.task_default_queue = before
        for worker in workers:
            worker.stop()


def _wait(condition, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def test_a_sets_chunks_run_on_two_workers_at_once_and_the_set_completes_once(two_workers, tmp_path):
    from tests.integration.scenario import case_waiting_for_first_guidance

    case, _, _ = case_waiting_for_first_guidance()
    paths = [
        make_site_photo(
            tmp_path / f"现场-{index}.jpg",
            taken_at=datetime(2025, 6, 2, 8 + index),
            label=f"#{index}",
        )
        for index in range(PHOTOS - 1)
    ]
    with Image.open(paths[0]) as image:
        image.save(tmp_path / "副本.jpg", "JPEG", quality=70, exif=image.getexif())
    paths.append(tmp_path / "副本.jpg")
    for path in paths:
        with path.open("rb") as handle:
            material_upload(
                case=case,
                user=case.owner_user,
                catalog_item=CatalogItem.objects.get(code="E3-1"),
                file=File(handle),
                name=path.name,
            )
    photos = Material.objects.filter(case=case, catalog_item__code="E3-1").order_by("pk")
    checked = (Material.Status.CHECKED, Material.Status.CHECK_FAILED)
    _wait(lambda: not photos.exclude(status__in=checked).exists(), "the uploads' intake checks")
    # Undo those checks: the process's AV check is to examine every photo itself.
    MediaItem.objects.filter(material__in=photos).delete()
    photos.update(status=Material.Status.RECEIVED, check_report={})

    call_command("deploy_processes", str(MEDIA_CHECKS_ONLY), verbosity=0)
    instance = instance_start(
        process_id="media_checks_only", business_object=case, business_key=f"{case.reference}-m"
    )
    ended = (ProcessInstance.Status.COMPLETED, ProcessInstance.Status.INCIDENT)
    _wait(lambda: ProcessInstance.objects.get(pk=instance.pk).status in ended, "the AV check")

    job = ServiceJob.objects.get(instance=instance)
    assert job.status == ServiceJob.Status.SUCCEEDED, job.error
    assert job.result == {"checked": PHOTOS, "failed": []}
    completions = JournalEntry.objects.filter(chain=instance.business_key, kind="service.completed")
    assert completions.count() == 1
    chunks = list(MediaCheckRun.objects.get(service_job=job).chunks.order_by("index"))
    assert [len(chunk.materials) for chunk in chunks] == [2, 2, 1, 1, 1]
    assert all(chunk.examined == chunk.materials for chunk in chunks)
    jobs = OutboxJob.objects.filter(pk__in=[chunk.job_id for chunk in chunks])
    assert set(jobs.values_list("status", flat=True)) == {OutboxJob.Status.DONE}

    # Both workers checked chunks, and some of their chunks ran at the same time.
    assert len({chunk.worker for chunk in chunks}) == 2
    overlapping = [
        (a.index, b.index)
        for a in chunks
        for b in chunks
        if a.worker < b.worker and a.started_at < b.finished_at and b.started_at < a.finished_at
    ]
    assert overlapping, [(c.worker, c.started_at, c.finished_at) for c in chunks]

    # The copy, checked in the last chunk, is the duplicate of the first photo, in the first.
    first, copy = photos.first(), photos.last()
    assert copy.media.duplicate_of.material_id == first.pk
    assert first.media.duplicate_of is None
    assert [p.media.number for p in photos] == list(range(1, PHOTOS + 1))
    for worker in two_workers:
        assert worker.poll() is None
