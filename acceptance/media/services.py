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
    item.save()
    return material_checks_record(material, report, outcomes, checks=MEDIA_CHECKS)


def media_set_complete(materials: list[Material]) -> None:
    """What each of ``materials`` (checked ``with_set=False``) needs of the rest of the case.

    In ``pk`` order, as one serial check of the set would: a photo is compared with the case's
    photos checked before it (not with the set's later ones, whose own comparison finds it),
    and caption numbers follow on in that order. The duplicate outcome is added to the
    material's recorded checks (a warning at most: whether it passed does not change). The
    case's hashes and group numbers are read once for the set (``CaseMedia``), the rows written
    in bulk: a set of a thousand photos completes in a few statements.
    """
    if not materials:
        return
    # Locked as a caption edit locks them (``media_describe``): neither loses the other's.
    items = {
        item.material_id: item
        for item in MediaItem.objects.select_for_update(of=("self",))
        .select_related("material__case__project", "material__node")
        .filter(material__in=materials)
        .order_by("material_id")
    }
    case_media = CaseMedia(materials[0].case_id)
    later = {material.pk for material in materials}
    reported = []
    for material in sorted(materials, key=lambda m: m.pk):
        later.discard(material.pk)
        kind = FileKind(material.check_report["detected_kind"])
        added = [
            outcome.as_dict()
            for outcome in _in_set(items[material.pk], kind, case_media, not_yet=later)
        ]
        if added:
            report = material.check_report
            outcomes = [*report["outcomes"], *added]
            material.check_report = {
                **report,
                "outcomes": outcomes,
                "properties": summarize_properties(outcomes),
            }
            reported.append(material)
    MediaItem.objects.bulk_update(items.values(), IN_SET_FIELDS, batch_size=500)
    Material.objects.bulk_update(reported, ("check_report",), batch_size=500)


# What ``_in_set`` writes on an item.
IN_SET_FIELDS = (
    "duplicate_of",
    "taken_at",
    "photographer",
    "place",
    "group",
    "background",
    "number",
)


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


def _in_set(
    item: MediaItem, detected_kind: FileKind, case_media: CaseMedia, not_yet: set[int] = frozenset()
) -> list[CheckOutcome]:
    """The checks and prefill that read the case's other items: a decoded photo (it has a
    perceptual hash) is compared and captioned, a recording captioned. ``not_yet``: materials
    of the same set whose turn is still to come."""
    if item.phash:
        outcome = _duplicates(item, case_media, not_yet)
        _prefill_caption(item, exif_datetime(item.exif), case_media)
        return [outcome]
    if detected_kind is FileKind.VIDEO:
        _prefill_caption(item, None, case_media)
    return []


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


def _duplicates(item: MediaItem, case_media: CaseMedia, not_yet: set[int]) -> CheckOutcome:
    """``authenticity.photo_duplicate``: the same or nearly the same picture already in the case.

    The photos of a case are checked by intake jobs running in parallel and in any order, so
    the photo checked second is the one flagged, whichever was uploaded first: it is compared
    with every photo of the case checked before it (``CaseMedia.photos``), the first identical
    one in upload order, else the nearest. Compared in Python on the case's hashes only (a few
    thousand 64-bit integers at most).
    """
    distance = int(setting("ACCEPTANCE_PHOTO_NEAR_DUPLICATE_DISTANCE"))
    mine = int(item.phash, 16)
    match, found = None, distance + 1
    for other in case_media.photos:
        if other[0] == item.material_id or other[0] in not_yet:
            continue
        bits = (mine ^ other[2]).bit_count()
        if bits < found:
            match, found = other, bits
            if bits == 0:
                break
    item.duplicate_of_id = match[1] if match else None
    if match is None:
        return make_outcome(
            "authenticity.photo_duplicate",
            CheckResult.PASS,
            "本案件中没有与之相同或近似的照片。",
            "No identical or near-identical photo is in this case.",
            max_distance=distance,
        )
    material_id, _item, _hash, name = match
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


def _prefill_caption(item: MediaItem, taken_at: datetime | None, case_media: CaseMedia) -> None:
    """Fill empty caption fields from EXIF and from the node the photo was uploaded to."""
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
    if item.number is None:
        item.number = case_media.next_number(item)


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
