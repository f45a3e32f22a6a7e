"""限时承诺: the commitment's life, from the owner's signature to fulfilment or escalation.

``commitment_transition`` is the one way a commitment changes state: it locks the row, applies
the django-fsm transition, journals it on the case's chain with actor and reason, and carries out
its effects (an overdue commitment suspends the certificate and notifies the owner and the
supervisors, a late fulfilment reinstates it, an escalation leaves the supervisors a record).
The BPMN handlers call it, and a transition already made is a no-op, so the deadline timer and
the sweep may both run, in any order and more than once. The periodic sweep makes the same
transitions, with the same journal entries and effects, a batch of commitments at a time
(``_sweep_batch``), so that its statements do not grow with the number of commitments it moves.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import TextField, prefetch_related_objects
from django.db.models.functions import Cast
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from certificates.conf import certificate_formats
from workflows.documents import document_keep_once
from workflows.engine import lock_tries, message_send, timer_reschedule
from workflows.exceptions import MessageNotExpected
from workflows.jobs.outbox import job_enqueue
from workflows.journal import journal_append, journal_extend
from workflows.models import ProcessInstance
from workflows.workdays import calendar_read_once

from ..deadlines import SHANGHAI, commitment_deadline, days_left
from ..exceptions import AcceptanceError, CaseStateConflict, NotPermitted
from ..models import Case, Commitment, Material, Notification
from ..models.commitment import RENDER_COMMITMENT_OFD_TASK
from ..selectors.cases import case_instance
from .material_checks import materials_check
from .notifications import Notice, notices_send, notify, owner_side, supervisors

logger = logging.getLogger(__name__)

DELIVERY_MESSAGE = "commitment_delivered"
WITHDRAWAL_MESSAGE = "commitment_withdrawn"
# Archive staff who may withdraw a commitment (auditors read, they never act).
WITHDRAWING_GROUPS = ("reviewers", "supervisors")
WITHDRAWABLE = (Commitment.Status.PENDING, Commitment.Status.OVERDUE, Commitment.Status.ESCALATED)
SIGN_TASK = "sign_commitment"
# The process waits here for delivery, withdrawal or the deadline timer.
FULFILMENT_WAIT = "fulfilment_race"
SWEEP_ACTOR = "system:commitment-sweep"
OVERDUE_REASON = "承诺期限届满，承诺逾期未履行 commitment overdue: the deadline passed"
# Commitments the sweep changes per transaction: its statements are per batch, not per commitment.
SWEEP_BATCH = 100
Status = Commitment.Status

# Where an action leads, and the states in which it has nothing left to do: the deadline timer
# after the sweep (or the sweep after the timer) finds the commitment overdue already.
ALREADY_DONE = {
    "sign": {Status.PENDING},
    "fulfil": {Status.FULFILLED},
    "mark_overdue": {Status.OVERDUE, Status.ESCALATED, Status.FULFILLED_LATE},
    "fulfil_late": {Status.FULFILLED_LATE},
    "escalate": {Status.ESCALATED, Status.FULFILLED_LATE},
    "withdraw": {Status.WITHDRAWN},
}
# Transitions that keep the reason on the commitment itself (the supervisor's record).
REASONED = ("escalate", "withdraw")
ACTIONS_ZH = {
    "sign": "签署",
    "fulfil": "履约",
    "mark_overdue": "标记逾期",
    "fulfil_late": "逾期履约",
    "escalate": "督办",
    "withdraw": "撤销",
}


def commitment_variable(commitment: Commitment) -> dict:
    """The process variable ``commitment``: its deadline arms the BPMN deadline timer."""
    return {
        "commitment": commitment.pk,
        "deadline": commitment.deadline.isoformat() if commitment.deadline else None,
        "paused": commitment.paused_at is not None,
        "pdf_sha256": commitment.document_sha256,
    }


def _local(moment: datetime | None) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if moment else "—"


def commitment_transition(
    *,
    commitment: Commitment,
    action: str,
    actor=None,
    reason: str = "",
    now: datetime | None = None,
    **arguments,
) -> bool:
    """Apply ``action`` (a transition of :class:`Commitment`) with its journal entry and effects.

    Returns False, changing nothing, when the commitment is already where ``action`` leads.
    A transition the state machine forbids is refused with a bilingual ``CaseStateConflict``;
    marking a commitment overdue before its (effective) deadline is refused the same way.
    """
    now = now or timezone.now()
    with transaction.atomic():
        commitment = (
            Commitment.every_kind.select_for_update().select_related("case").get(pk=commitment.pk)
        )
        if commitment.status in ALREADY_DONE[action]:
            return False
        if (
            action == "mark_overdue"
            and not Commitment.every_kind.due(now).filter(pk=commitment.pk).exists()
        ):
            raise CaseStateConflict(
                f"承诺尚未到期（期限 {_local(commitment.deadline)}），不能标记逾期",
                f"the commitment is not due yet (deadline {_local(commitment.deadline)}, "
                "or its clock is paused or a delivery is under review)",
                commitment=commitment.pk,
            )
        previous = commitment.status
        if action in REASONED:
            arguments["reason"] = reason
        try:
            getattr(commitment, action)(**arguments)
        except TransitionNotAllowed:
            raise CaseStateConflict(
                f"承诺当前为“{commitment.get_status_display()}”，不能{ACTIONS_ZH[action]}",
                f"the commitment is {commitment.status}; it cannot {action.replace('_', ' ')}",
                commitment=commitment.pk,
                status=commitment.status,
            ) from None
        commitment.save()
        journal_extend([_journal_record(commitment, action, previous, actor, reason, now)])
        if action in SWEPT_EFFECTS:
            SWEPT_EFFECTS[action]([commitment], actor, reason)
        else:
            EFFECTS[commitment.kind].get(action, lambda *_: None)(commitment, actor, reason)
    return True


def _journal_record(
    commitment: Commitment, action: str, previous: str, actor, reason: str, now: datetime
) -> dict:
    """The journal entry of one transition, on its case's chain."""
    return {
        "chain": commitment.case.reference,
        "kind": f"commitment.{commitment.status}",
        "actor": actor,
        "payload": {
            "commitment": commitment.pk,
            "from": previous,
            "to": commitment.status,
            "reason": reason,
            "deadline": commitment.deadline.isoformat() if commitment.deadline else None,
            **(
                {"pdf_sha256": commitment.document_sha256, "signed_at": now.isoformat()}
                if action == "sign"
                else {}
            ),
            **({"kind": commitment.kind} if commitment.kind != Commitment.Kind.DELIVERY else {}),
        },
    }


