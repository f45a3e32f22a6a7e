"""Writes of the audio-visual intake: check and describe photos and recordings, review them.

``media_intake`` is how a photo or recording is checked (``services.material_checks``); the
gallery page calls ``media_describe``, ``media_review`` and ``media_review_finish``. Every change
a person makes is journaled on the case's chain.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.fields.json import KeyTextTransform
from PIL import Image

from workflows.inbox import can_work
from workflows.journal import journal_append

from ..checks import CheckOutcome, CheckResult, FileKind, summarize_properties
from ..checks.outcomes import error_detail, make_outcome
from ..conf import av_rules, photo_rules, setting
from ..exceptions import CaseStateConflict, NotPermitted
from ..models import Case, Material, MediaItem
from ..selectors.cases import case_open_task
from ..services.cases import case_task_complete, case_task_for
from ..services.materials import (
    material_check_report,
    material_checks_record,
)
from .av import poster_frame
from .photos import PhotoExamination, examine_photo, exif_datetime, period_outcome

SHANGHAI = ZoneInfo("Asia/Shanghai")
REVIEW_TASK = "media_review"
DESCRIBED_FIELDS = (
    "title",
    "taken_at",
    "place",
    "people",
    "background",
    "photographer",
    "group",
    "number",
)


# What a photo or recording is checked with besides the four properties (``check_report``).
MEDIA_CHECKS = ["acceptance.media.services.media_intake"]


def media_intake(material: Material, *, with_set: bool = True) -> bool:
    """Check one photo or recording (decoded once), store derivatives and facts; True if passed.

    Bad content never raises (every file gets its outcomes); a storage error does, and becomes
    an incident on the process instance. ``with_set=False`` leaves out what depends on the
    rest of the case (duplicates, caption prefill): a chunk of a set's check
    (``media.sets``) leaves those to ``media_set_complete`` once every chunk is checked.
    """
    examinations: list[PhotoExamination] = []
    rules = photo_rules()

    def examine(path: Path, fmt: str) -> list[CheckOutcome]:
        examinations.append(examine_photo(path, fmt, rules))
        return examinations[-1].outcomes

    report = material_check_report(material, image_check=examine, av_rules=av_rules())
    outcomes = [outcome.as_dict() for outcome in report.outcomes]
    item, _created = MediaItem.objects.get_or_create(
        material=material, defaults={"case": material.case}
    )
    if examinations:
        outcomes += [outcome.as_dict() for outcome in _photo(item, examinations[0])]
    elif report.detected_kind is FileKind.VIDEO:
        outcomes += [outcome.as_dict() for outcome in _recording(item, report.outcomes)]
    if with_set:
        case_media = CaseMedia(material.case_id)
        outcomes += [
            outcome.as_dict() for outcome in _in_set(item, report.detected_kind, case_media)
        ]
    else:
        _prefill_caption(item, report.detected_kind)
    item.save()
    return material_checks_record(material, report, outcomes, checks=MEDIA_CHECKS)


def media_set_complete(case_id: int, material_ids: list[int]) -> None:
    """What each of ``material_ids`` (checked ``with_set=False``) needs of the rest of the case.

    In ``pk`` order, as one serial check of the set would: a photo is compared with the case's
    photos checked before it (not with the set's later ones, whose own comparison finds it),
    and caption numbers follow on in that order (the rest of each caption the chunk filled).
    The duplicate outcome is added to the material's recorded checks (a warning at most:
    whether it passed does not change). The set's whole completion is a few statements and one
    comparison of every photo with the case's hashes at once: it runs on one worker while the
    others wait, so it reads and writes only what it changes.
    """
    if not material_ids:
        return
    # Locked as a caption edit locks them (``media_describe``): neither loses the other's.
    items = list(
        MediaItem.objects.select_for_update(of=("self",))
        .filter(material__in=material_ids)
        .annotate(detected_kind=KeyTextTransform("detected_kind", "material__check_report"))
        .only("pk", "material_id", "phash", "duplicate_of", "group", "number")
        .order_by("material_id")
    )
    case_media = CaseMedia(case_id)
    photos = [item for item in items if item.phash]
    matches = case_media.duplicates(photos, later=set(material_ids))
    outcomes = {
        item.material_id: _duplicate_outcome(item, match)
        for item, match in zip(photos, matches, strict=True)
    }
    for item in items:
        if (item.phash or item.detected_kind == FileKind.VIDEO) and item.number is None:
            item.number = case_media.next_number(item)
    reports = []
    for pk, report in Material.objects.filter(pk__in=outcomes).values_list("pk", "check_report"):
        recorded = [*report["outcomes"], outcomes[pk].as_dict()]
        reports.append(
            (
                {**report, "outcomes": recorded, "properties": summarize_properties(recorded)},
                pk,
            )
        )
    _update_rows(
        MediaItem,
        ("duplicate_of", "number"),
        [(item.duplicate_of_id, item.number, item.pk) for item in items],
    )
    _update_rows(Material, ("check_report",), reports)


def _update_rows(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """``UPDATE`` of ``fields`` by primary key for each row (the fields' values, then the pk).

    Django's ``bulk_update`` writes one ``CASE`` per field over every row: for a thousand rows
    it spent seconds composing the expressions. Here the rows go as the parameters of one
    statement run for each (pipelined by the driver on PostgreSQL).
    """
    if not rows:
        return
    columns = [model._meta.get_field(field) for field in fields]
    assignments = ", ".join(f"{connection.ops.quote_name(c.column)} = %s" for c in columns)
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    prepared = [
        (
            *(c.get_db_prep_save(v, connection) for c, v in zip(columns, row[:-1], strict=True)),
            row[-1],
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


class CaseMedia:
    """What the checks of a case's items read of its other items, read once for a whole set.

    ``photos``: the perceptual hashes of the case's current photos in upload order, read
    under the lock on the case's photo checks (``_photo_checks_lock``), so two checks never
    both miss each other; read on first use, so a recording's check takes no such lock.
    ``next_number``: each group's next 张号, its largest number read once, then counted on.
    """

    def __init__(self, case_id: int) -> None:
        self.case_id = case_id
        self._last_numbers: dict[str, int] = {}

    @cached_property
    def photos(self) -> list[tuple[int, int, int, str]]:
        """(material id, item id, hash, file name) of each photo with a hash, by material."""
        _photo_checks_lock(self.case_id)
        rows = (
            MediaItem.objects.filter(case_id=self.case_id)
            .exclude(phash="")
            .exclude(material__status__in=Material.NOT_CURRENT)
            .order_by("material_id")
            .values_list("material_id", "pk", "phash", "material__original_name")
        )
        return [(material, pk, int(phash, 16), name) for material, pk, phash, name in rows]

    def duplicates(self, items: list[MediaItem], later: set[int]) -> list[tuple | None]:
        """For each photo of ``items`` (in material order) the case's photo it duplicates: the
        first identical one in upload order, else the nearest within
        ``ACCEPTANCE_PHOTO_NEAR_DUPLICATE_DISTANCE`` bits, as ``(photo, bits)``; else None.

        A photo is compared with every photo of the case but itself and the materials of
        ``later`` after it (a set's photos whose own comparison comes after it): the photos of
        a case are checked in parallel and in any order, so the photo checked second is the
        one flagged, whichever was uploaded first. Each photo's comparison with all the case's
        hashes is one vector operation (a few thousand 64-bit integers at most).
        """
        import numpy as np  # here, where used, as ``photos.examine_photo`` imports imagehash

        if not items or not self.photos:
            return [None] * len(items)
        distance = int(setting("ACCEPTANCE_PHOTO_NEAR_DUPLICATE_DISTANCE"))
        materials = np.array([photo[0] for photo in self.photos], dtype=np.int64)
        hashes = np.array([photo[2] for photo in self.photos], dtype=np.uint64)
        in_later = np.isin(materials, np.array(sorted(later), dtype=np.int64))
        bits_in_byte = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.uint8)
        found = []
        for item in items:
            differing = hashes ^ np.uint64(int(item.phash, 16))
            bits = bits_in_byte[differing.view(np.uint8)].reshape(-1, 8).sum(axis=1)
            bits[(materials == item.material_id) | (in_later & (materials > item.material_id))] = 65
            # argmin takes the first of equals: the first identical or nearest in upload order.
            best = int(bits.argmin())
            found.append((self.photos[best], int(bits[best])) if bits[best] <= distance else None)
        return found

    def next_number(self, item: MediaItem) -> int:
        if item.group not in self._last_numbers:
            self._last_numbers[item.group] = (
                MediaItem.objects.filter(case_id=self.case_id, group=item.group)
                .exclude(pk=item.pk)
                .aggregate(Max("number"))["number__max"]
                or 0
            )
        self._last_numbers[item.group] += 1
        return self._last_numbers[item.group]


def _in_set(item: MediaItem, detected_kind: FileKind, case_media: CaseMedia) -> list[CheckOutcome]:
    """The checks and prefill that read the case's other items: a decoded photo (it has a
    perceptual hash) is compared and captioned, a recording captioned."""
    outcomes = []
    if item.phash:
        (match,) = case_media.duplicates([item], later=set())
        outcomes.append(_duplicate_outcome(item, match))
    if _prefill_caption(item, detected_kind) and item.number is None:
        item.number = case_media.next_number(item)
    return outcomes


def _photo(item: MediaItem, examination: PhotoExamination) -> list[CheckOutcome]:
    """The photo's period check; stores derivatives and facts (duplicates: ``_in_set``)."""
    outcomes = []
    item.facts, item.exif, item.phash = examination.facts, examination.exif, examination.phash
    if not examination.decoded:
        return outcomes
    _save_image(item.thumbnail, "thumb.jpg", examination.thumbnail)
    _save_image(item.preview, "preview.jpg", examination.preview)
    project = item.material.case.project
    outcomes.append(
        period_outcome(
            examination.taken_at,
            project.start_date,
            project.completion_date,
            margin_days=int(setting("ACCEPTANCE_PHOTO_PERIOD_MARGIN_DAYS")),
        )
    )
    return outcomes


def _save_image(field, name: str, image: Image.Image) -> None:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=False)
    if field:
        field.storage.delete(field.name)
    field.save(name, ContentFile(buffer.getvalue()), save=False)


