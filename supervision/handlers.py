"""The BPMN service tasks of the ``inspection`` process (``bpmn/inspection.bpmn``).

Each changes the inspection and, for a rectification, the case's commitment of kind
``rectification`` through ``commitment_transition`` (the one way a commitment changes state);
an illegal step raises and becomes an incident on the inspection's instance.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from acceptance.deadlines import commitment_deadline
from acceptance.models import Commitment, DayCount, Notification
from acceptance.services.commitments import (
    commitment_clock_on_delivery,
    commitment_return_delivery,
    commitment_transition,
    commitment_variable,
)
from acceptance.services.notifications import notify, supervisors
from workflows.journal import journal_append
from workflows.labels import local_time
from workflows.services import ServiceCall, service

from .exceptions import InspectionInvalid
from .inspections import inspection_notice, owner_recipients
from .models import Finding, Inspection

SYSTEM_ACTOR = "system:inspection"
# A rectification overdue this many days more goes to the supervisors (督办).
ESCALATE_AFTER_DAYS = 10
REMINDER_OFFSETS = [3, 1]


def _inspection(call: ServiceCall) -> Inspection:
    return (
        Inspection.objects.select_for_update()
        .select_related("case", "plan")
        .get(pk=call.business_object.pk)
    )


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _journal(inspection: Inspection, kind: str, actor, payload: dict) -> None:
    journal_append(chain=inspection.reference, kind=kind, actor=actor, payload=payload)


@service("supervision.inspection_notify")
def inspection_notify(call: ServiceCall) -> dict:
    inspection = _inspection(call)
    case = inspection.case
    title, body = inspection_notice(inspection)
    notify(
        recipients=owner_recipients(inspection),
        case=case,
        kind=Notification.Kind.INSPECTION,
        key=f"inspection-{inspection.pk}-notice",
        title=title,
        body=body,
    )
    notify(
        recipients=inspection.inspectors.all(),
        case=case,
        kind=Notification.Kind.INSPECTION,
        key=f"inspection-{inspection.pk}-assigned",
        title=(
            f"检查任务：{case.reference} {case.project.name}",
            f"Inspection assigned: {case.reference}",
        ),
        body=(
            f"抽查计划 {inspection.plan.reference} 抽中本案件，由 "
            f"{inspection.lead_inspector.get_username()} 主查。",
            f"Plan {inspection.plan.reference} drew this case; "
            f"{inspection.lead_inspector.get_username()} leads.",
        ),
    )
    return {"notified": True}


@service("supervision.inspection_escalate")
def inspection_escalate(call: ServiceCall, *, stage: str) -> dict:
    inspection = _inspection(call)
    noun_zh, noun_en = ("复查", "re-inspection") if stage == "reinspect" else ("检查", "inspection")
    notify(
        recipients=supervisors(),
        case=inspection.case,
        kind=Notification.Kind.ESCALATED,
        key=f"inspection-{inspection.pk}-{stage}-late-{call.task_id}",
        title=(
            f"{inspection.case.reference} {noun_zh}超过时限",
            f"{inspection.case.reference}: {noun_en} past its time limit",
        ),
        body=(
            f"{inspection.lead_inspector.get_username()} 主查的{noun_zh}尚未完成，请督办。",
            f"The {noun_en} led by {inspection.lead_inspector.get_username()} is not done.",
        ),
    )
    return {"stage": stage, "at": timezone.now().isoformat()}


@service("supervision.inspection_decide")
def inspection_decide(
    call: ServiceCall,
    *,
    decision: str,
    comment: str = "",
    rectification_days: int | None = None,
    decided_by: str = "",
) -> dict:
    """Record the decision; a rectification opens the case's rectification commitment."""
    inspection = _inspection(call)
    inspector = _user(decided_by)
    now = timezone.now()
    inspection.decision = decision
    inspection.decision_comment = comment or ""
    inspection.decided_at = now
    result: dict = {}
    if decision == Inspection.Decision.RECTIFY:
        deficient = inspection.findings.filter(
            round=Finding.Round.INSPECTION, verdict=Finding.Verdict.DEFICIENT
        )
        if not deficient.exists():
            raise InspectionInvalid(
                "责令整改须至少有一项不符合项。",
                "Rectification needs at least one deficiency recorded.",
            )
        days = int(rectification_days)
        period = f"P{days}D"
        commitment = Commitment.every_kind.create(
            case=inspection.case,
            kind=Commitment.Kind.RECTIFICATION,
            period=period,
            terms={
                "day_count": DayCount.WORKING,
                "escalate_after_days": ESCALATE_AFTER_DAYS,
                "reminder_offsets": REMINDER_OFFSETS,
            },
        )
        commitment.items.set({finding.item_id for finding in deficient})
        # The order binds from the decision: the archive sets the period, the owner signs nothing.
        commitment_transition(
            commitment=commitment,
            action="sign",
            actor=inspector,
            reason=f"双随机检查 {inspection.reference} 责令整改 rectification ordered",
            now=now,
            user=inspector,
            deadline=commitment_deadline(now, period, DayCount.WORKING),
        )
        commitment.refresh_from_db()
        inspection.rectification = commitment
        inspection.status = Inspection.Status.RECTIFYING
        result = commitment_variable(commitment)
        _notify_rectification(inspection, commitment, deficient)
    inspection.save()
    _journal(
        inspection,
        "supervision.inspection_decided",
        inspector,
        {"decision": decision, "comment": comment or "", **result},
    )
    return result