def _overdue_effects(commitments: list[Commitment], actor, reason: str) -> None:
    """Overdue deliveries suspend their cases' certificates; the owners and the supervisors are
    told of each overdue commitment. Statements per call, not per commitment."""
    from certificates.lifecycle import certificates_suspend_for

    deliveries = [c for c in commitments if c.kind == Commitment.Kind.DELIVERY]
    if deliveries:
        certificates_suspend_for(
            cases=[c.case for c in deliveries], reason=reason or OVERDUE_REASON, actor=actor
        )
    rectifications = [c for c in commitments if c.kind == Commitment.Kind.RECTIFICATION]
    prefetch_related_objects([c.case.project.owner for c in rectifications], "members")
    items = _item_codes([c.pk for c in deliveries])
    watchers = list(supervisors())
    notices_send(
        _overdue_notice(c, items.get(c.pk, ""), watchers)
        if c.kind == Commitment.Kind.DELIVERY
        else _rectification_overdue_notice(c, watchers)
        for c in commitments
    )


def _item_codes(pks: list[int]) -> dict[int, str]:
    """Each commitment's tolerated items as the notices print them, in the catalog's order."""
    codes: dict[int, list[str]] = {}
    if pks:
        rows = (
            Commitment.items.through.objects.filter(commitment_id__in=pks)
            .order_by("catalogitem__version", "catalogitem__category", "catalogitem__code")
            .values_list("commitment_id", "catalogitem__code")
        )
        for pk, code in rows:
            codes.setdefault(pk, []).append(code)
    return {pk: "、".join(found) for pk, found in codes.items()}


