"""Writes for the inspections of a confirmed draw: start them, record findings, decide, report the
rectification, re-inspect. The ``inspection`` process (``bpmn/inspection.bpmn``) orders the steps;
these functions check what a person may do before handing the step to it.

A rectification (整改) is a commitment of kind ``rectification`` on the inspected case: the same
state machine, deadline counting (working days on the holiday calendar) and commitment sweep as
the owner's delivery commitments, so an overdue rectification is caught even when the process's
timer is late.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from acceptance.models import CatalogItem
from acceptance.services.notifications import owner_side
from workflows.engine import instance_start, lock_tries, task_complete
from workflows.exceptions import TaskNotAvailable
from workflows.journal import journal_append
from workflows.labels import local_time
from workflows.models import HumanTask

from .exceptions import InspectionInvalid, NotPermitted, PlanStateConflict
from .models import Finding, Inspection, InspectionPlan
from .services import _require_supervisor, plan_chain

PROCESS_ID = "inspection"
INSPECT_TASK = "inspect"
RECTIFY_TASK = "rectify"
REINSPECT_TASK = "reinspect"
# Evidence is a photo, a scan or a short document: large files belong in the case's records.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
Status = InspectionPlan.Status


def inspection_sla() -> str:
    return getattr(settings, "SUPERVISION_INSPECTION_SLA", "P10D")


def default_rectification_days() -> int:
    return getattr(settings, "SUPERVISION_RECTIFICATION_DAYS", 15)


def _process_variables(inspection: Inspection) -> dict:
    case = inspection.case
    return {
        "inspection": inspection.reference,
        "case": case.reference,
        "inspector": inspection.lead_inspector.get_username(),
        "owner": case.owner_user.get_username(),
        "inspection_sla": inspection_sla(),
    }


def draw_confirm(*, plan: InspectionPlan, actor, now: datetime | None = None) -> list[Inspection]:
    """Confirm the plan's latest draw: one inspection (and its process) per drawn target.

    From here the draw is final: a redraw is refused, since inspections are under way. The
    inspectors are the persons behind the codes the draw assigned, the first one leading.
    """
    _require_supervisor(actor)
    now = now or timezone.now()
    users = get_user_model().objects.in_bulk(plan.inspector_codes.values())
    # Any instance started here belongs to this transaction: a failure starts none.
    for attempt in lock_tries():
        with attempt, transaction.atomic(durable=True):
            plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
            if plan.status != Status.DRAWN:
                raise PlanStateConflict(
                    "只有已抽取、尚未确认的计划可以确认下达检查任务。",
                    "Only a drawn plan not yet confirmed can have its inspections started.",
                )
            draw = plan.draws.order_by("-number").first()
            cases = {case.reference: case for case in _drawn_cases(draw)}
            inspections = []
            for row in draw.result:
                people = [users[plan.inspector_codes[code]] for code in row["inspectors"]]
                inspection = Inspection.objects.create(
                    plan=plan,
                    draw=draw,
                    case=cases[row["target"]],
                    reference=f"{plan.reference}-{row['target']}",
                    lead_inspector=people[0],
                    started_at=now,
                )
                inspection.inspectors.set(people)
                instance_start(
                    process_id=PROCESS_ID,
                    business_object=inspection,
                    business_key=inspection.reference,
                    data=_process_variables(inspection),
                    actor=actor,
                )
                inspections.append(inspection)
            plan.status = Status.INSPECTING
            plan.save(update_fields=["status"])
            journal_append(
                chain=plan_chain(plan),
                kind="supervision.draw_confirmed",
                actor=actor,
                recorded_at=now,
                payload={
                    "draw": draw.number,
                    "inspections": [inspection.reference for inspection in inspections],
                },
            )
    return inspections


def _drawn_cases(draw):
    from acceptance.models import Case

    return Case.objects.filter(reference__in=[row["target"] for row in draw.result]).select_related(
        "owner_user", "project__owner"
    )


# -- what the inspector and the owner do on their pages ------------------------------------------


def _open_task(inspection: Inspection, task_name: str) -> HumanTask | None:
    return (
        HumanTask.objects.open()
        .filter(instance__business_key=inspection.reference, task_name=task_name)
        .order_by("created_at")
        .first()
    )


def _require_lead(inspection: Inspection, user) -> None:
    if user.pk != inspection.lead_inspector_id:
        raise NotPermitted(
            "只有本次检查的主查人员可以记录检查情况和结论。",
            "Only the lead inspector of this inspection records findings and decisions.",
        )


def _task_or_refuse(inspection: Inspection, task_name: str) -> HumanTask:
    task = _open_task(inspection, task_name)
    if task is None:
        raise PlanStateConflict(
            "该检查当前不在这一步，请刷新页面查看进度。",
            "The inspection is not at this step now; reload the page to see where it is.",
        )
    return task


def _evidence_facts(evidence: UploadedFile | None) -> dict:
    if evidence is None:
        return {}
    if evidence.size > EVIDENCE_MAX_BYTES:
        raise InspectionInvalid(
            f"证据文件 {evidence.name} 超过 20 MB，请压缩或拆分后上传。",
            f"The evidence file {evidence.name} is over 20 MB; compress or split it.",
        )
    if evidence.size == 0:
        raise InspectionInvalid(
            f"证据文件 {evidence.name} 是空文件，请重新选择。",
            f"The evidence file {evidence.name} is empty; choose it again.",
        )
    digest = hashlib.sha256()
    for chunk in evidence.chunks():
        digest.update(chunk)
    evidence.seek(0)
    return {
        "evidence": evidence,
        "evidence_name": evidence.name[:255],
        "evidence_sha256": digest.hexdigest(),
    }


def finding_record(
    *,
    inspection: Inspection,
    user,
    item_code: str,
    verdict: str,
    note: str,
    evidence: UploadedFile | None = None,
) -> Finding:
    """The lead inspector records what they found on one catalog item, with its evidence.

    A deficiency needs a note saying what is wrong and an evidence file: the owner must be able
    to see what to put right, and a referral must stand on more than a word.
    """
    _require_lead(inspection, user)
    task_name = {
        Inspection.Status.INSPECTING: INSPECT_TASK,
        Inspection.Status.REINSPECTING: REINSPECT_TASK,
    }.get(inspection.status)
    if task_name is None or _open_task(inspection, task_name) is None:
        raise PlanStateConflict(
            "只有在检查或复查期间可以记录检查情况。",
            "Findings are recorded while inspecting or re-inspecting only.",
        )
    note = (note or "").strip()
    if verdict not in Finding.Verdict.values:
        raise InspectionInvalid("请选择符合或不符合。", "Choose conforms or deficient.")
    item = CatalogItem.objects.filter(
        version=inspection.case.catalog_version, code=item_code
    ).first()
    if item is None:
        raise InspectionInvalid(
            f"归档范围中没有条目 {item_code or '（未选择）'}，请从列表中选择。",
            f"No catalog item {item_code or '(none chosen)'}; choose one from the list.",
        )
    if verdict == Finding.Verdict.DEFICIENT and not note:
        raise InspectionInvalid(
            "不符合项须写明存在的问题。", "A deficiency needs a note saying what is wrong."
        )
    if verdict == Finding.Verdict.DEFICIENT and evidence is None:
        raise InspectionInvalid(
            "不符合项须上传证据文件（照片、扫描件等）。",
            "A deficiency needs an evidence file (a photo, a scan).",
        )
    facts = _evidence_facts(evidence)
    with transaction.atomic(durable=True):
        finding = Finding.objects.create(
            inspection=inspection,
            round=(
                Finding.Round.REINSPECTION
                if task_name == REINSPECT_TASK
                else Finding.Round.INSPECTION
            ),
            item=item,
            verdict=verdict,
            note=note or "符合要求 conforms",
            recorded_by=user,
            **facts,
        )
        journal_append(
            chain=inspection.reference,
            kind="supervision.finding_recorded",
            actor=user,
            payload={
                "item": item.code,
                "verdict": verdict,
                "round": finding.round,
                "note": finding.note,
                "evidence_sha256": finding.evidence_sha256,
            },
        )
    return finding


def inspection_decide(
    *, inspection: Inspection, user, decision: str, comment: str = "", rectification_days=None
) -> Inspection:
    """The lead inspector's decision: no issue, rectification required, or refer."""
    _require_lead(inspection, user)
    task = _task_or_refuse(inspection, INSPECT_TASK)
    comment = (comment or "").strip()
    findings = inspection.findings.filter(round=Finding.Round.INSPECTION)
    if not findings.exists():
        raise InspectionInvalid(
            "请先逐项记录检查情况，再作出检查结论。",
            "Record the findings item by item before deciding.",
        )
    deficient = findings.filter(verdict=Finding.Verdict.DEFICIENT).exists()
    data = {"decision": decision, "decision_comment": comment}
    if decision == Inspection.Decision.NO_ISSUE and deficient:
        raise InspectionInvalid(
            "已记录不符合项，结论不能为未发现问题：请责令整改或移送处理。",
            "Deficiencies are recorded: require rectification or refer, not no issue.",
        )
    if decision == Inspection.Decision.RECTIFY:
        if not deficient:
            raise InspectionInvalid(
                "责令整改须至少有一项不符合项。",
                "Rectification needs at least one deficiency recorded.",
            )
        days = rectification_days or default_rectification_days()
        if not 1 <= int(days) <= 90:
            raise InspectionInvalid(
                "整改期限应在 1 至 90 个工作日之间。",
                "The rectification period is 1 to 90 working days.",
            )
        data["rectification_days"] = int(days)
    if decision == Inspection.Decision.REFER and not comment:
        raise InspectionInvalid("移送处理须写明理由。", "A referral needs a comment saying why.")
    _complete(task, user, data)
    inspection.refresh_from_db()
    return inspection


