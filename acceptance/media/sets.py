"""The process's AV check of a set, in chunks that every worker takes at once.

``check_media`` (``handlers``) hands the set to ``media_check_start``: the photos and recordings
in ``pk`` order are split into chunks of ``ACCEPTANCE_MEDIA_CHECK_CHUNK`` and each chunk is an
outbox job (``acceptance.check_media_chunk``), so a dead worker's chunk is leased out again.
A chunk checks its files without what needs the rest of the set (``media_intake(...,
with_set=False)``). The chunk that commits last completes the set once (``_complete``):
duplicates across the whole set and caption prefill in ``pk`` order (``media_set_complete``),
then the result handed to the waiting service task. "Last" is decided under the run's row lock
after the chunk's own row is marked finished in the same transaction, so of two chunks
finishing at once the second to take the lock sees the first's commit, and a chunk run again
after its commit finds itself finished and counts nothing.
"""

from __future__ import annotations

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
        for index, start in enumerate(range(0, len(ids), size)):
            chunk = MediaCheckChunk.objects.create(
                run=run, index=index, materials=ids[start : start + size]
            )
            _queue(chunk)
    else:
        stalled = run.chunks.filter(finished_at=None).exclude(job__status=OutboxJob.Status.PENDING)
        for chunk in stalled:
            _queue(chunk)
    return DEFERRED


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
        with transaction.atomic():
            _check(chunk_id)
    except Exception as exc:
        tries = OutboxJob.objects.values_list("tries", flat=True).get(pk=chunk.job_id)
        if is_transient(exc) and tries < service_attempt_limit(OPERATION):
            raise
        service_job_fail(chunk.run.service_job_id, exc, tries=tries)


def _check(chunk_id: int) -> None:
    chunk = MediaCheckChunk.objects.select_for_update().get(pk=chunk_id)
    if chunk.finished_at is not None:
        return
    chunk.worker, chunk.started_at = f"{socket.gethostname()}:{os.getpid()}", timezone.now()
    examined: list[int] = []

    def examine(material: Material) -> bool:
        examined.append(material.pk)
        return media_intake(material, with_set=False)

    failed = materials_check_each(
        Material.objects.filter(pk__in=chunk.materials), lambda material: (MEDIA_CHECKS, examine)
    )
    chunk.examined = examined
    chunk.failed = [material.pk for material in failed]
    chunk.finished_at = timezone.now()
    chunk.save(update_fields=("examined", "failed", "worker", "started_at", "finished_at"))
    run = MediaCheckRun.objects.select_for_update().get(pk=chunk.run_id)
    if run.finished_at is None and not run.chunks.filter(finished_at=None).exists():
        _complete(run)


def _complete(run: MediaCheckRun) -> None:
    """The set's completion, once: what needs the whole set, then the service task's result."""
    chunks = list(run.chunks.order_by("index"))
    examined = [pk for chunk in chunks for pk in chunk.examined]
    media_set_complete(list(Material.objects.filter(pk__in=examined).order_by("pk")))
    failed = [pk for chunk in chunks for pk in chunk.failed]
    names = dict(Material.objects.filter(pk__in=failed).values_list("pk", "original_name"))
    run.result = {
        "checked": sum(len(chunk.materials) for chunk in chunks),
        "failed": [names[pk] for pk in failed],
    }
    run.finished_at = timezone.now()
    run.save(update_fields=("result", "finished_at"))
    service_job_deliver(run.service_job_id, run.result)
