"""Bulk intake page (批量上传): a folder or a zip of a node's records, matched, confirmed, stored.

The owner chooses a node and a folder, several files or a zip. The page asks the server to
match each file to a catalog item (by the code or the name in its file or folder names); a zip
is sent first and kept while the owner reviews (``services.bulk``). Nothing is stored before the
owner confirms the table of matches; then each file is stored in its own request, through the
same material intake as a single upload (``upload_files`` for a folder's files, ``bulk_zip_store``
for a zip's members), with a progress bar per file and for the batch.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..conf import setting
from ..exceptions import AcceptanceError, NotPermitted
from ..selectors.catalog import case_catalog_items, catalog_match
from ..services.bulk import BulkRefused, bulk_zip_finish, bulk_zip_stage, bulk_zip_store
from .cases import _case
from .filing import _error, _is_member, _node_items, _open_tasks


def _owner_case(request, reference: str):
    case = _case(request, reference)
    if not _is_member(case, request.user):
        raise PermissionDenied(
            "只能向本单位项目的案件上传材料 / you can only upload records to cases of your own "
            "organisation's projects"
        )
    return case


def _matches(case, paths: list[str]) -> list[dict]:
    return [match.as_dict() for match in catalog_match(case_catalog_items(case), paths)]


@login_required
@require_GET
def bulk_page(request, reference: str):
    case = _owner_case(request, reference)
    nodes = list(case.project.nodes.all())
    node = next(
        (n for n in nodes if n.code == request.GET.get("node")), nodes[0] if nodes else None
    )
    expected, others = _node_items(case, node)
    submit = _open_tasks(case).filter(task_name="node_submit").first()
    return render(
        request,
        "acceptance/bulk_upload.html",
        {
            "case": case,
            "nodes": nodes,
            "node": node,
            "expected_items": expected,
            "other_items": others,
            "max_files": setting("ACCEPTANCE_BULK_MAX_FILES"),
            # After the batch the owner's next step is this node's submission, if it is open.
            "node_submittable": bool(submit and node and submit.context.get("node") == node.code),
        },
    )


@login_required
@require_POST
def bulk_match(request, reference: str):
    """Match the chosen folder's file paths (JSON ``{"paths": [...]}``) to catalog items."""
    case = _owner_case(request, reference)
    try:
        paths = json.loads(request.body or b"{}").get("paths", [])
    except (ValueError, AttributeError):
        paths = None
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        return JsonResponse(
            {"message_zh": "请求格式不正确", "message_en": "malformed request"}, status=400
        )
    max_files = setting("ACCEPTANCE_BULK_MAX_FILES")
    if len(paths) > max_files:
        return JsonResponse(
            {
                "message_zh": f"一次最多上传 {max_files} 个文件，所选有 {len(paths)} 个。"
                "请按节点或类别分几次上传。",
                "message_en": f"one upload takes at most {max_files} files, {len(paths)} were "
                "chosen; upload them in several batches by node or category",
            },
            status=400,
        )
    return JsonResponse({"files": _matches(case, paths)})


@login_required
@require_POST
def bulk_zip(request, reference: str):
    """Keep the posted zip (``file``) for review; answer its members and their matches."""
    case = _owner_case(request, reference)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse(
            {"message_zh": "请选择 ZIP 压缩包", "message_en": "choose a ZIP package"}, status=400
        )
    try:
        token, members = bulk_zip_stage(case=case, user=request.user, upload=upload)
    except BulkRefused as exc:
        return JsonResponse(_error(exc), status=400)
    matches = _matches(case, [m.path for m in members])
    return JsonResponse(
        {
            "token": token,
            "files": [
                {**member.as_dict(), **match}
                for member, match in zip(members, matches, strict=True)
            ],
        }
    )


@login_required
@require_POST
def bulk_zip_member(request, reference: str, token: str, index: int):
    """Store one confirmed member of the staged zip under the node and item the owner chose."""
    case = _owner_case(request, reference)
    node = case.project.nodes.filter(code=request.POST.get("node", "")).first()
    item = case_catalog_items(case).filter(code=request.POST.get("catalog_item", "")).first()
    if node is None or item is None:
        return JsonResponse(
            {
                "ok": False,
                "message_zh": "请选择施工节点和归档条目",
                "message_en": "choose a construction node and a catalog item",
            },
            status=400,
        )
    try:
        material = bulk_zip_store(
            case=case, user=request.user, token=token, index=index, catalog_item=item, node=node
        )
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except AcceptanceError as exc:
        return JsonResponse({"ok": False, **_error(exc)}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "name": material.original_name,
            "material": material.pk,
            "version": material.version,
            "check_url": reverse("acceptance:material_check", args=[material.pk]),
        },
        status=201,
    )


@login_required
@require_POST
def bulk_zip_done(request, reference: str, token: str):
    """The owner finished (or abandoned) the batch: the staged zip is deleted."""
    case = _owner_case(request, reference)
    bulk_zip_finish(case=case, user=request.user, token=token)
    return JsonResponse({"ok": True})