def _overdue_notice(commitment: Commitment, items: str, watchers: list) -> Notice:
    case = commitment.case
    return Notice(
        recipients=[case.owner_user, *watchers],
        case=case,
        kind=Notification.Kind.OVERDUE,
        key=f"commitment-{commitment.pk}-overdue",
        title=(f"{case.reference} 承诺已逾期", f"{case.reference}: commitment overdue"),
        body=(
            f"承诺期限 {_local(commitment.deadline)} 已过，容缺材料（{items}）尚未补交合格，"
            "验收意见书效力已中止；补交并经核验合格后恢复。",
            f"The deadline {_local(commitment.deadline)} has passed without the tolerated items "
            f"({items}); the certificate is suspended until they are delivered and accepted.",
        ),
    )


def _late_fulfilment_effects(commitment: Commitment, actor, reason: str) -> None:
    from certificates.lifecycle import certificate_reinstate

    for certificate in commitment.case.certificates.filter(status="suspended"):
        certificate_reinstate(
            certificate=certificate,
            reason=reason or "逾期履约，容缺材料已补交合格 fulfilled late",
            actor=actor,
        )


def _escalation_effects(commitments: list[Commitment], actor, reason: str) -> None:
    """The supervisors get a record of each escalated commitment, with its reason."""
    watchers = list(supervisors())
    notices_send(_escalation_notice(c, watchers) for c in commitments)


def _escalation_notice(commitment: Commitment, watchers: list) -> Notice:
    case = commitment.case
    reason = commitment.reason
    return Notice(
        recipients=watchers,
        case=case,
        kind=Notification.Kind.ESCALATED,
        key=f"commitment-{commitment.pk}-escalated",
        title=(
            f"{case.reference} 逾期承诺待督办",
            f"{case.reference}: overdue commitment escalated",
        ),
        body=(
            f"{case.project.owner.name} 的承诺自 {_local(commitment.deadline)} 逾期未履行：{reason}",
            f"{case.project.owner.name}'s commitment is overdue since "
            f"{_local(commitment.deadline)}: {reason}",
        ),
    )


def _withdrawal_effects(commitment: Commitment, actor, reason: str) -> None:
    """The conditional certificate is revoked for good and the owner told why."""
    from certificates.lifecycle import certificate_revoke
    from certificates.models import Certificate

    case = commitment.case
    revoked = [
        certificate_revoke(
            certificate=certificate,
            reason=f"容缺承诺已撤销 commitment withdrawn: {reason}",
            actor=actor,
        )
        for certificate in case.certificates.filter(
            kind=Certificate.Kind.CONDITIONAL,
            status__in=(Certificate.Status.ISSUED, Certificate.Status.SUSPENDED),
        ).order_by("pk")
    ]
    numbers = "、".join(certificate.number for certificate in revoked) or "—"
    notify(
        recipients=owner_side(case),
        case=case,
        kind=Notification.Kind.WITHDRAWN,
        key=f"commitment-{commitment.pk}-withdrawn",
        title=(
            f"{case.reference} 容缺承诺已被档案馆撤销",
            f"{case.reference}: the archive withdrew the commitment",
        ),
        body=(
            f"撤销理由：{reason}。容缺受理意见书（{numbers}）已撤销；案件退回补正，"
            "请补齐容缺材料后重新提交验收。",
            f"Reason: {reason}. The conditional certificate ({numbers}) is revoked; the case is "
            "returned: file the tolerated items and submit it for acceptance again.",
        ),
    )


def _rectification_overdue_notice(commitment: Commitment, watchers: list) -> Notice:
    """A rectification past its deadline: the owner and the supervisors are told. The certificate
    stands: what follows a failed rectification is the inspection's referral, not this clock."""
    case = commitment.case
    return Notice(
        recipients=[*owner_side(case), *watchers],
        case=case,
        kind=Notification.Kind.OVERDUE,
        key=f"commitment-{commitment.pk}-overdue",
        title=(f"{case.reference} 整改已逾期", f"{case.reference}: rectification overdue"),
        body=(
            f"整改期限 {_local(commitment.deadline)} 已过，检查发现的问题尚未整改完毕，"
            "请尽快整改并提交整改报告。",
            f"The rectification deadline {_local(commitment.deadline)} has passed; put right "
            "what the inspection found and report it as soon as possible.",
        ),
    )


