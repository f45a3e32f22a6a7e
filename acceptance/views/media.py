"""The audio-visual review gallery (声像档案审核): tiles, filters, lightbox, decisions, catalog.

Server-rendered, login required; a case one may not see answers 404. Originals are served as
stored (byte for byte) with HTTP Range support so a browser can seek in a video; derivatives
(thumbnail, preview, poster) are served from their own files.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from workflows.exceptions import WorkflowError
from workflows.inbox import can_complete, can_work

from ..exports.photos import photo_catalog_pdf, photo_catalog_xlsx
from ..media.selectors import (
    FILTERS,
    gallery_items,
    media_groups,
    media_materials,
    photo_catalog_items,
    review_summary,
)
from ..media.services import (
    REVIEW_TASK,
    media_describe,
    media_may_describe,
    media_review,
    media_review_finish,
)
from ..models import Case
from ..selectors.cases import case_open_task, cases_visible_to
from .cases import XLSX

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK_BYTES = 512 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "heic": "image/heic",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "aac": "audio/aac",
    "m4a": "audio/mp4",
}
TEXT_FIELDS = ("title", "place", "people", "background", "photographer", "group")


def _case(request, reference: str) -> Case:
    return get_object_or_404(cases_visible_to(request.user), reference=reference)


def _back(reference: str, query: str) -> str:
    url = reverse("acceptance:media_gallery", args=[reference])
    return f"{url}?{query}" if query else url


def _error(request, exc: WorkflowError) -> None:
    messages.error(request, f"{exc.message_zh} / {exc.message_en}")


@login_required
@require_GET
def gallery(request, reference: str):
    """The gallery: ``?show=failed|warnings|duplicates|uncaptioned|undecided``, ``node``, ``group``."""
    case = _case(request, reference)
    show = request.GET.get("show", "")
    node = request.GET.get("node", "")
    group = request.GET.get("group", "")
    task = case_open_task(case, REVIEW_TASK)
    filters = {"show": show, "node": node, "group": group}
    return render(
        request,
        "acceptance/media/gallery.html",
        {
            "case": case,
            "items": gallery_items(
                case, show=show if show in FILTERS else "", node=node, group=group
            ),
            "summary": review_summary(case),
            "filters": FILTERS,
            "current": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "groups": media_groups(case),
            "nodes": case.project.nodes.order_by("position"),
            "task": task,
            "can_review": task is not None and can_work(request.user, task),
            # A delegate reviews the items; the task's owner finishes the review.
            "can_finish": task is not None and can_complete(request.user, task),
            "can_describe": media_may_describe(case, request.user),
        },
    )


@login_required
@require_GET
def media_file(request, reference: str, material: int, variant: str):
    """The original (``original``, with Range support) or a derivative of one item."""
    case = _case(request, reference)
    item = get_object_or_404(media_materials(case), pk=material)
    if variant == "original":
        return ranged_file_response(request, item)
    media = getattr(item, "media", None)
    field = {"thumbnail": "thumbnail", "preview": "preview"}.get(variant)
    if field is None or media is None or not getattr(media, field):
        raise Http404("no such derivative")
    response = FileResponse(getattr(media, field).open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


def ranged_file_response(request, material) -> HttpResponse:
    """The stored original, whole or the byte range asked for (RFC 9110 single ranges)."""
    size = material.size
    content_type = CONTENT_TYPES.get(material.detected_format, "application/octet-stream")
    match = RANGE.match(request.headers.get("Range", "").strip())
    start, end = 0, size - 1
    status = 200
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:  # a suffix range: the last N bytes
            start = max(0, size - int(last))
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        status = 206
    handle = material.file.open("rb")
    handle.seek(start)
    response = StreamingHttpResponse(
        _read_range(handle, end - start + 1), status=status, content_type=content_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = f'inline; filename="{material.sha256[:12]}"'
    return response


def _read_range(handle, length: int):
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK_BYTES, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _selected(request) -> list[int]:
    return [int(value) for value in request.POST.getlist("materials") if value.isdigit()]


@login_required
@require_POST
def decide(request, reference: str):
    """Approve or return the selected items with a comment."""
    case = _case(request, reference)
    selected = _selected(request)
    query = request.POST.get("query", "")
    if not selected:
        messages.error(request, "请先选择要审核的照片或视频 / select the items to decide first")
        return redirect(_back(reference, query))
    verdict = request.POST.get("verdict", "")
    try:
        count = media_review(
            case=case,
            user=request.user,
            materials=selected,
            verdict=verdict,
            comment=request.POST.get("comment", ""),
        )
    except WorkflowError as exc:
        _error(request, exc)
    else:
        label = "通过 approved" if verdict == "approve" else "退回 returned"
        messages.success(request, f"已{label} {count} 项 / {count} item(s) {label.split()[-1]}")
    return redirect(_back(reference, query))


@login_required
@require_POST
def describe(request, reference: str):
    """Set the caption fields filled in the form on every selected item (bulk editing)."""
    case = _case(request, reference)
    selected = _selected(request)
    query = request.POST.get("query", "")
    changes: dict = {
        name: request.POST[name].strip()
        for name in TEXT_FIELDS
        if request.POST.get(name, "").strip()
    }
    try:
        if request.POST.get("taken_at"):
            changes["taken_at"] = datetime.fromisoformat(request.POST["taken_at"]).replace(
                tzinfo=SHANGHAI
            )
        if request.POST.get("number"):
            changes["number"] = int(request.POST["number"])
            if changes["number"] < 1:
                raise ValueError("numbers start at 1")
    except ValueError:
        messages.error(
            request,
            "时间或张号格式不正确（时间如 2025-06-01T09:30，张号为正整数） / "
            "the time or number is malformed (time like 2025-06-01T09:30, number a whole number)",
        )
        return redirect(_back(reference, query))
    if not selected or not changes:
        messages.error(
            request,
            "请选择照片并填写至少一项说明 / select photos and fill in at least one caption field",
        )
        return redirect(_back(reference, query))
    try:
        count = media_describe(case=case, user=request.user, materials=selected, changes=changes)
    except WorkflowError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"已更新 {count} 项说明 / {count} caption(s) updated")
    return redirect(_back(reference, query))


@login_required
@require_POST
def finish(request, reference: str):
    """Complete the AV review task with the verdict the item decisions add up to."""
    case = _case(request, reference)
    try:
        media_review_finish(case=case, user=request.user)
    except WorkflowError as exc:
        _error(request, exc)
        return redirect(_back(reference, request.POST.get("query", "")))
    summary = review_summary(case)
    if summary["returned"]:
        messages.success(
            request,
            f"声像档案审核已完成：退回 {summary['returned']} 项，已通知建设单位重新提交 / "
            f"AV review finished: {summary['returned']} item(s) returned to the owner",
        )
    else:
        messages.success(
            request,
            "声像档案审核已完成：全部通过 / AV review finished: every item approved",
        )
    return redirect(_back(reference, ""))


@login_required
@require_GET
def photo_catalog(request, reference: str, fmt: str):
    """照片档案目录 as PDF or XLSX, with thumbnails."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404("format must be pdf or xlsx")
    case = _case(request, reference)
    items = photo_catalog_items(case)
    if fmt == "pdf":
        content, content_type = photo_catalog_pdf(case, items), "application/pdf"
    else:
        content, content_type = photo_catalog_xlsx(case, items), XLSX
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="photos-{case.reference}.{fmt}"'
    return response
