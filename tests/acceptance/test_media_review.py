"""The AV branch as a reviewer and an owner live it: intake, gallery, decisions, the loop.

A real case runs through the BPMN process: the check_media service task examines the generated
site photo (a 2048×1536 JPEG with EXIF) and the sample H.264 video, makes derivatives and
prefills captions; the reviewer works the gallery page; finishing the review completes the
media_review task with the verdict the item decisions add up to.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pillow_heif
import pytest
from django.core.files import File
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from acceptance.models import CatalogItem, Material, MediaItem
from acceptance.services.intake import material_intake_check
from acceptance.services.materials import material_upload
from workflows.inbox import task_claim, task_delegate, task_resolve

from .conftest import CaseFlow, make_user, statuses_as_journaled, statuses_stored

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def gallery_url(flow: CaseFlow, **query) -> str:
    url = reverse("acceptance:media_gallery", args=[flow.case.reference])
    return url + ("?" + urlencode(query) if query else "")


def media_url(flow: CaseFlow, name: str, *args) -> str:
    return reverse(f"acceptance:{name}", args=[flow.case.reference, *args])


def fresh(material: Material) -> Material:
    return Material.objects.get(pk=material.pk)


def texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def reviewing(open_case) -> CaseFlow:
    """A case whose AV records were checked and wait for the reviewer's media_review."""
    flow = open_case()
    flow.prefile()
    flow.apply()
    assert "media_review" in flow.open_tasks()
    return flow


def test_intake_checks_the_photo_makes_upright_derivatives_and_prefills_its_caption(reviewing):
    photo = reviewing.current("E3-1")
    assert photo.status == Material.Status.CHECKED
    codes = {o["code"]: o["result"] for o in photo.check_report["outcomes"]}
    assert codes["usability.photo_resolution"] == "pass"
    assert codes["authenticity.photo_exif"] == "pass"
    assert codes["authenticity.photo_period"] == "pass"
    assert codes["authenticity.photo_duplicate"] == "pass"
    media = photo.media
    assert len(media.phash) == 16
    with Image.open(media.thumbnail.path) as thumb, Image.open(media.preview.path) as preview:
        assert max(thumb.size) == 320 and max(preview.size) == 1280
    assert media.exif["make"] and media.exif["model"]
    # EXIF time 2025-06-02 09:00 on the camera is Shanghai time.
    assert media.taken_at == datetime(2025, 6, 2, 9, 0, tzinfo=SHANGHAI)
    assert media.place == reviewing.case.project.location
    assert media.group.startswith(photo.node.name_zh) and media.number == 1
    # The original is kept byte for byte.
    assert photo.sha256 == hashlib.sha256(Path(photo.file.path).read_bytes()).hexdigest()

    video = reviewing.current("E3-2")
    assert video.media.facts["streams"][0]["codec"] == "h264"
    assert video.media.preview  # the poster frame
    quality = next(o for o in video.check_report["outcomes"] if o["code"] == "usability.av_quality")
    assert quality["result"] == "warn" and "Mbit/s" in quality["message_en"]


def test_the_gallery_shows_tiles_badges_and_serves_thumbnails_and_ranged_video(reviewing, client):
    client.force_login(reviewing.reviewer)
    response = client.get(gallery_url(reviewing))
    assert response.status_code == 200
    page = response.content.decode()
    assert "声像档案审核" in page and "E3" not in texts(response)
    assert len(response.context["items"]) == 2
    assert response.context["can_review"] is True

    photo, video = reviewing.current("E3-1"), reviewing.current("E3-2")
    node, group = photo.node, photo.media.group
    assert len(client.get(gallery_url(reviewing, node=node.code)).context["items"]) == 2
    assert client.get(gallery_url(reviewing, node="no-such-node")).context["items"] == []
    by_group = client.get(gallery_url(reviewing, group=group))
    assert [item.material.pk for item in by_group.context["items"]] == [photo.pk, video.pk]
    warned = client.get(gallery_url(reviewing, show="warnings")).context["items"]
    assert [item.material.pk for item in warned] == [video.pk]  # its bit rate is below 8 Mbit/s
    thumb = client.get(media_url(reviewing, "media_file", photo.pk, "thumbnail"))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"

    original = Path(video.file.path).read_bytes()
    part = client.get(
        media_url(reviewing, "media_file", video.pk, "original"), HTTP_RANGE="bytes=100-199"
    )
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(original)}"
    assert b"".join(part.streaming_content) == original[100:200]
    whole = client.get(media_url(reviewing, "media_file", video.pk, "original"))
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Type"] == "video/mp4"
    assert b"".join(whole.streaming_content) == original
    beyond = client.get(
        media_url(reviewing, "media_file", video.pk, "original"),
        HTTP_RANGE=f"bytes={len(original)}-",
    )
    assert beyond.status_code == 416


