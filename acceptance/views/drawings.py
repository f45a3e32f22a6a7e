"""The drawing review pages (数字化审图): the reviewer's drawing set and the owner's resubmission.

A reviewer sees one drawing at a time beside a compact list of the set, drawn in the browser from
the DXF itself (``static/acceptance/drawing_review.js`` with the vendored dxf-viewer), its
findings listed and framed on the drawing, and approves or returns it with a comment; once every
drawing has a verdict, finishing completes the ``drawing_review`` task. The owner sees the same
findings, uploads new versions of returned drawings and then completes ``drawing_resubmit``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from workflows.exceptions import WorkflowError

from ..conf import setting
from ..drawings.index import MAX_BYTES
from ..exceptions import NotPermitted
from ..models import Case, Material
from ..selectors.cases import case_open_task, cases_visible_to
from ..selectors.drawings import (
    case_drawing_index,
    case_drawings,
    drawing_browser_readable,
    drawing_index_findings,
    drawing_marks,
    drawing_preview_dir,
    drawing_set,
    drawing_spaces,
    drawing_text_encoding,
)
from ..services.cases import case_task_complete
from ..services.drawings import (
    RESUBMIT_TASK,
    REVIEW_TASK,
    drawing_index_supply,
    drawing_review_finish,
    drawing_verdict,
)
from ..services.materials import material_upload

PREVIEW_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}


def _case(request, reference: str) -> Case:
    return get_object_or_404(cases_visible_to(request.user), reference=reference)


def _drawing(case: Case, pk: int) -> Material:
    return get_object_or_404(case_drawings(case), pk=pk)


def _is_owner(case: Case, user) -> bool:
    return case.project.owner.members.filter(pk=user.pk).exists()


def _back(case: Case, anchor: str = "", drawing: Material | None = None):
    response = redirect("acceptance:drawings", reference=case.reference)
    if drawing is not None:
        response["Location"] += f"?drawing={drawing.pk}"
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _refused(request, error: WorkflowError) -> None:
    messages.error(request, f"{error.message_zh} / {error.message_en}")


@login_required
@require_GET
def drawing_set_page(request, reference: str):
    case = _case(request, reference)
    review_task = case_open_task(case, REVIEW_TASK)
    resubmit_task = case_open_task(case, RESUBMIT_TASK)
    rows = drawing_set(case)
    is_owner = _is_owner(case, request.user)
    current = _current_row(rows, request.GET.get("drawing"))
    return render(
        request,
        "acceptance/drawings/drawing_set.html",
        {
            "case": case,
            "rows": rows,
            "current": current,
            "viewer": current and _viewer_config(request, case, current),
            "review_task": review_task,
            "resubmit_task": resubmit_task,
            "can_decide": review_task is not None
            and request.user.groups.filter(pk=review_task.role_id).exists(),
            "can_resubmit": resubmit_task is not None and is_owner,
            "undecided": sum(1 for row in rows if not row.decided),
            "is_owner": is_owner,
            "drawing_index": case_drawing_index(case),
            "index_findings": drawing_index_findings(case),
        },
    )


def _current_row(rows, wanted: str | None):
    """The drawing asked for, else the first one still waiting for a verdict, else the first."""
    for row in rows:
        if str(row.material.pk) == wanted:
            return row
    return next((row for row in rows if not row.decided), rows[0] if rows else None)


def _viewer_config(request, case: Case, row) -> dict:
    """What the page's script needs to draw the drawing and frame its findings (json_script)."""
    material = row.material
    readable = drawing_browser_readable(material)
    spaces = drawing_spaces(material)
    return {
        "file": reverse("acceptance:drawing_file", args=[case.reference, material.pk])
        if readable
        else None,
        "encoding": drawing_text_encoding(material) if readable else "utf-8",
        "fonts": [static(path) for path in setting("ACCEPTANCE_DRAWING_VIEWER_FONTS")],
        "worker": static("acceptance/vendor/dxf-viewer/dxf-worker.js"),
        "spaces": spaces,
        "marks": drawing_marks(row.findings, spaces),
    }


@login_required
@require_GET
def drawing_file(request, reference: str, pk: int):
    """The drawing's DXF for the browser viewer, read by those who may read the case."""
    material = _drawing(_case(request, reference), pk)
    return FileResponse(
        material.file.open("rb"), content_type="application/dxf", filename=material.original_name
    )