# The effects of the transitions the sweep makes, for many commitments of either kind at once
# (the deadline timer's single one too); the others, per kind, for one.
SWEPT_EFFECTS = {"mark_overdue": _overdue_effects, "escalate": _escalation_effects}
EFFECTS = {
    Commitment.Kind.DELIVERY: {
        "fulfil_late": _late_fulfilment_effects,
        "withdraw": _withdrawal_effects,
    },
    Commitment.Kind.RECTIFICATION: {},
}


# -- signing --------------------------------------------------------------------------------------


def commitment_document(commitment: Commitment, owner, now: datetime) -> tuple[bytes, datetime]:
    """The 承诺书 PDF the owner signs at ``now`` and the deadline it states."""
    deadline = commitment_deadline(now, commitment.period, commitment.terms.get("day_count", ""))
    from ..exports.commitment import commitment_pdf  # reportlab: loaded when a PDF is written

    return commitment_pdf(commitment, owner=owner, signed_on=now, deadline=deadline), deadline


def commitment_ofd_document(commitment: Commitment, owner, now: datetime) -> bytes:
    """The 承诺书 as OFD: once signed, as signed (signer, day, deadline); before, today's draft."""
    from ..exports.commitment import commitment_ofd

    if commitment.signed_at:
        return commitment_ofd(
            commitment,
            owner=commitment.signed_by,
            signed_on=commitment.signed_at,
            deadline=commitment.initial_deadline,
        )
    deadline = commitment_deadline(now, commitment.period, commitment.terms.get("day_count", ""))
    return commitment_ofd(commitment, owner=owner, signed_on=now, deadline=deadline)


def commitment_ofd_store(*, commitment: Commitment) -> None:
    """Render, seal and store the signed commitment's OFD unless it is there (a repeated job)."""
    from ..exports.commitment import sealed_commitment_ofd

    if commitment.ofd or not commitment.signed_at:
        return
    reference = commitment.case.reference
    document_keep_once(
        commitment,
        sealed_commitment_ofd(commitment),
        name=f"{reference}-commitment.ofd",
        chain=reference,
        kind="commitment.ofd_sealed",
    )


def _require_owner(case: Case, user) -> None:
    if not case.project.owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            "只有建设单位的成员可以签署或履行承诺",
            "only members of the owner organisation can sign or deliver on the commitment",
        )


def commitment_start(*, commitment: Commitment, owner, now: datetime | None = None) -> bool:
    """The owner signed (the process's sign step): store the signed PDF, start the clock."""
    now = now or timezone.now()
    pdf, deadline = commitment_document(commitment, owner, now)
    commitment.document_sha256 = hashlib.sha256(pdf).hexdigest()
    commitment.document.save(f"{commitment.case.reference}-commitment.pdf", ContentFile(pdf))
    if "ofd" in certificate_formats():
        # Sealed after the signature commits (the seal covers the signed text, signer and day).
        job_enqueue(RENDER_COMMITMENT_OFD_TASK, commitment.pk)
    return commitment_transition(
        commitment=commitment,
        action="sign",
        actor=owner,
        reason="建设单位签署承诺书 signed by the owner",
        now=now,
        user=owner,
        deadline=deadline,
    )


def commitment_sign(*, commitment: Commitment, user, viewed_sha256: str) -> Commitment:
    """The owner's explicit confirmation of the 承诺书 they were shown (its SHA-256)."""
    from .cases import case_task_complete

    _require_owner(commitment.case, user)
    if commitment.status != Status.DRAFT:
        raise CaseStateConflict(
            f"承诺书已{commitment.get_status_display()}，无需再签署",
            f"the commitment is {commitment.status}; there is nothing to sign",
        )
    pdf, deadline = commitment_document(commitment, user, timezone.now())
    if hashlib.sha256(pdf).hexdigest() != viewed_sha256:
        raise CaseStateConflict(
            f"承诺书内容已更新（期限现为 {_local(deadline)}），请重新阅读后再签署",
            f"the commitment document changed (the deadline is now {_local(deadline)}); "
            "read the new one and sign again",
        )
    case_task_complete(case=commitment.case, task_name=SIGN_TASK, user=user, data={"confirm": True})
    commitment.refresh_from_db()
    return commitment