def _notify_rectification(inspection: Inspection, commitment: Commitment, deficient) -> None:
    items = "、".join(sorted({finding.item.code for finding in deficient}))
    deadline = local_time(commitment.deadline)
    notify(
        recipients=owner_recipients(inspection),
        case=inspection.case,
        kind=Notification.Kind.INSPECTION,
        key=f"inspection-{inspection.pk}-rectify",
        title=(
            f"{inspection.case.reference} 检查发现问题，请于 {deadline} 前整改",
            f"{inspection.case.reference}: rectify by {deadline}",
        ),
        body=(
            f"检查发现不符合项（{items}），请于 {deadline} 前整改并提交整改报告。",
            f"The inspection found deficiencies ({items}); put them right and report by "
            f"{deadline}.",
        ),
    )


@service("supervision.inspection_refer")
def inspection_refer(call: ServiceCall) -> dict:
    inspection = _inspection(call)
    notify(
        recipients=supervisors(),
        case=inspection.case,
        kind=Notification.Kind.INSPECTION,
        key=f"inspection-{inspection.pk}-referred",
        title=(
            f"{inspection.case.reference} 检查移送处理",
            f"{inspection.case.reference}: inspection referred",
        ),
        body=(inspection.decision_comment, inspection.decision_comment),
    )
    return {"referred": True}


@service("supervision.rectification_overdue")
def rectification_overdue(call: ServiceCall) -> dict:
    """The deadline timer; the commitment sweep may have marked it already (then a no-op)."""
    inspection = _inspection(call)
    changed = commitment_transition(
        commitment=inspection.rectification,
        action="mark_overdue",
        actor=SYSTEM_ACTOR,
        reason="整改期限届满，尚未整改完毕 rectification overdue",
    )
    return {"marked": changed}


@service("supervision.rectification_received")
def rectification_received(call: ServiceCall, *, report: str, reported_by: str) -> dict:
    inspection = _inspection(call)
    owner = _user(reported_by)
    inspection.rectification_report = report
    inspection.status = Inspection.Status.REINSPECTING
    inspection.save(update_fields=["rectification_report", "status"])
    # While the inspector re-inspects, the rectification does not fall due.
    commitment_clock_on_delivery(commitment=inspection.rectification, user=owner)
    _journal(inspection, "supervision.rectification_reported", owner, {"report": report})
    return {}


@service("supervision.reinspection_apply")
def reinspection_apply(
    call: ServiceCall, *, verdict: str, comment: str = "", reinspected_by: str = ""
) -> dict:
    inspection = _inspection(call)
    inspector = _user(reinspected_by)
    commitment = inspection.rectification
    inspection.reinspection_comment = comment or ""
    if verdict == "rectified":
        action = "fulfil" if commitment.status == Commitment.Status.PENDING else "fulfil_late"
        commitment_transition(
            commitment=commitment,
            action=action,
            actor=inspector,
            reason=f"复查整改到位 rectified: {comment}".strip(),
        )
    else:
        commitment_return_delivery(commitment=commitment, actor=inspector)
        inspection.status = Inspection.Status.RECTIFYING
        notify(
            recipients=owner_recipients(inspection),
            case=inspection.case,
            kind=Notification.Kind.INSPECTION,
            key=f"inspection-{inspection.pk}-not-rectified-{call.task_id}",
            title=(
                f"{inspection.case.reference} 复查未通过，请继续整改",
                f"{inspection.case.reference}: not yet rectified",
            ),
            body=(comment, comment),
        )
    inspection.save()
    _journal(
        inspection,
        "supervision.reinspected",
        inspector,
        {"verdict": verdict, "comment": comment or ""},
    )
    commitment.refresh_from_db()
    return commitment_variable(commitment)


@service("supervision.inspection_close")
def inspection_close(call: ServiceCall) -> dict:
    inspection = _inspection(call)
    inspection.status = Inspection.Status.CLOSED
    inspection.closed_at = timezone.now()
    inspection.save(update_fields=["status", "closed_at"])
    _journal(inspection, "supervision.inspection_closed", SYSTEM_ACTOR, {})
    return {"closed_at": inspection.closed_at.isoformat()}