@login_required
@require_GET
def drawing_preview(request, reference: str, pk: int, name: str):
    case = _case(request, reference)
    material = _drawing(case, pk)
    folder = drawing_preview_dir(material)
    path = folder / name
    # Only files the renderer wrote, by their bare name: no way out of the folder.
    if path.parent != folder or path.suffix not in PREVIEW_TYPES or not path.is_file():
        raise Http404("no such preview")
    return FileResponse(path.open("rb"), content_type=PREVIEW_TYPES[path.suffix])


@login_required
@require_POST
def drawing_decide(request, reference: str, pk: int):
    case = _case(request, reference)
    material = _drawing(case, pk)
    verdict = request.POST.get("verdict")
    if verdict not in ("approve", "return"):
        messages.error(request, "请选择“批准”或“退回” / choose approve or return")
        return _back(case, drawing=material)
    try:
        drawing_verdict(
            material=material,
            user=request.user,
            approve=verdict == "approve",
            comment=request.POST.get("comment", ""),
        )
    except WorkflowError as error:
        _refused(request, error)
        return _back(case, drawing=material)
    return _back(case, drawing=_next_undecided(case, material))


def _next_undecided(case: Case, after: Material) -> Material:
    """After a verdict the page moves on to the next drawing still waiting for one."""
    drawings = list(case_drawings(case))
    position = next((n for n, m in enumerate(drawings) if m.pk == after.pk), 0)
    for material in drawings[position + 1 :] + drawings[:position]:
        if material.status not in (Material.Status.APPROVED, Material.Status.RETURNED):
            return material
    return after


@login_required
@require_POST
def drawing_review_complete(request, reference: str):
    case = _case(request, reference)
    try:
        drawing_review_finish(case=case, user=request.user)
    except WorkflowError as error:
        _refused(request, error)
        return _back(case)
    messages.success(request, "审图已完成 / the drawing review is complete")
    return _back(case)


@login_required
@require_POST
def drawing_upload_version(request, reference: str, pk: int):
    """The owner uploads a new version of a returned drawing."""
    case = _case(request, reference)
    material = _drawing(case, pk)
    upload = request.FILES.get("file")
    try:
        if case_open_task(case, RESUBMIT_TASK) is None:
            raise NotPermitted(
                "当前不在重新提交竣工图的环节",
                "the case is not waiting for resubmitted drawings now",
            )
        if upload is None:
            raise NotPermitted("请选择要上传的 DXF 文件", "choose the DXF file to upload")
        material_upload(
            case=case,
            user=request.user,
            catalog_item=material.catalog_item,
            file=upload,
            name=upload.name,
            node=material.node,
            supersedes=material,
            document_number=material.document_number,
        )
    except WorkflowError as error:
        _refused(request, error)
        return _back(case, drawing=material)
    messages.success(request, f"已上传新版本 / new version uploaded: {upload.name}")
    return _back(case)


@login_required
@require_POST
def drawing_resubmit_complete(request, reference: str):
    case = _case(request, reference)
    try:
        if not _is_owner(case, request.user):
            raise NotPermitted(
                "只有建设单位可以提交修改后的竣工图",
                "only the owner can resubmit the drawings",
            )
        case_task_complete(case=case, task_name=RESUBMIT_TASK, user=request.user)
    except WorkflowError as error:
        _refused(request, error)
        return _back(case)
    messages.success(request, "已重新提交，等待自动审查与审图 / resubmitted for checks and review")
    return _back(case)


@login_required
@require_POST
def drawing_index_upload(request, reference: str):
    """The owner supplies the drawing index (图纸目录) the set review compares sheets with."""
    case = _case(request, reference)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise NotPermitted(
                "请选择图纸目录文件（CSV 或 XLSX）", "choose the drawing index file (CSV or XLSX)"
            )
        # Read one byte past the limit, never the whole of an oversized upload.
        data = upload.read(MAX_BYTES + 1)
        entries = drawing_index_supply(
            case=case, user=request.user, data=data, filename=upload.name
        )
    except WorkflowError as error:
        _refused(request, error)
        return _back(case, "drawing-index")
    messages.success(
        request,
        f"已提交图纸目录，共 {len(entries)} 条 / drawing index supplied: {len(entries)} entries",
    )
    return _back(case, "drawing-index")