def rectification_report(*, inspection: Inspection, user, report: str) -> Inspection:
    """The owner reports what was put right; the inspector re-inspects next."""
    if not inspection.case.project.owner.members.filter(pk=user.pk).exists() and (
        user.pk != inspection.case.owner_user_id
    ):
        raise NotPermitted(
            "只有被检查的建设单位可以提交整改报告。",
            "Only the inspected owner organisation reports its rectification.",
        )
    task = _task_or_refuse(inspection, RECTIFY_TASK)
    report = (report or "").strip()
    if not report:
        raise InspectionInvalid(
            "请写明整改情况（逐项说明已整改的内容）。",
            "Say what was put right, item by item.",
        )
    _complete(task, user, {"rectification_report": report})
    inspection.refresh_from_db()
    return inspection


def reinspection_decide(*, inspection: Inspection, user, verdict: str, comment: str = ""):
    """The lead inspector's re-inspection: rectified (the inspection closes) or not (back to
    the owner, the deadline unchanged)."""
    _require_lead(inspection, user)
    task = _task_or_refuse(inspection, REINSPECT_TASK)
    comment = (comment or "").strip()
    if verdict == "not_rectified" and not comment:
        raise InspectionInvalid(
            "未整改到位须写明仍存在的问题。", "Say what is still not put right."
        )
    _complete(task, user, {"reinspection": verdict, "reinspection_comment": comment})
    inspection.refresh_from_db()
    return inspection


def _complete(task: HumanTask, user, data: dict) -> None:
    try:
        task_complete(task_id=task.task_id, user=user, data=data)
    except TaskNotAvailable as error:
        raise PlanStateConflict(error.message_zh, error.message_en) from None


def inspection_notice(inspection: Inspection) -> tuple[tuple[str, str], tuple[str, str]]:
    """The owner's notice of an inspection: the case, the plan and when it was drawn."""
    case, plan = inspection.case, inspection.plan
    return (
        (f"{case.reference} 被抽中接受双随机检查", f"{case.reference} drawn for inspection"),
        (
            f"依据抽查计划 {plan.reference}（{plan.title}），贵单位的 {case.project.name} "
            f"竣工档案验收于 {local_time(inspection.draw.drawn_at)} 被随机抽中，检查人员将查阅"
            "案件档案并可能要求整改。",
            f"Under plan {plan.reference} ({plan.title}), the archive acceptance of "
            f"{case.project.name} was drawn at {local_time(inspection.draw.drawn_at)}; "
            "inspectors will examine its records and may require rectification.",
        ),
    )


def owner_recipients(inspection: Inspection) -> list:
    return owner_side(inspection.case)
