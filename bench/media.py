"""Media scaling: the process's AV check of one set on one worker, then on two (issue #19, item 4).

The real job path, in ``--distributed`` mode only (PostgreSQL, Redis): N site photos (2048×1536
JPEG with EXIF, as the demo's, each a distinct scene) are stored in one case, unchecked; then,
for 1 and for 2 Celery worker processes (``--pool=solo``, one job at a time each, on a queue of
the bench's own), an instance of ``bench/bpmn/media_checks_only.bpmn`` runs ``check_media``:
its handler splits the set into chunks (``acceptance.media.sets``), the chunks are outbox jobs
the workers take, and the last chunk completes the set and hands the result to the process.
The time runs from ``instance_start`` to the service job's result, polled every 0.1 s. Before
each side the photos are put back to unchecked, so both sides do the same work.

Setup (generating and storing the photos, starting the workers) is not timed. The uploads' own
intake checks are written as done and their messages dropped: here the process's check is the
one that examines the photos, as after a set was returned and resubmitted.
"""

from __future__ import annotations

import io
import math
import os
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .report import table

BPMN = Path(__file__).resolve().parent / "bpmn" / "media_checks_only.bpmn"
CHUNKS_PER_WORKER = 4  # a small run still gives each of two workers several chunks


@dataclass
class Side:
    workers: int
    photos: int
    chunks: int
    chunk_size: int
    seconds: float
    worker_processes: int
    failed: int
    load: float
    chunk_ms_per_photo: float  # median over the chunks of (finished - started) / files
    completion: float  # last chunk finished → the service job's result seen (serial part)
    idle_at_end: float  # the first worker out of chunks → the last chunk finished


def chunk_size(photos: int, configured: int) -> int:
    """The configured chunk, or smaller when the set would give two workers too few chunks."""
    return max(1, min(configured, math.ceil(photos / (2 * CHUNKS_PER_WORKER))))


def _photos(folder: Path, count: int) -> list[Path]:
    from acceptance.samples import make_site_photo

    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_site_photo(
            folder / f"site-{index:04d}.jpg",
            taken_at=datetime(2025, 3, 1, 8, 0) + timedelta(hours=index),
            label=f"声像 #{index}",
        )
        for index in range(count)
    ]


def _store(case, user, paths: list[Path], queue: str) -> list[int]:
    """Store the photos in ``case`` in one transaction, their intake checks written as done."""
    import redis
    from django.core.files import File
    from django.db import transaction

    from acceptance.services.materials import INTAKE_CHECK_TASK, material_upload
    from config.celery import app
    from workflows.models import OutboxJob

    item = case.catalog_version.items.get(code="E3-1")
    node = case.project.nodes.order_by("position").last()
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    last = OutboxJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        with transaction.atomic():
            materials = []
            for path in paths:
                with path.open("rb") as handle:
                    materials.append(
                        material_upload(
                            case=case,
                            user=user,
                            catalog_item=item,
                            node=node,
                            file=File(handle),
                            name=path.name,
                        )
                    )
            OutboxJob.objects.filter(pk__gt=last, task=INTAKE_CHECK_TASK).update(
                status=OutboxJob.Status.DONE
            )
    finally:
        app.conf.task_default_queue = before
    # Their messages went to a queue nobody consumes: drop it.
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).delete(queue)
    return [material.pk for material in materials]


def _unchecked(ids: list[int]) -> None:
    from acceptance.models import Material, MediaItem

    MediaItem.objects.filter(material_id__in=ids).delete()
    Material.objects.filter(pk__in=ids).update(status=Material.Status.RECEIVED, check_report={})