# -- delivery, return and the paused clock --------------------------------------------------------


def commitment_deliver(*, case: Case, user) -> list[Material]:
    """The owner reports the tolerated items delivered; the process's reviewer checks them next.

    A clock paused while the archive had returned the items runs on from here, the deadline moved
    by the pause; while the archive checks a delivery the commitment does not fall due.
    """
    _require_owner(case, user)
    commitment = case.commitments.open().order_by("-pk").first()
    if commitment is None:
        raise AcceptanceError(
            "该案件没有待履行的承诺", "this case has no open commitment to deliver against"
        )
    codes = list(commitment.items.values_list("code", flat=True))
    delivered = list(
        case.materials.current()
        .filter(catalog_item__code__in=codes, status__in=Material.CHECKABLE)
        .select_related("catalog_item")
    )
    missing = sorted(set(codes) - {m.catalog_item.code for m in delivered})
    failed = materials_check(delivered)
    if missing or failed:
        raise AcceptanceError(
            "补交材料不完整：缺少 "
            + ("、".join(missing) or "无")
            + "；检测未通过 "
            + ("、".join(m.original_name for m in failed) or "无"),
            "the delivery is incomplete: missing "
            + (", ".join(missing) or "none")
            + "; failed checks "
            + (", ".join(m.original_name for m in failed) or "none"),
            missing=missing,
            failed=[m.original_name for m in failed],
        )
    # In the engine's tries: a slow script the message reaches gives this whole transaction back.
    for attempt in lock_tries():
        with attempt, transaction.atomic():
            message_send(
                instance_id=case_instance(case).pk,
                name=DELIVERY_MESSAGE,
                payload={"items": codes, "materials": [m.pk for m in delivered]},
                actor=user,
            )
            commitment_clock_on_delivery(commitment=commitment, user=user)
    return delivered


def commitment_clock_on_delivery(*, commitment: Commitment, user) -> None:
    """What the owner owed is handed in (delivered items, a rectification report): a paused clock
    runs on from here, moved by the pause, and the commitment does not fall due while checked.
    The caller holds the transaction."""
    now = timezone.now()
    commitment = Commitment.every_kind.select_for_update().get(pk=commitment.pk)
    payload = {"commitment": commitment.pk}
    if commitment.paused_at is not None:
        commitment.deadline += now - commitment.paused_at
        payload["paused_for_seconds"] = int((now - commitment.paused_at).total_seconds())
        commitment.paused_at = None
    commitment.delivered_at = now
    commitment.save(update_fields=("deadline", "paused_at", "delivered_at"))
    if commitment.deadline:
        payload["deadline"] = commitment.deadline.isoformat()
    journal_append(
        chain=commitment.case.reference, kind="commitment.delivered", actor=user, payload=payload
    )


def commitment_return_delivery(*, commitment: Commitment, actor=None) -> Commitment:
    """The archive returned the delivered items for correction: the clock pauses if the terms say
    so, until the owner delivers again; otherwise it runs on."""
    with transaction.atomic():
        commitment = Commitment.every_kind.select_for_update().get(pk=commitment.pk)
        commitment.delivered_at = None
        pause = commitment.status == Status.PENDING and commitment.terms.get("pause_on_return")
        if pause and commitment.paused_at is None:
            commitment.paused_at = timezone.now()
        commitment.save(update_fields=("delivered_at", "paused_at"))
        journal_append(
            chain=commitment.case.reference,
            kind="commitment.returned",
            actor=actor,
            payload={"commitment": commitment.pk, "paused": bool(commitment.paused_at)},
        )
    return commitment


# -- withdrawal by the archive -------------------------------------------------------------------


def may_withdraw(user) -> bool:
    return user.is_superuser or user.groups.filter(name__in=WITHDRAWING_GROUPS).exists()


