"""Pages of the inspections: the inspector's list, one inspection with the case's records, journal,
certificates and commitments, the findings form with evidence, the decision, the owner's
rectification report, the re-inspection; and the supervisor's confirmation of a draw."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from acceptance.models import Commitment
from acceptance.roles import user_roles
from workflows.journal import chain_entries
from workflows.models import HumanTask

from .exceptions import SupervisionError
from .inspections import (
    INSPECT_TASK,
    RECTIFY_TASK,
    REINSPECT_TASK,
    default_rectification_days,
    draw_confirm,
    finding_record,
    inspection_decide,
    rectification_report,
    reinspection_decide,
)
from .models import Finding, Inspection, InspectionPlan
from .roles import is_inspector
from .selectors import inspection_outcome, inspections_for, outcome_tone
from .views import _refused, _supervisor


def _may_inspect(user, inspection: Inspection) -> bool:
    return inspection.inspectors.filter(pk=user.pk).exists()


def _is_owner(user, inspection: Inspection) -> bool:
    case = inspection.case
    return user.pk == case.owner_user_id or case.project.owner.members.filter(pk=user.pk).exists()


def _readable(request, reference: str) -> Inspection:
    inspection = get_object_or_404(
        Inspection.objects.select_related(
            "case__project__owner", "case__owner_user", "plan", "draw", "lead_inspector"
        ),
        reference=reference,
    )
    user = request.user
    if not (
        _may_inspect(user, inspection) or user_roles(user).supervisor or _is_owner(user, inspection)
    ):
        raise PermissionDenied
    return inspection


@login_required
def inspection_list(request):
    """The inspector's inspections (a supervisor sees every one), what each waits for first."""
    supervisor = user_roles(request.user).supervisor
    inspections = inspections_for(request.user, every=supervisor)
    if not supervisor and not is_inspector(request.user):
        raise PermissionDenied
    return render(
        request,
        "supervision/inspection_list.html",
        {"rows": inspections, "every": supervisor},
    )


def _open_task(inspection: Inspection) -> HumanTask | None:
    return (
        HumanTask.objects.open()
        .filter(instance__business_key=inspection.reference)
        .order_by("created_at")
        .first()
    )


@login_required
def inspection_detail(request, reference: str):
    return _detail(request, _readable(request, reference))


def _detail(request, inspection: Inspection, *, finding: dict | None = None, status: int = 200):
    """The inspection page; ``finding``: the values of a refused finding, shown again."""
    user = request.user
    case = inspection.case
    task = _open_task(inspection)
    step = task.task_name if task else ""
    lead = user.pk == inspection.lead_inspector_id
    may_see_records = _may_inspect(user, inspection) or user_roles(user).supervisor
    context = {
        "inspection": inspection,
        "case": case,
        "task": task,
        "outcome": inspection_outcome(inspection),
        "tone": outcome_tone(inspection_outcome(inspection)),
        "inspectors": inspection.inspectors.order_by("username"),
        "findings": inspection.findings.select_related("item", "recorded_by"),
        "rectification": inspection.rectification,
        "can_record": lead and step in (INSPECT_TASK, REINSPECT_TASK),
        "can_decide": lead and step == INSPECT_TASK,
        "can_reinspect": lead and step == REINSPECT_TASK,
        "can_report": _is_owner(user, inspection) and step == RECTIFY_TASK,
        "may_see_records": may_see_records,
        "default_days": default_rectification_days(),
        "verdicts": Finding.Verdict.choices,
        "finding": finding or {},
    }
    if may_see_records:
        context |= {
            "materials": case.materials.current()
            .select_related("catalog_item")
            .order_by("catalog_item__code", "pk"),
            "items": case.catalog_version.items.filter(active=True).order_by("code"),
            "journal": list(chain_entries(case.reference))[-30:],
            "certificates": case.certificates.order_by("-pk"),
            "commitments": Commitment.every_kind.filter(case=case).order_by("-pk"),
        }
    return render(request, "supervision/inspection_detail.html", context, status=status)


def _act(request, reference: str, act, done: str):
    inspection = _readable(request, reference)
    try:
        act(inspection)
    except SupervisionError as error:
        _refused(request, error)
    else:
        messages.success(request, done)
    return redirect("supervision:inspection", reference)


@require_POST
@login_required
def finding_add(request, reference: str):
    inspection = _readable(request, reference)
    values = {name: request.POST.get(name, "") for name in ("item", "verdict", "note")}
    try:
        finding_record(
            inspection=inspection,
            user=request.user,
            item_code=values["item"],
            verdict=values["verdict"],
            note=values["note"],
            evidence=request.FILES.get("evidence"),
        )
    except SupervisionError as error:
        # The page again with what was typed: only the file must be chosen once more.
        _refused(request, error)
        return _detail(request, inspection, finding=values, status=400)
    messages.success(request, "检查情况已记录 — finding recorded")
    return redirect("supervision:inspection", reference)


@require_POST
@login_required
def decide(request, reference: str):
    days = request.POST.get("rectification_days", "")
    return _act(
        request,
        reference,
        lambda inspection: inspection_decide(
            inspection=inspection,
            user=request.user,
            decision=request.POST.get("decision", ""),
            comment=request.POST.get("comment", ""),
            rectification_days=int(days) if days.isdigit() else None,
        ),
        "检查结论已作出 — decision recorded",
    )


@require_POST
@login_required
def report(request, reference: str):
    return _act(
        request,
        reference,
        lambda inspection: rectification_report(
            inspection=inspection, user=request.user, report=request.POST.get("report", "")
        ),
        "整改报告已提交，等待复查 — rectification reported, awaiting re-inspection",
    )


@require_POST
@login_required
def reinspect(request, reference: str):
    return _act(
        request,
        reference,
        lambda inspection: reinspection_decide(
            inspection=inspection,
            user=request.user,
            verdict=request.POST.get("verdict", ""),
            comment=request.POST.get("comment", ""),
        ),
        "复查结论已记录 — re-inspection recorded",
    )


@login_required
def evidence(request, reference: str, pk: int):
    finding = get_object_or_404(_readable(request, reference).findings, pk=pk)
    if not finding.evidence:
        raise Http404
    return FileResponse(
        finding.evidence.open("rb"), as_attachment=True, filename=finding.evidence_name
    )


@login_required
def material_file(request, reference: str, pk: int):
    """A record of the inspected case, for its inspectors and supervisors."""
    inspection = _readable(request, reference)
    if not (_may_inspect(request.user, inspection) or user_roles(request.user).supervisor):
        raise PermissionDenied
    material = get_object_or_404(inspection.case.materials, pk=pk)
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.original_name
    )


@require_POST
@login_required
def confirm_draw(request, reference: str):
    _supervisor(request)
    plan = get_object_or_404(InspectionPlan, reference=reference)
    try:
        started = draw_confirm(plan=plan, actor=request.user)
    except SupervisionError as error:
        _refused(request, error)
    else:
        messages.success(
            request, f"已下达 {len(started)} 项检查任务 — {len(started)} inspections started"
        )
    return redirect("supervision:plan", reference)