def test_a_returned_photo_loops_back_to_the_owner_until_the_set_is_approved(reviewing, client):
    flow = reviewing
    client.force_login(flow.reviewer)
    photo, video = flow.current("E3-1"), flow.current("E3-2")
    decide = media_url(flow, "media_decide")

    refused = client.post(decide, {"materials": [photo.pk], "verdict": "return"}, follow=True)
    assert any("退回时请写明" in text for text in texts(refused))
    assert fresh(photo).status == Material.Status.CHECKED

    client.post(
        decide, {"materials": [photo.pk], "verdict": "return", "comment": "照片模糊，请重拍"}
    )
    early = client.post(media_url(flow, "media_finish"), follow=True)
    assert any("未审核" in text and video.original_name in text for text in texts(early))
    assert "media_review" in flow.open_tasks()

    client.post(decide, {"materials": [video.pk], "verdict": "approve"})
    assert fresh(photo).status == Material.Status.RETURNED
    assert fresh(video).status == Material.Status.APPROVED
    assert statuses_as_journaled(flow) == statuses_stored(flow)
    reviewed = flow.journal("media.reviewed")
    assert [entry.payload["verdict"] for entry in reviewed] == ["return", "approve"]
    assert reviewed[0].payload["comment"] == "照片模糊，请重拍"

    done = client.post(media_url(flow, "media_finish"), follow=True)
    panel = render_to_string(
        "workflows/panels/media_resubmit.html",
        {"task": flow.task("media_resubmit"), "case": flow.case, "request": None},
    )
    assert photo.original_name in panel and "照片模糊，请重拍" in panel
    assert video.original_name not in panel
    assert any("退回 1 项" in text for text in texts(done))
    assert "media_resubmit" in flow.open_tasks()
    # The video the reviewer approved stays approved; only the photo goes back.
    assert fresh(video).status == Material.Status.APPROVED
    assert "照片模糊，请重拍" in flow.task("media_resubmit").context["media_comment"]

    flow.upload("E3-1", variant=2, supersedes=fresh(photo))
    flow.complete("media_resubmit")
    assert "media_review" in flow.open_tasks()
    current = [
        m.pk for m in flow.case.materials.current().filter(format_kind__in=("photo", "video"))
    ]
    client.post(decide, {"materials": current, "verdict": "approve"})
    client.post(media_url(flow, "media_finish"))
    flow.review("drawing_review", drawing_verdict="approve")
    assert flow.open_tasks() == ["acceptance_decision"]
    verdicts = [
        e.payload["data"]["media_verdict"]
        for e in flow.journal("task.completed")
        if e.task_name == "media_review"
    ]
    assert verdicts == ["return", "approve"]


def test_a_delegate_reviews_the_items_and_the_tasks_owner_finishes_the_review(reviewing, client):
    flow = reviewing
    review = flow.task("media_review")
    task_claim(task_id=review.task_id, user=flow.reviewer)
    delegate = make_user("reviewer_two", "reviewers")
    task_delegate(task_id=review.task_id, user=flow.reviewer, delegate=delegate, reason="休假")
    client.force_login(delegate)
    gallery = client.get(gallery_url(flow)).content.decode()
    assert 'id="finish"' not in gallery  # the owner finishes the review

    items = [flow.current("E3-1").pk, flow.current("E3-2").pk]
    client.post(media_url(flow, "media_decide"), {"materials": items, "verdict": "approve"})
    assert {fresh(m).status for m in Material.objects.filter(pk__in=items)} == {
        Material.Status.APPROVED
    }
    refused = client.post(media_url(flow, "media_finish"), follow=True)
    assert any("该任务已委托 reviewer_two 办理" in text for text in texts(refused))
    assert "media_review" in flow.open_tasks()

    task_resolve(task_id=review.task_id, user=delegate, note="照片和视频均已审核通过")
    client.force_login(flow.reviewer)
    assert 'id="finish"' in client.get(gallery_url(flow)).content.decode()
    client.post(media_url(flow, "media_finish"))
    assert "media_review" not in flow.open_tasks()


