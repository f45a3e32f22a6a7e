"""A case's page and the owner's uploads: records per construction node and catalog item,
several files at once, each file's four-property result shown as soon as it is known.

The page sends each chosen file in its own request (so each gets its own progress bar); the
answer names the stored material, then the page asks for its check result, which is computed on
the stored file by a job queued on upload and recorded on the material, so it is the same
after a reload; the page asks again while it is pending or running.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates.models import Certificate
from workflows.models import HumanTask
from workflows.storage import StorageFailure

from ..checks import FileKind
from ..conf import max_bytes_by_kind, setting
from ..exceptions import AcceptanceError, NotPermitted
from ..models import Material
from ..selectors.cases import case_instance, cases_visible_to, material_changeable
from ..selectors.catalog import case_catalog_items
from ..selectors.completeness import material_line
from ..selectors.originals import originals_rate, record_origin
from ..services.materials import material_upload, material_withdraw
from .cases import _case


def _is_member(case, user) -> bool:
    return case.project.owner.members.filter(pk=user.pk).exists()


def _open_tasks(case):
    return (
        HumanTask.objects.open()
        .filter(instance=case_instance(case))
        .select_related("role", "assignee")
        .order_by("due_at", "created_at")
    )


@login_required
@require_GET
def case_detail(request, reference: str):
    """The case's state, its open steps and deadlines, its nodes, materials and certificates."""
    case = _case(request, reference)
    materials = list(
        case.materials.current().select_related("catalog_item", "node").order_by("node", "pk")
    )
    return render(
        request,
        "acceptance/case_detail.html",
        {
            "case": case,
            "tasks": _open_tasks(case),
            "nodes": case.project.nodes.all(),
            "material_rows": [
                (material, material_line(material), record_origin(material))
                for material in materials
            ],
            "originals": originals_rate(materials),
            "commitments": case.commitments.order_by("-pk"),
            "certificates": case.certificates.order_by("-issued_at"),
            "decisions": case.decisions.select_related("decided_by"),
            "is_member": _is_member(case, request.user),
            "Certificate": Certificate,
        },
    )


def _node_items(case, node):
    """(item, size limit) of the node's expected items first, then of the rest of the catalog."""
    limits = max_bytes_by_kind()
    items = [(item, limits[FileKind(item.format_kind)]) for item in case_catalog_items(case)]
    expected = set(node.expected_items.values_list("pk", flat=True)) if node else set()
    return [row for row in items if row[0].pk in expected], [
        row for row in items if row[0].pk not in expected
    ]


@login_required
@require_GET
def upload_page(request, reference: str):
    case = _case(request, reference)
    if not _is_member(case, request.user):
        raise PermissionDenied(
            "只能向本单位项目的案件上传材料 / you can only upload records to cases of your own "
            "organisation's projects"
        )
    nodes = list(case.project.nodes.all())
    node = next((n for n in nodes if n.code == request.GET.get("node")), None)
    submit = _open_tasks(case).filter(task_name="node_submit").first()
    if node is None and submit is not None:
        node = next((n for n in nodes if n.code == submit.context.get("node")), None)
    node = node or (nodes[0] if nodes else None)
    expected, others = _node_items(case, node)
    stored = list(
        case.materials.current().filter(node=node).select_related("catalog_item")
        if node
        else Material.objects.none()
    )
    return render(
        request,
        "acceptance/upload.html",
        {
            "case": case,
            "nodes": nodes,
            "node": node,
            "expected_items": expected,
            "other_items": others,
            "stored": [(material, material_line(material)) for material in stored],
            "changeable": {material.pk for material in stored if material_changeable(material)},
            "submit_task": submit if submit and submit.context.get("node") == node.code else None,
        },
    )


INCOMPLETE = (
    "upload_incomplete",
    "请选择施工节点、归档条目和至少一个文件",
    "choose a construction node, a catalog item and at least one file",
)
TOO_LARGE = (
    "upload_too_large",
    "上传内容超过本系统允许的最大文件大小，未保存任何文件。请压缩或拆分后重新上传，或联系档案馆。",
    "the upload is larger than this system accepts and nothing was stored; reduce or split the "
    "file and upload again, or contact the archive",
)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refuse(request, case, status: int, code: str, zh: str, en: str):
    if _wants_json(request):
        return JsonResponse({"code": code, "message_zh": zh, "message_en": en}, status=status)
    messages.error(request, f"{zh} / {en}")  # the form posted without JavaScript
    return redirect("acceptance:upload", reference=case.reference)