def _duplicate_outcome(item: MediaItem, match: tuple | None) -> CheckOutcome:
    """``authenticity.photo_duplicate``: the same or nearly the same picture already in the
    case (``CaseMedia.duplicates`` found ``match``); notes it on the item."""
    distance = int(setting("ACCEPTANCE_PHOTO_NEAR_DUPLICATE_DISTANCE"))
    item.duplicate_of_id = match[0][1] if match else None
    if match is None:
        return make_outcome(
            "authenticity.photo_duplicate",
            CheckResult.PASS,
            "本案件中没有与之相同或近似的照片。",
            "No identical or near-identical photo is in this case.",
            max_distance=distance,
        )
    (material_id, _item, _hash, name), found = match
    same = "相同" if found == 0 else "近似"
    return make_outcome(
        "authenticity.photo_duplicate",
        CheckResult.WARN,
        f"这张照片与本案件已有的“{name}”画面{same}（感知哈希相差 {found} 位），可能重复提交。"
        "如是同一场景的重复照片，请删去其一；如确需保留，请在说明中注明区别。",
        f"This photo looks {'identical' if found == 0 else 'nearly identical'} to {name!r} "
        f"already in this case (perceptual hashes {found} bits apart): probably a duplicate. "
        "Remove one, or say in the caption how they differ.",
        duplicate_of=material_id,
        duplicate_name=name,
        distance=found,
        max_distance=distance,
    )