def test_a_photo_that_failed_its_checks_cannot_be_approved(reviewing, client):
    photo = reviewing.current("E3-1")
    report = dict(photo.check_report)
    report["outcomes"] = [
        *report["outcomes"],
        {
            "code": "usability.image_opens",
            "result": "fail",
            "property": "usability",
            "message_zh": "损坏",
            "message_en": "damaged",
            "detail": {},
        },
    ]
    photo.fail_checks(report)
    photo.save()
    client.force_login(reviewing.reviewer)
    response = client.post(
        media_url(reviewing, "media_decide"),
        {"materials": [photo.pk], "verdict": "approve"},
        follow=True,
    )
    assert any("检测未通过的文件不能审核通过" in text for text in texts(response))
    assert fresh(photo).status == Material.Status.CHECK_FAILED
    failed = client.get(gallery_url(reviewing, show="failed"))
    assert [item.material.pk for item in failed.context["items"]] == [photo.pk]


def test_bulk_caption_editing_changes_only_the_filled_fields_and_is_journaled(reviewing, client):
    photo, video = reviewing.current("E3-1"), reviewing.current("E3-2")
    place_before = photo.media.place
    client.force_login(reviewing.owner)
    missing = client.get(gallery_url(reviewing, show="uncaptioned"))
    assert {i.material.pk for i in missing.context["items"]} == {photo.pk, video.pk}
    assert missing.context["can_review"] is False and missing.context["can_describe"] is True
    not_theirs = client.post(
        media_url(reviewing, "media_decide"),
        {"materials": [photo.pk], "verdict": "approve"},
        follow=True,
    )
    assert any("只有声像档案审核任务的办理人或审核员" in text for text in texts(not_theirs))
    assert fresh(photo).status == Material.Status.CHECKED
    response = client.post(
        media_url(reviewing, "media_describe"),
        {
            "materials": [photo.pk, video.pk],
            "people": "项目经理 张三",
            "photographer": "李四",
            "taken_at": "2025-06-03T10:15",
            "group": "主体结构 main structure",
            "number": "5",
        },
        follow=True,
    )
    assert any("已更新 2 项说明" in text for text in texts(response))
    for material in (photo, video):
        media = MediaItem.objects.get(material=material)
        assert media.people == "项目经理 张三" and media.photographer == "李四"
        assert media.taken_at == datetime(2025, 6, 3, 10, 15, tzinfo=SHANGHAI)
    assert MediaItem.objects.get(material=photo).place == place_before
    numbered = MediaItem.objects.filter(group="主体结构 main structure").order_by("number")
    assert [(m.material_id, m.number) for m in numbered] == [(photo.pk, 5), (video.pk, 6)]
    bad = client.post(
        media_url(reviewing, "media_describe"),
        {"materials": [photo.pk], "number": "-2"},
        follow=True,
    )
    assert any("张号格式不正确" in text for text in texts(bad))
    (entry,) = reviewing.journal("media.described")
    assert entry.payload["changes"]["people"] == "项目经理 张三"

    auditor = make_user("auditor_media", "auditors")
    client.force_login(auditor)
    refused = client.post(
        media_url(reviewing, "media_describe"), {"materials": [photo.pk], "people": "x"}
    )
    assert refused.status_code == 403  # auditors change nothing
    assert MediaItem.objects.get(material=photo).people == "项目经理 张三"

    # Place, group and background came from the project and node, the rest from the edit.
    client.force_login(reviewing.reviewer)
    uncaptioned = client.get(gallery_url(reviewing, show="uncaptioned"))
    assert uncaptioned.context["items"] == []


def test_a_near_duplicate_photo_is_flagged_and_filtered(open_case, tmp_path, client):
    flow = open_case()
    original = flow.current("E3-1")
    # The same picture saved again at another quality: other bytes, the same perceptual hash.
    with Image.open(original.file.path) as image:
        copy = tmp_path / "copy.jpg"
        image.save(copy, "JPEG", quality=70, exif=image.getexif())
    with copy.open("rb") as handle:
        duplicate = material_upload(
            case=flow.case,
            user=flow.owner,
            catalog_item=CatalogItem.objects.get(code="E3-1"),
            node=flow.filing_node,
            file=File(handle),
            name="copy.jpg",
        )
    flow.prefile()
    flow.apply()
    duplicate = fresh(duplicate)
    outcome = next(
        o for o in duplicate.check_report["outcomes"] if o["code"] == "authenticity.photo_duplicate"
    )
    assert outcome["result"] == "warn"
    assert outcome["detail"]["duplicate_name"] == original.original_name
    assert duplicate.media.duplicate_of.material_id == original.pk
    client.force_login(flow.reviewer)
    shown = client.get(gallery_url(flow, show="duplicates"))
    assert [item.material.pk for item in shown.context["items"]] == [duplicate.pk]


