"""The process's AV check in chunks (``acceptance.media.sets``), run eagerly.

A set of five files in four chunks (two, then one each) is checked through the real process, then checked again
the way one serial job checked it before chunks existed (``materials_check`` over the set): the
recorded checks, the duplicate found across chunks, the prefilled captions and the review task's
summary are the same.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import OperationalError, transaction
from PIL import Image

from acceptance.media import sets
from acceptance.models import Material, MediaCheckChunk, MediaCheckRun, MediaItem
from acceptance.samples import make_site_photo
from acceptance.services.material_checks import MEDIA_KINDS, materials_check
from workflows.models import JournalEntry, OutboxJob

from .conftest import CaseFlow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def five_files(open_case, tmp_path, settings) -> CaseFlow:
    """A case whose set is the sample photo and video, two more photos and, last, a copy of the
    sample photo (in the third chunk, its original in the first); none checked yet."""
    settings.ACCEPTANCE_MEDIA_CHECK_CHUNK = 2
    flow = open_case()
    sample = flow.current("E3-1")
    for hour, label in ((10, "基坑"), (14, "主体结构")):
        path = make_site_photo(
            tmp_path / f"{label}.jpg", taken_at=datetime(2025, 6, 3, hour), label=label
        )
        flow.upload_file("E3-1", path, node=flow.filing_node)
    with Image.open(sample.file.path) as image:
        copy = tmp_path / "copy.jpg"
        image.save(copy, "JPEG", quality=70, exif=image.getexif())
    flow.upload_file("E3-1", copy, node=flow.filing_node)
    # The node checks of pre-filing check the files too: undo every check after them.
    flow.prefile()
    unchecked(flow)
    return flow


def media_of(flow: CaseFlow) -> list[Material]:
    return list(flow.case.materials.filter(format_kind__in=MEDIA_KINDS).order_by("pk"))


def unchecked(flow: CaseFlow) -> None:
    materials = media_of(flow)
    MediaItem.objects.filter(material__in=materials).delete()
    Material.objects.filter(pk__in=[m.pk for m in materials]).update(
        status=Material.Status.RECEIVED, check_report={}
    )


def as_recorded(flow: CaseFlow) -> dict:
    """What a reviewer sees of each file: its checks, its duplicate and its caption."""
    seen = {}
    for material in media_of(flow):
        media = material.media
        seen[material.original_name] = {
            "status": material.status,
            "outcomes": [
                (o["code"], o["result"], o["message_en"], o["detail"])
                for o in material.check_report["outcomes"]
            ],
            "properties": material.check_report["properties"],
            "duplicate_of": media.duplicate_of.material_id if media.duplicate_of else None,
            "caption": [
                media.taken_at,
                media.place,
                media.background,
                media.photographer,
                media.group,
                media.number,
            ],
        }
    return seen


def serially(flow: CaseFlow) -> tuple[dict, dict]:
    """The set checked again by one job, as ``check_media`` did before it was split."""
    unchecked(flow)
    with transaction.atomic():
        failed = materials_check(media_of(flow))
    summary = {"checked": len(media_of(flow)), "failed": [m.original_name for m in failed]}
    return as_recorded(flow), summary


def test_a_set_in_three_chunks_is_checked_as_one_serial_job_checks_it(five_files):
    five_files.apply()

    assert "media_review" in five_files.open_tasks()
    run = MediaCheckRun.objects.get(case=five_files.case)
    # The last two chunks' worth of files go in chunks of a quarter (here one file each), so
    # no worker is left checking a whole chunk alone at the end of the set.
    ids = [m.pk for m in media_of(five_files)]
    assert [c.materials for c in run.chunks.order_by("index")] == [
        ids[:2],
        *([pk] for pk in ids[2:]),
    ]
    chunked = as_recorded(five_files)
    summary = five_files.task("media_review").context["media_check"]
    copy = chunked["copy.jpg"]
    # The copy, in the last chunk, is found to duplicate the sample photo in the first.
    assert copy["duplicate_of"] == media_of(five_files)[0].pk
    assert ("authenticity.photo_duplicate", "warn") in [o[:2] for o in copy["outcomes"]]
    assert [entry["caption"][-1] for entry in chunked.values()] == [1, 2, 3, 4, 5]

    assert (chunked, summary) == serially(five_files)


def test_the_set_completes_once_and_a_chunk_run_again_counts_nothing(five_files):
    five_files.apply()
    run = MediaCheckRun.objects.get(case=five_files.case)
    completed = JournalEntry.objects.filter(
        chain=five_files.case.reference, kind="service.completed", task_name="check_media"
    )
    assert completed.count() == 1
    recorded = as_recorded(five_files)

    # A message delivered again after the chunk's commit (its worker died before finishing
    # the outbox row): the chunk is finished, nothing is checked or counted again.
    sets.media_check_chunk(run.chunks.get(index=0).pk)

    assert completed.count() == 1
    assert as_recorded(five_files) == recorded
    assert MediaCheckRun.objects.get(pk=run.pk).result == {"checked": 5, "failed": []}


def test_a_chunk_whose_try_fails_midway_counts_once_when_tried_again(five_files, monkeypatch):
    """The first try of the first chunk loses its database connection on its second file:
    that file's transaction rolls back, the first file stays checked, the chunk is not counted,
    and the outbox tries it again, which checks only the second file; the set completes once,
    as if nothing had happened."""
    examine, failures = sets.media_intake, []

    def flaky(material, **kwargs):
        if not failures and material.pk == media_of(five_files)[1].pk:
            failures.append(material.pk)
            raise OperationalError("server closed the connection unexpectedly")
        return examine(material, **kwargs)

    monkeypatch.setattr(sets, "media_intake", flaky)
    five_files.apply()

    assert failures and "media_review" in five_files.open_tasks()
    first = MediaCheckChunk.objects.get(run__case=five_files.case, index=0)
    assert OutboxJob.objects.get(pk=first.job_id).tries == 2
    assert first.examined == first.materials
    completed = JournalEntry.objects.filter(
        chain=five_files.case.reference, kind="service.completed", task_name="check_media"
    )
    assert completed.count() == 1
    assert as_recorded(five_files) == serially(five_files)[0]


def test_a_chunk_prefills_its_captions_and_the_set_numbers_them(five_files, monkeypatch):
    """What a caption takes from the file and its node is filled as each chunk is checked; the
    numbers (张号), which follow the set's order, wait for the set to complete."""
    monkeypatch.setattr(sets, "_complete", lambda run: None)
    five_files.apply()

    items = {m.original_name: m.media for m in media_of(five_files)}
    for name in ("基坑.jpg", "主体结构.jpg", "copy.jpg"):
        assert items[name].taken_at is not None
        assert items[name].place == five_files.case.project.location
        assert items[name].group and items[name].background
        assert items[name].number is None
        assert items[name].duplicate_of is None