def commitment_withdraw(*, case: Case, user, reason: str) -> Commitment:
    """The archive withdraws the case's commitment (撤销), with a reason.

    Only the process moves it: the message ends the wait for delivery (and the deadline timer),
    and its service task withdraws the commitment, revokes the conditional certificate and
    returns the case to the owner's supplement step.
    """
    if not may_withdraw(user):
        raise NotPermitted(
            "只有档案馆审核人员或督办人员可以撤销承诺",
            "only the archive's reviewers and supervisors can withdraw a commitment",
        )
    reason = (reason or "").strip()
    if not reason:
        raise AcceptanceError(
            "撤销承诺须填写理由，理由将告知建设单位并记入案件日志",
            "give a reason to withdraw the commitment; the owner is told it and the journal "
            "keeps it",
        )
    commitment = case.commitments.order_by("-pk").first()
    if commitment is None or commitment.status not in WITHDRAWABLE:
        state = commitment.get_status_display() if commitment else "无承诺 none"
        raise CaseStateConflict(
            f"承诺当前为“{state}”，只有履约期内、已逾期或已督办的承诺可以撤销",
            f"the commitment is {commitment.status if commitment else 'missing'}; only a "
            "pending, overdue or escalated commitment can be withdrawn",
        )
    try:
        message_send(
            instance_id=case_instance(case).pk,
            name=WITHDRAWAL_MESSAGE,
            payload={"commitment": commitment.pk, "by": user.get_username(), "reason": reason},
            actor=user,
        )
    except MessageNotExpected:
        raise CaseStateConflict(
            "补交材料正在核验中，请先完成核验（合格或退回）后再撤销",
            "delivered items are under review; finish the check (accept or return them) "
            "before withdrawing",
        ) from None
    commitment.refresh_from_db()
    return commitment


# -- the sweep ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    overdue: int
    escalated: int
    reminders: int


def _each(ids, work) -> int:
    """Run ``work`` on each id; one failing commitment is logged and never stops the others."""
    done = 0
    for pk in ids:
        try:
            done += bool(work(Commitment.every_kind.get(pk=pk)))
        except Exception:
            logger.exception("commitment sweep: commitment %s failed", pk)
    return done


def _in_batches(ids: list[int], action: str, now: datetime) -> int:
    """Apply the sweep's ``action`` to ``ids``, ``SWEEP_BATCH`` commitments per transaction.

    A batch that fails is rolled back whole and its commitments are taken again one by one
    through ``commitment_transition``, so one broken commitment never stops the others.
    """
    done = 0
    for start in range(0, len(ids), SWEEP_BATCH):
        batch = ids[start : start + SWEEP_BATCH]
        try:
            done += _sweep_batch(batch, action, now)
        except Exception:
            logger.warning("commitment sweep: batch failed, one by one now", exc_info=True)
            done += _each(batch, lambda c: _sweep_one(c, action, now))
    return done


def _sweep_one(commitment: Commitment, action: str, now: datetime) -> bool:
    reason = OVERDUE_REASON if action == "mark_overdue" else _escalation_reason(commitment)
    return commitment_transition(
        commitment=commitment, action=action, actor=SWEEP_ACTOR, reason=reason, now=now
    )


def _escalation_reason(commitment: Commitment) -> str:
    return (
        f"逾期超过 {commitment.terms.get('escalate_after_days', 30)} 天仍未履行，转督办 "
        "overdue past the escalation period"
    )