def test_a_duplicate_is_flagged_whichever_photo_is_checked_first(open_case, tmp_path):
    """The intake checks of two uploads run in parallel on the workers, in either order."""
    flow = open_case(upload=False)
    with Image.open(flow.samples.path(CatalogItem.objects.get(code="E3-1"))) as image:
        first, second = tmp_path / "现场-1.jpg", tmp_path / "现场-2.jpg"
        image.save(first, "JPEG", quality=90, exif=image.getexif())
        image.save(second, "JPEG", quality=70, exif=image.getexif())
    photos = []
    for path in (first, second):
        with path.open("rb") as handle:
            photos.append(
                material_upload(
                    case=flow.case,
                    user=flow.owner,
                    catalog_item=CatalogItem.objects.get(code="E3-1"),
                    node=flow.filing_node,
                    file=File(handle),
                    name=path.name,
                )
            )
    # Both uploads committed, neither job has run yet: the upload ran the first one at once.
    Material.objects.filter(pk__in=[p.pk for p in photos]).update(
        status=Material.Status.RECEIVED, check_report={}
    )
    MediaItem.objects.filter(material__in=photos).update(phash="", duplicate_of=None)
    for photo in reversed(photos):  # the later upload's job happens to run first
        material_intake_check(material_id=photo.pk)

    flagged = [photo for photo in map(fresh, photos) if photo.media.duplicate_of is not None]
    assert [photo.original_name for photo in flagged] == ["现场-1.jpg"]
    assert flagged[0].media.duplicate_of.material_id == photos[1].pk


def test_the_photo_catalog_exports_as_xlsx_and_pdf_with_thumbnails(reviewing, client):
    client.force_login(reviewing.reviewer)
    photo = reviewing.current("E3-1")
    xlsx = client.get(media_url(reviewing, "photo_catalog", "xlsx"))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[2][:4] == ["组号", "张号", "缩略图", "题名"]
    assert rows[4][3] == photo.title and rows[4][4] == "2025-06-02 09:00"
    assert len(sheet._images) == 1

    pdf = client.get(media_url(reviewing, "photo_catalog", "pdf"))
    assert pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = reader.pages[0].extract_text()
    assert "照片档案目录" in text and photo.title[:6] in text
    assert len(reader.pages[0].images) == 1


def test_the_task_panel_links_to_the_gallery(reviewing, rf):
    task = reviewing.task("media_review")
    html = render_to_string(
        "workflows/panels/media_review.html",
        {"task": task, "case": reviewing.case, "request": rf.get("/")},
    )
    assert gallery_url(reviewing) in html
    assert "共 2 项" in html and "待审核 2" in html


def test_a_truncated_photo_fails_clearly_and_a_heic_photo_is_taken_in_with_derivatives(
    open_case, tmp_path, client
):
    flow = open_case()
    good = Path(flow.current("E3-1").file.path).read_bytes()
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(good[: len(good) // 2])
    phone = tmp_path / "phone.heic"
    with Image.open(flow.current("E3-1").file.path) as picture:
        heif = pillow_heif.from_pillow(picture.rotate(180))
        heif.save(phone, quality=60, exif=picture.getexif().tobytes())
    uploaded = {}
    for path in (truncated, phone):
        with path.open("rb") as handle:
            uploaded[path.name] = material_upload(
                case=flow.case,
                user=flow.owner,
                catalog_item=CatalogItem.objects.get(code="E3-1"),
                node=flow.filing_node,
                file=File(handle),
                name=path.name,
            )
    flow.prefile()
    flow.apply()
    assert flow.task("media_review").context["media_check"]["failed"] == ["cut.jpg"]

    cut = fresh(uploaded["cut.jpg"])
    assert cut.status == Material.Status.CHECK_FAILED
    (opened,) = [o for o in cut.check_report["outcomes"] if o["code"] == "usability.image_opens"]
    assert opened["result"] == "fail" and "截断" in opened["message_zh"]
    assert not cut.media.thumbnail
    assert Path(cut.file.path).read_bytes() == good[: len(good) // 2]  # kept as received

    heic = fresh(uploaded["phone.heic"])
    assert heic.status == Material.Status.CHECKED and heic.detected_format == "heic"
    with Image.open(heic.media.thumbnail.path) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320

    client.force_login(flow.reviewer)
    page = client.get(gallery_url(flow)).content.decode()
    # The structure check (no JPEG end marker) and the decode both fail it.
    assert "✗ 2 未通过 failed" in page and "无预览 no preview" in page
