"""The process's AV check of a set, in chunks that every worker takes at once.

``check_media`` (``handlers``) hands the set to ``media_check_start``: the photos and recordings
in ``pk`` order are split into chunks of ``ACCEPTANCE_MEDIA_CHECK_CHUNK`` (the last ones smaller)
and each chunk is an outbox job (``acceptance.check_media_chunk``), so a dead worker's chunk is
leased out again. A chunk checks its files, captions included, without what needs the rest of
the set (``media_intake(..., with_set=False)``), each file in a transaction of its own that also
notes it on the chunk as examined. The chunk that commits last completes the set once
(``_complete``): duplicates across the whole set and caption numbers in ``pk`` order
(``media_set_complete``), then the result handed to the waiting service task. "Last" is decided
under the run's row lock after the chunk's own row is marked finished in the same transaction,
so of two chunks finishing at once the second to take the lock sees the first's commit, and a
chunk run again after its commit finds itself finished and counts nothing.
"""

from __future__ import annotations

import math
import os
import socket

from django.db import transaction
from django.utils import timezone

from workflows.engine import service_job_deliver, service_job_fail
from workflows.jobs.outbox import job_enqueue
from workflows.jobs.retry import is_transient, service_attempt_limit
from workflows.models import OutboxJob
from workflows.services import DEFERRED, ServiceCall

from ..conf import setting
from ..models import Material, MediaCheckChunk, MediaCheckRun
from ..services.material_checks import MEDIA_CHECKS, materials_check_each
from .services import media_intake, media_set_complete

CHUNK_TASK = "acceptance.check_media_chunk"
OPERATION = "acceptance.check_media"


def media_check_start(call: ServiceCall, materials) -> dict | object:
    """Queue the chunks of the set ``materials`` for the service job of ``call``: DEFERRED.

    Safe to run twice: a second run (a redelivered message, an incident retried) queues again
    only the chunks whose job failed for good or went missing. An empty set is answered at once.
    """
    ids = list(materials.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return {"checked": 0, "failed": []}
    run, created = MediaCheckRun.objects.get_or_create(
        service_job_id=call.job_id, defaults={"case": call.business_object}
    )
    if created:
        size = max(1, int(setting("ACCEPTANCE_MEDIA_CHECK_CHUNK")))
        for index, materials in enumerate(_chunked(ids, size)):
            _queue(MediaCheckChunk.objects.create(run=run, index=index, materials=materials))
    else:
        stalled = run.chunks.filter(finished_at=None).exclude(job__status=OutboxJob.Status.PENDING)
        for chunk in stalled:
            _queue(chunk)
    return DEFERRED


def _chunked(ids: list[int], size: int) -> list[list[int]]:
    """Chunks of ``size`` files, the last ``2 × size`` in chunks of a quarter of it.

    The workers take the chunks in order: with small ones at the end they run out of work at
    about the same time, and none is left checking a whole chunk alone while the others idle.
    """
    head = max(0, math.ceil((len(ids) - 2 * size) / size)) * size
    tail = max(1, math.ceil(size / 4))
    return [ids[start : start + size] for start in range(0, head, size)] + [
        ids[start : start + tail] for start in range(head, len(ids), tail)
    ]


def _queue(chunk: MediaCheckChunk) -> None:
    chunk.job = job_enqueue(CHUNK_TASK, chunk.pk)
    chunk.save(update_fields=("job",))


def media_check_chunk(chunk_id: int) -> None:
    """Check one chunk and, if it is the last to finish, complete the set.

    A transient error (the database away, a lost lock race) is raised for the outbox to try
    again while the operation's tries last; any other error, or the last try, fails the
    service job, which opens an incident on the case's process.
    """
    chunk = MediaCheckChunk.objects.select_related("run").get(pk=chunk_id)
    try:
        _check(chunk)
    except Exception as exc:
        tries = OutboxJob.objects.values_list("tries", flat=True).get(pk=chunk.job_id)
        if is_transient(exc) and tries < service_attempt_limit(OPERATION):
            raise
        service_job_fail(chunk.run.service_job_id, exc, tries=tries)


def _check(chunk: MediaCheckChunk) -> None:
    """Each file in a transaction of its own, then the chunk's finish in one more.

    A file's check journals its status on the case's chain, which holds the chain's head until
    the commit: one transaction for the whole chunk would hold it, and so hold every other
    chunk of the set, for the chunk's whole time.
    """
    if chunk.finished_at is not None:
        return
    MediaCheckChunk.objects.filter(pk=chunk.pk).update(
        worker=f"{socket.gethostname()}:{os.getpid()}", started_at=timezone.now()
    )
    for material_id in chunk.materials:
        with transaction.atomic():
            _check_file(chunk.pk, material_id)
    with transaction.atomic():
        chunk = MediaCheckChunk.objects.select_for_update().get(pk=chunk.pk)
        if chunk.finished_at is not None:
            return
        # A reused result that failed counts as failed, as in ``materials_check``.
        chunk.failed = list(
            Material.objects.filter(pk__in=chunk.materials)
            .exclude(status=Material.Status.CHECKED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        chunk.finished_at = timezone.now()
        chunk.save(update_fields=("failed", "finished_at"))
        run = MediaCheckRun.objects.select_for_update().get(pk=chunk.run_id)
        if run.finished_at is None and not run.chunks.filter(finished_at=None).exists():
            _complete(run)


def _check_file(chunk_id: int, material_id: int) -> None:
    """Check one file unless its result can be reused; note it on the chunk if examined, in
    the same transaction (a try cut short keeps the files it committed, and its note)."""
    chunk = MediaCheckChunk.objects.select_for_update().get(pk=chunk_id)

    def examine(material: Material) -> bool:
        chunk.examined = [*chunk.examined, material.pk]
        return media_intake(material, with_set=False)

    materials_check_each(
        Material.objects.filter(pk=material_id), lambda material: (MEDIA_CHECKS, examine)
    )
    chunk.save(update_fields=("examined",))


def _complete(run: MediaCheckRun) -> None:
    """The set's completion, once: what needs the whole set, then the service task's result."""
    chunks = list(run.chunks.order_by("index"))
    media_set_complete(run.case_id, sorted(pk for chunk in chunks for pk in chunk.examined))
    failed = [pk for chunk in chunks for pk in chunk.failed]
    names = dict(Material.objects.filter(pk__in=failed).values_list("pk", "original_name"))
    run.result = {
        "checked": sum(len(chunk.materials) for chunk in chunks),
        "failed": [names[pk] for pk in failed],
    }
    run.finished_at = timezone.now()
    run.save(update_fields=("result", "finished_at"))
    service_job_deliver(run.service_job_id, run.result)