def _error(exc: AcceptanceError | StorageFailure) -> dict:
    return {"code": exc.code, "message_zh": exc.message_zh, "message_en": exc.message_en}


@login_required
@require_POST
def upload(request, reference: str):
    """Store the posted files (``files``) under one node and catalog item; JSON per file."""
    case = _case(request, reference)
    node = case.project.nodes.filter(code=request.POST.get("node", "")).first()
    item = case_catalog_items(case).filter(code=request.POST.get("catalog_item", "")).first()
    files = request.FILES.getlist("files")
    if not files and int(request.META.get("CONTENT_LENGTH") or 0) > setting(
        "ACCEPTANCE_MAX_UPLOAD_BYTES"
    ):
        # The upload handler stopped reading (acceptance.uploads): nothing was stored.
        return _refuse(request, case, 413, *TOO_LARGE)
    if node is None or item is None or not files:
        return _refuse(request, case, 400, *INCOMPLETE)
    results, status = [], 201
    for upload_file in files:
        try:
            material = material_upload(
                case=case,
                user=request.user,
                catalog_item=item,
                file=upload_file,
                name=upload_file.name or "unnamed",
                node=node,
            )
        except NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        except AcceptanceError as exc:
            # One refused file loses nothing: the others are stored and answered one by one.
            results.append({"name": upload_file.name, "ok": False, **_error(exc)})
            status = 400 if len(files) == 1 else 207
            continue
        except StorageFailure as exc:
            # Nothing of this file was kept; the storage's state is the archive's to fix.
            results.append({"name": upload_file.name, "ok": False, **_error(exc)})
            status = exc.http_status if len(files) == 1 else 207
            continue
        results.append(
            {
                "name": material.original_name,
                "ok": True,
                "material": material.pk,
                "version": material.version,
                "sha256": material.sha256,
                "check_url": reverse("acceptance:material_check", args=[material.pk]),
            }
        )
    if _wants_json(request):
        return JsonResponse({"files": results}, status=status)
    for result in results:  # the form posted without JavaScript
        if result["ok"]:
            messages.success(request, _("已保存：%(name)s") % {"name": result["name"]})
        else:
            messages.error(
                request, f"{result['name']}: {result['message_zh']} / {result['message_en']}"
            )
    return redirect(f"{reverse('acceptance:upload', args=[case.reference])}?node={node.code}")


@login_required
@require_GET
def material_check(request, pk: int):
    """One stored file's recorded check state and findings, as an HTML fragment."""
    material = get_object_or_404(
        Material.objects.filter(case__in=cases_visible_to(request.user)).select_related(
            "catalog_item", "case"
        ),
        pk=pk,
    )
    return render(
        request,
        "acceptance/_upload_result.html",
        {"material": material, "line": material_line(material)},
    )


def _owned_material(request, pk: int) -> Material:
    return get_object_or_404(
        Material.objects.filter(case__in=cases_visible_to(request.user)).select_related(
            "case__project__owner", "catalog_item", "node"
        ),
        pk=pk,
    )


def _back_to_node(material: Material):
    node = f"?node={material.node.code}" if material.node else ""
    return redirect(f"{reverse('acceptance:upload', args=[material.case.reference])}{node}")


@login_required
@require_POST
def material_withdraw_view(request, pk: int):
    """The owner withdraws a file not yet submitted (kept and journaled, never deleted)."""
    material = _owned_material(request, pk)
    try:
        material_withdraw(material=material, user=request.user)
    except AcceptanceError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(request, _("已撤回：%(name)s") % {"name": material.original_name})
    return _back_to_node(material)


@login_required
@require_POST
def material_replace_view(request, pk: int):
    """The owner replaces a file not yet submitted by a new version (the old one is kept)."""
    material = _owned_material(request, pk)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, f"{INCOMPLETE[1]} / {INCOMPLETE[2]}")
        return _back_to_node(material)
    if not material_changeable(material):
        messages.error(
            request,
            "该文件已提交或已审核，不能再替换 / this file was submitted or reviewed and can no "
            "longer be replaced",
        )
        return _back_to_node(material)
    try:
        new = material_upload(
            case=material.case,
            user=request.user,
            catalog_item=material.catalog_item,
            file=upload_file,
            name=upload_file.name or "unnamed",
            node=material.node,
            supersedes=material,
        )
    except AcceptanceError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(
            request,
            _("已替换：%(old)s → %(new)s")
            % {"old": material.original_name, "new": new.original_name},
        )
    return _back_to_node(material)