# The first key of PostgreSQL's two-key advisory locks that serialise a case's photo checks.
PHOTO_CHECKS_LOCK = 0x50484F54  # "PHOT"


def _photo_checks_lock(case_id: int) -> None:
    """Hold, until the transaction ends, the lock a case's duplicate comparisons take in turn.

    A transaction-level advisory lock on PostgreSQL: the next check waits for this one's hash
    to commit, then reads it. Taken after the material's own row lock and nothing after it, so
    it closes no cycle with the one lock order (``services.materials.materials_lock``). SQLite
    has one writer at a time already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [PHOTO_CHECKS_LOCK, case_id]
            )


def _prefill_caption(item: MediaItem, detected_kind: FileKind) -> bool:
    """Fill the empty caption fields of a decoded photo or a recording from EXIF and from the
    node it was uploaded to (what needs no other item); False for anything else."""
    if item.phash:
        taken_at = exif_datetime(item.exif)
    elif detected_kind is FileKind.VIDEO:
        taken_at = None
    else:
        return False
    material = item.material
    if item.taken_at is None and taken_at is not None:
        # EXIF times carry no zone; cameras on site are set to local (Shanghai) time.
        item.taken_at = taken_at.replace(tzinfo=SHANGHAI)
    if not item.photographer:
        item.photographer = str(item.exif.get("artist", ""))[:100]
    if not item.place:
        item.place = material.case.project.location[:200]
    if material.node is not None and not item.group:
        item.group = f"{material.node.name_zh} {material.node.name_en}"[:100]
    if not item.background and material.node is not None:
        item.background = f"{material.case.project.name}：{material.node.name_zh}阶段"
    return True


def _recording(item: MediaItem, outcomes) -> list[CheckOutcome]:
    opened = next((o for o in outcomes if o.code == "usability.av_opens"), None)
    item.facts = dict(opened.detail) if opened else {}
    if opened is None or opened.result is CheckResult.FAIL:
        return []
    try:
        poster = poster_frame(Path(item.material.file.path), photo_rules().preview_size)
    except Exception as exc:  # a recording that plays its first frames may still fail to seek
        return [
            make_outcome(
                "usability.av_poster",
                CheckResult.WARN,
                "无法从视频中截取封面画面，文件后部可能损坏。请在浏览器中播放核对，必要时重新导出。",
                "No poster frame could be taken from the video: its later part may be damaged. "
                "Play it in the browser to check, and export it again if needed.",
                **error_detail(exc),
            )
        ]
    if poster is not None:
        _save_image(item.preview, "poster.jpg", poster)
        thumbnail = poster.copy()
        thumbnail.thumbnail((photo_rules().thumbnail_size,) * 2)
        _save_image(item.thumbnail, "poster-thumb.jpg", thumbnail)
    return []


def media_describe(*, case: Case, user, materials: list[int], changes: dict) -> int:
    """Set caption fields (``DESCRIBED_FIELDS``) on the selected photos and recordings.

    Only fields present in ``changes`` change; ``title`` is the material's title; ``number``
    numbers the selection from that number on, in its current order. Journaled as
    ``media.described``. Returns how many items changed.
    """
    if not media_may_describe(case, user):
        raise NotPermitted(
            "只有建设单位或正在审核的审核员可以编辑照片说明",
            "only the owner, or the reviewer during the AV review, can edit captions",
        )
    unknown = sorted(set(changes) - set(DESCRIBED_FIELDS))
    if unknown:
        raise NotPermitted(
            f"不能编辑这些字段：{'、'.join(unknown)}",
            f"these fields cannot be edited: {', '.join(unknown)}",
            fields=unknown,
        )
    with transaction.atomic(durable=True):
        items = list(
            MediaItem.objects.select_for_update()
            .filter(case=case, material__pk__in=materials)
            .select_related("material")
            .order_by("group", "number", "material__pk")
        )
        for position, item in enumerate(items):
            for name, value in changes.items():
                if name == "number":
                    item.number = value + position
                elif name == "title":
                    item.material.title = value
                    item.material.save(update_fields=("title",))
                else:
                    setattr(item, name, value)
            item.save()
        journal_append(
            chain=case.reference,
            kind="media.described",
            actor=user,
            payload={
                "materials": [item.material_id for item in items],
                "changes": {
                    name: value.isoformat() if isinstance(value, datetime) else value
                    for name, value in changes.items()
                },
            },
        )
    return len(items)


def media_review(*, case: Case, user, materials: list[int], verdict: str, comment: str = "") -> int:
    """A reviewer approves or returns the selected items (with a comment); journaled.

    Approving needs the item's checks passed; returning needs a comment saying what to fix.
    """
    if verdict not in ("approve", "return"):
        raise NotPermitted("审核意见只能是通过或退回", "the verdict must be approve or return")
    if verdict == "return" and not comment.strip():
        raise NotPermitted(
            "退回时请写明需要修改的内容", "say what must be corrected when returning an item"
        )
    _review_task(case, user)
    with transaction.atomic(durable=True):
        chosen = list(
            Material.objects.select_for_update()
            .filter(case=case, pk__in=materials, format_kind__in=(FileKind.PHOTO, FileKind.VIDEO))
            .exclude(status__in=Material.NOT_CURRENT)
            .order_by("pk")
        )
        refused = [m.original_name for m in chosen if verdict == "approve" and not _approvable(m)]
        if refused:
            raise NotPermitted(
                "检测未通过的文件不能审核通过，请退回：" + "、".join(refused),
                "files that failed their checks cannot be approved; return them: "
                + ", ".join(refused),
                files=refused,
            )
        for material in chosen:
            if verdict == "approve" and material.status != Material.Status.APPROVED:
                material.approve()
            elif verdict == "return":
                material.return_for_correction(comment.strip())
            material.save()
        journal_append(
            chain=case.reference,
            kind="media.reviewed",
            actor=user,
            payload={
                "verdict": verdict,
                "status": Material.Status.APPROVED
                if verdict == "approve"
                else Material.Status.RETURNED,
                "comment": comment.strip(),
                "materials": [m.pk for m in chosen],
                "names": [m.original_name for m in chosen],
            },
        )
    return len(chosen)


def _review_task(case: Case, user):
    """The case's open AV review task, which ``user`` must be allowed to complete."""
    return case_task_for(
        case,
        REVIEW_TASK,
        user,
        absent=(
            f"案件 {case.reference} 当前不在声像档案审核环节（没有待办的声像档案审核任务）",
            f"case {case.reference} is not waiting for the AV review now (no open review task)",
        ),
        denied=(
            "只有声像档案审核任务的办理人或审核员可以审核",
            "only the AV review task's assignee or a reviewer can review these items",
        ),
    )