def _sweep_batch(ids: list[int], action: str, now: datetime) -> int:
    """``action`` on those of ``ids`` that still need it, in one transaction: each commitment by
    its own transition and journal entry, with statements per batch, not per commitment.

    The rows are locked, and those another transaction holds are skipped: a second sweep, or the
    deadline timer, is making the same change to them (``commitment_transition`` then finds it
    made). What is locked is checked again, so a commitment changed since ``ids`` were read is
    left as it is.
    """
    with transaction.atomic():
        locked = (
            Commitment.every_kind.select_for_update(skip_locked=True, of=("self",))
            .select_related("case__owner_user", "case__project__owner")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if action == "mark_overdue":
            commitments = list(locked.due(now))
        else:
            commitments = list(locked.escalation_due(now))
        if not commitments:
            return 0
        records = []
        for commitment in commitments:
            previous = commitment.status
            if action == "escalate":
                commitment.escalate(reason=_escalation_reason(commitment))
            else:
                commitment.mark_overdue()
            reason = commitment.reason if action in REASONED else OVERDUE_REASON
            records.append(_journal_record(commitment, action, previous, SWEEP_ACTOR, reason, now))
        Commitment.every_kind.bulk_update(
            commitments, ["status", "reason"] if action in REASONED else ["status"]
        )
        journal_extend(records)
        SWEPT_EFFECTS[action](commitments, SWEEP_ACTOR, OVERDUE_REASON)
    return len(commitments)


def commitments_sweep(now: datetime | None = None, *, cases=None) -> SweepResult:
    """Catch the deadlines the BPMN timer missed, escalate, send reminders; safe to run twice,
    and by two workers at once.

    ``cases`` limits the sweep to those cases' commitments: a sweep run at another moment than
    now (the demo reaching a deadline) must never move anyone else's commitments in time.
    Rectifications ordered by inspections (整改) are swept with the deliveries.
    """
    now = now or timezone.now()
    commitments = (
        Commitment.every_kind.all()
        if cases is None
        else Commitment.every_kind.filter(case__in=cases)
    )
    overdue = _in_batches(
        list(commitments.due(now).order_by("deadline").values_list("pk", flat=True)),
        "mark_overdue",
        now,
    )
    escalated = _in_batches(
        list(commitments.escalation_due(now).order_by("deadline").values_list("pk", flat=True)),
        "escalate",
        now,
    )
    return SweepResult(overdue, escalated, commitment_reminders(now, commitments))


# What a reminder is made from: a pending commitment within the reminders' horizon.
Upcoming = namedtuple("Upcoming", "pk case_id kind deadline terms")


def commitment_reminders(now: datetime, commitments=None) -> int:
    """Remind owners of the deadline at the policy's offsets; each reminder goes out once.

    Reminders already sent are skipped in one query; the unique constraint on notifications
    still decides when two sweeps meet the same reminder at the same moment. The holiday
    calendar, the cases, their owners and the items are read once for all the reminders due.
    """
    # Working days stretch an offset over more calendar days (a Spring Festival adds nine).
    horizon = now + timedelta(days=60)
    upcoming = (
        (commitments if commitments is not None else Commitment.every_kind)
        .filter(
            status=Status.PENDING, paused_at__isnull=True, deadline__gt=now, deadline__lte=horizon
        )
        # The terms as text, each distinct text parsed once: commitments under one policy share
        # them, and every sweep reads every commitment within the horizon.
        .annotate(terms_text=Cast("terms", TextField()))
        .values_list("pk", "case_id", "kind", "deadline", "terms_text")
    )
    terms = functools.cache(json.loads)
    reached = []
    with calendar_read_once():
        for pk, case_id, kind, deadline, text in upcoming:
            row = Upcoming(pk, case_id, kind, deadline, terms(text))
            left = days_left(row.deadline, now, row.terms.get("day_count", ""))
            offsets = [day for day in row.terms.get("reminder_offsets", []) if left <= day]
            if offsets:
                key = f"commitment-{row.pk}-reminder-{min(offsets)}-{row.deadline:%Y%m%d%H%M}"
                reached.append((row, left, key))
    sent = set(
        Notification.objects.filter(key__in=[key for *_, key in reached])
        .order_by()
        .values_list("key", flat=True)
    )
    reached = [(row, left, key) for row, left, key in reached if key not in sent]
    if not reached:
        return 0
    cases = Case.objects.select_related("owner_user", "project__owner").in_bulk(
        {row.case_id for row, *_ in reached}
    )
    prefetch_related_objects([case.project.owner for case in cases.values()], "members")
    items = _item_codes([row.pk for row, *_ in reached])
    made = notices_send(
        _reminder(row, cases[row.case_id], left, key, items.get(row.pk, ""))
        for row, left, key in reached
    )
    return len({notification.key for notification in made})


def _reminder(row, case: Case, left: int, key: str, items: str) -> Notice:
    unit_zh = "个工作日" if row.terms.get("day_count") == "working" else "天"
    rectification = row.kind == Commitment.Kind.RECTIFICATION
    noun_zh, noun_en = ("整改", "rectification") if rectification else ("承诺", "commitment")
    return Notice(
        recipients=owner_side(case),
        case=case,
        kind=Notification.Kind.REMINDER,
        key=key,
        title=(
            f"{case.reference} {noun_zh}还剩 {left} {unit_zh}到期",
            f"{case.reference}: {noun_en} due in {left} day(s)",
        ),
        body=(
            (
                f"请于 {_local(row.deadline)} 前完成整改（{items}）并提交整改报告。",
                f"Put right what the inspection found ({items}) and report it by "
                f"{_local(row.deadline)}.",
            )
            if rectification
            else (
                f"请于 {_local(row.deadline)} 前补交容缺材料：{items}。",
                f"Deliver the tolerated items ({items}) by {_local(row.deadline)}.",
            )
        ),
    )


# -- the holiday calendar changed -----------------------------------------------------------------


def commitments_recompute_deadlines(
    sender=None, *, days, actor=None, reason=("", ""), **kwargs
) -> int:
    """The holiday calendar changed on ``days``: count the pending deadlines again; how many moved.

    The receiver of ``workflows.signals.calendar_changed``, inside the calendar's transaction. A
    pending commitment signed before the last changed day is counted again from its signature,
    and any time its clock stood paused is added back. Each moved deadline is journaled on the
    case's chain with the old and the new deadline and the owner is told. Overdue and settled
    commitments keep theirs: the calendar does not reopen a deadline already missed.
    """
    latest = datetime.combine(max(days), datetime.max.time(), tzinfo=SHANGHAI)
    rows = Commitment.objects.filter(
        status=Status.PENDING, signed_at__lte=latest, deadline__isnull=False
    ).values_list("pk", "case_id")
    return sum(_recompute(pk, case_id, actor, reason) for pk, case_id in rows)


def _instance_id(case_id: int) -> int | None:
    try:
        return case_instance(Case.objects.get(pk=case_id)).pk
    except ProcessInstance.DoesNotExist:  # a commitment made without its process (a benchmark)
        return None


def _recompute(pk: int, case_id: int, actor, reason: tuple[str, str]) -> bool:
    # The process's instance first, then the commitment: the order its own handlers lock them in.
    instance_id = _instance_id(case_id)
    if instance_id is not None:
        ProcessInstance.objects.select_for_update().only("pk").get(pk=instance_id)
    commitment = (
        Commitment.objects.select_for_update()
        .select_related("case__owner_user", "case__project__owner")
        .get(pk=pk)
    )
    paused_for = commitment.deadline - commitment.initial_deadline
    initial = commitment_deadline(
        commitment.signed_at, commitment.period, commitment.terms.get("day_count", "")
    )
    old, new = commitment.deadline, initial + paused_for
    if new == old:
        return False
    commitment.initial_deadline, commitment.deadline = initial, new
    commitment.save(update_fields=("initial_deadline", "deadline"))
    # The process's deadline timer moves with it (none waits while the clock is paused or a
    # delivery is under review: the timer is armed again from the variable when it resumes).
    if instance_id is not None:
        timer_reschedule(
            instance_id=instance_id,
            task_name=FULFILMENT_WAIT,
            due=new,
            data={"commitment": commitment_variable(commitment)},
            actor=actor,
        )
    case = commitment.case
    journal_append(
        chain=case.reference,
        kind="commitment.deadline_recomputed",
        actor=actor,
        payload={
            "commitment": commitment.pk,
            "from": old.isoformat(),
            "to": new.isoformat(),
            "reason": " ".join(reason),
        },
    )
    notify(
        recipients=owner_side(case),
        case=case,
        kind=Notification.Kind.DEADLINE_CHANGED,
        key=f"commitment-{commitment.pk}-deadline-{new:%Y%m%d%H%M}",
        title=(
            f"{case.reference} 承诺期限调整为 {_local(new)}",
            f"{case.reference}: commitment deadline now {_local(new)}",
        ),
        body=(
            f"因{reason[0]}，承诺期限重新计算，由 {_local(old)} 调整为 {_local(new)}。",
            f"As {reason[1]}, the deadline is counted again: it moves from {_local(old)} to "
            f"{_local(new)}.",
        ),
    )
    return True