def _side(case, ids: list[int], workers: int, workdir: Path, timeout: float) -> Side:
    from django.utils import timezone

    from acceptance.models import MediaCheckRun
    from config.celery import app
    from workflows.engine import instance_start
    from workflows.models import ServiceJob

    from .stack import Worker

    queue = f"bench-media-{os.getpid()}-{workers}"
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue
    pool = [
        Worker(workdir / f"media-worker-{workers}-{n}.log", queue=queue, label=f"m{workers}{n}")
        for n in range(workers)
    ]
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        for worker in pool:
            worker.start()
        _unchecked(ids)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        instance = instance_start(
            process_id="media_checks_only",
            business_object=case,
            business_key=f"{case.reference}-media-{workers}",
        )
        jobs = ServiceJob.objects.filter(instance=instance)
        while jobs.filter(status=ServiceJob.Status.QUEUED).exists():
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"the AV check on {workers} worker(s) took over {timeout:.0f}s")
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        ended = timezone.now()
    finally:
        app.conf.task_default_queue = before
        os.environ.pop("CELERY_TASK_DEFAULT_QUEUE", None)
        for worker in pool:
            worker.stop()
    job = jobs.get()
    if job.status != ServiceJob.Status.SUCCEEDED:
        raise RuntimeError(f"the AV check failed: {job.error}")
    chunks = list(MediaCheckRun.objects.get(service_job=job).chunks.all())
    last = max(chunk.finished_at for chunk in chunks)
    workers_done = {}
    for chunk in chunks:
        workers_done[chunk.worker] = max(
            workers_done.get(chunk.worker, chunk.finished_at), chunk.finished_at
        )
    return Side(
        workers=workers,
        photos=len(ids),
        chunks=len(chunks),
        chunk_size=max(len(chunk.materials) for chunk in chunks),
        seconds=seconds,
        worker_processes=len({chunk.worker for chunk in chunks}),
        failed=len(job.result["failed"]),
        load=load,
        chunk_ms_per_photo=statistics.median(
            (chunk.finished_at - chunk.started_at).total_seconds() * 1000 / len(chunk.materials)
            for chunk in chunks
        ),
        completion=(ended - last).total_seconds(),
        idle_at_end=(last - min(workers_done.values())).total_seconds(),
    )


def measure(workdir: Path, *, photos: int, chunk: int, progress) -> list[Side] | None:
    """Both sides, or None outside ``--distributed`` (no workers to scale over)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from acceptance.conf import setting

    from .intake import bench_case

    if settings.CELERY_TASK_ALWAYS_EAGER or connection.vendor != "postgresql":
        return None
    size = chunk_size(photos, chunk or int(setting("ACCEPTANCE_MEDIA_CHECK_CHUNK")))
    os.environ["ACCEPTANCE_MEDIA_CHECK_CHUNK"] = str(size)
    try:
        progress(f"media: generating {photos} site photos")
        paths = _photos(workdir / "photos", photos)
        call_command("deploy_processes", str(BPMN), verbosity=0, stdout=io.StringIO())
        case, user = bench_case()
        progress(f"media: storing {photos} photos in case {case.reference}")
        ids = _store(case, user, paths, queue=f"bench-media-setup-{os.getpid()}")
        timeout = max(600.0, photos * 3.0)
        sides = []
        for workers in (1, 2):
            progress(f"media: checking {photos} photos on {workers} worker(s)")
            sides.append(_side(case, ids, workers, workdir, timeout))
        return sides
    finally:
        os.environ.pop("ACCEPTANCE_MEDIA_CHECK_CHUNK", None)


def report(sides: list[Side] | None) -> str:
    if sides is None:
        return "media scaling: skipped (needs --distributed: Celery workers on PostgreSQL + Redis)"
    rows = [
        [
            f"{side.workers} worker{'s' if side.workers > 1 else ''}",
            str(side.photos),
            f"{side.chunks} × ≤{side.chunk_size}",
            f"{side.seconds:.1f}",
            f"{side.photos / side.seconds:.1f}",
            f"{side.seconds / side.photos * 1000:.0f}",
            str(side.worker_processes),
            str(side.failed),
            f"{side.chunk_ms_per_photo:.0f}",
            f"{side.completion:.2f}",
            f"{side.idle_at_end:.1f}",
            f"{side.load:.2f}",
        ]
        for side in sides
    ]
    one, two = sides
    return "\n".join(
        [
            table(
                (
                    "AV check of one set (check_media, 2048×1536 photos)",
                    "photos",
                    "chunks",
                    "wall s",
                    "photos / s",
                    "ms / photo",
                    "processes that took chunks",
                    "failed",
                    "chunk ms / photo (median)",
                    "set completion s",
                    "worker idle at end s",
                    "load avg (1 min) at start",
                ),
                rows,
            ),
            "",
            f"media 2 workers/1 worker: {two.seconds / one.seconds:.2f}× "
            f"({one.photos} photos; target about 0.5×)",
            f"media serial part (set completion) / wall: 1 worker {one.completion / one.seconds:.1%}, "
            f"2 workers {two.completion / two.seconds:.1%}",
        ]
    )