def media_may_describe(case: Case, user) -> bool:
    """The owner's members describe their photos; the reviewer may correct during review."""
    if case.project.owner.members.filter(pk=user.pk).exists():
        return True
    task = case_open_task(case, REVIEW_TASK)
    return task is not None and can_work(user, task)


def _approvable(material: Material) -> bool:
    return material.status in (Material.Status.CHECKED, Material.Status.APPROVED)


def media_review_finish(*, case: Case, user):
    """Finish the AV review task with the verdict the item decisions add up to.

    Every current item must be decided: all approved gives ``approve``; any returned gives
    ``return`` with the returned files and comments as the owner's guidance.
    """
    _review_task(case, user)
    items = case.materials.current().filter(format_kind__in=(FileKind.PHOTO, FileKind.VIDEO))
    undecided = list(
        items.exclude(status__in=(Material.Status.APPROVED, Material.Status.RETURNED))
        .order_by("pk")
        .values_list("original_name", flat=True)
    )
    if undecided:
        raise CaseStateConflict(
            f"还有 {len(undecided)} 个文件未审核：" + "、".join(undecided[:10]),
            f"{len(undecided)} file(s) are not decided yet: " + ", ".join(undecided[:10]),
            files=undecided,
        )
    returned = list(items.filter(status=Material.Status.RETURNED).order_by("pk"))
    verdict = "return" if returned else "approve"
    comment = "；".join(f"{m.original_name}：{m.review_comment}" for m in returned)
    return case_task_complete(
        case=case,
        task_name=REVIEW_TASK,
        user=user,
        data={"media_verdict": verdict, "media_comment": comment},
    )
