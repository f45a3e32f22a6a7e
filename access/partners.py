"""Linked archives (馆室联动): records another archive or archive room holds, forwarded to it.

A partner is registered by staff with its endpoint; its shared key is the signing secret of a
webhook subscription made for it, so the forwarded request is signed, queued in the job outbox
and retried with backoff exactly like every webhook. The partner answers through the API with
a body signed with the same key: files for the forwarded records (checked like proofs) or a
refusal with its reasons. When every partner of a request has answered, the process goes on
as if the records were served here. Every step is journaled on the request's chain.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from datetime import datetime, time
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from acceptance.models import Material
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_send
from webhooks.signing import signature_valid
from workflows.journal import journal_append
from workflows.labels import SHANGHAI
from workflows.workdays import add_working_days

from .exceptions import (
    ForwardingClosed,
    ForwardingUnknown,
    PartnerAnswerInvalid,
    PartnerNotAuthenticated,
    ProofRefused,
)
from .models import AccessRequest, Forwarding, Partner, PartnerFile, PartnerHolding

FORWARDED_EVENT = "access.request_forwarded"
ANSWERED_MESSAGE = "partner_answered"
PARTNER_HEADER = "X-Partner"
# A partner's key is a webhook subscription's; its audience keeps every other event from it.
PARTNER_AUDIENCE = "partner:{code}"
PROVIDED, REFUSED = "provided", "refused"


# -- registering partners ---------------------------------------------------------------------


def partner_register(
    *,
    code: str,
    name: str,
    kind: str,
    endpoint: str,
    private_network: bool = False,
    answer_working_days: int = 5,
    contact: str = "",
) -> Partner:
    """A new linked partner with a fresh shared key (its subscription's secret).

    ``private_network``: the endpoint is on the government intranet (a private address), which
    staff registering it vouch for; other webhook receivers stay on public addresses.
    """
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            name=f"馆室联动 {name}",
            url=endpoint,
            events=[FORWARDED_EVENT],
            audience=PARTNER_AUDIENCE.format(code=code),
            private_network_allowed=private_network,
        )
        return Partner.objects.create(
            code=code,
            name=name,
            kind=kind,
            subscription=subscription,
            answer_working_days=answer_working_days,
            contact=contact,
        )


def partner_update(
    *, partner: Partner, endpoint: str, private_network: bool, active: bool
) -> Partner:
    """A changed endpoint or link; the key stays (the partner has it)."""
    with transaction.atomic():
        partner.subscription.url = endpoint
        partner.subscription.private_network_allowed = private_network
        partner.subscription.active = active
        partner.subscription.save(update_fields=("url", "private_network_allowed", "active"))
        partner.active = active
        partner.save()
    return partner


# -- which records partners hold --------------------------------------------------------------


def record_holders(records) -> dict[int, Partner]:
    """The linked partner holding each record that a partner holds: a holding of the record
    itself, else of its catalog item, else of its category, else of its top category."""
    holdings = PartnerHolding.objects.filter(partner__active=True).select_related("partner")
    by_record = {h.material_id: h.partner for h in holdings if h.material_id}
    by_code = {h.catalog_code: h.partner for h in holdings if h.catalog_code}
    holders = {}
    for material in records:
        item = material.catalog_item
        for key in (material.pk, item.code, item.category, item.category[:1]):
            partner = by_record.get(key) if key == material.pk else by_code.get(key)
            if partner is not None:
                holders[material.pk] = partner
                break
    return holders


# -- forwarding -------------------------------------------------------------------------------


def answer_due(partner: Partner, now: datetime | None = None) -> datetime:
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    last = add_working_days(today, partner.answer_working_days)
    return datetime.combine(last, time(17, 30), tzinfo=SHANGHAI)


def forwarding_payload(forwarding: Forwarding) -> dict:
    """What the partner gets: who asks for what and why, what the window checked, how to answer."""
    request = forwarding.request
    return {
        "forwarding": str(forwarding.token),
        "request": request.reference,
        "partner": forwarding.partner.code,
        "requester": {
            "name": request.requester_name,
            "kind": request.requester_kind,
            "role": request.role,
        },
        "purpose": {"code": request.purpose.code, "name_zh": request.purpose.name_zh},
        "project": {
            "reference": request.project.reference,
            "name": request.project.name,
            "location": request.project.location,
        },
        "records": [
            {"id": m.pk, "code": m.catalog_item.code, "title": m.title or m.original_name}
            for m in forwarding.records.select_related("catalog_item").order_by("pk")
        ],
        "proofs_checked": [
            {"kind": p.kind.code, "name": p.original_name, "sha256": p.sha256}
            for p in request.proofs.select_related("kind")
        ],
        "decided_by_window": request.decision,
        "due_at": forwarding.due_at,
        "answer_path": reverse("api:access-forwarding-answer", args=[forwarding.token]),
    }


def _send(forwarding: Forwarding) -> WebhookDelivery:
    delivery = webhook_send(
        subscription=forwarding.partner.subscription,
        event=FORWARDED_EVENT,
        payload=forwarding_payload(forwarding),
    )
    forwarding.delivery = delivery
    forwarding.save(update_fields=("delivery",))
    return delivery


def requests_forward(request: AccessRequest) -> list[Forwarding]:
    """Forward the approved records partners hold, one forwarding per partner; the caller
    holds the transaction (the process's service task). Nothing held elsewhere: nothing sent."""
    approved = list(request.approved_records.select_related("catalog_item"))
    holders = record_holders(approved)
    by_partner: dict[int, tuple[Partner, list[Material]]] = {}
    for material in approved:
        if material.pk in holders:
            partner = holders[material.pk]
            by_partner.setdefault(partner.pk, (partner, []))[1].append(material)
    forwardings = []
    for partner, records in by_partner.values():
        forwarding = Forwarding.objects.create(
            request=request, partner=partner, due_at=answer_due(partner)
        )
        forwarding.records.set(records)
        delivery = _send(forwarding)
        journal_append(
            chain=request.reference,
            kind="access.forwarded",
            payload={
                "partner": partner.code,
                "forwarding": str(forwarding.token),
                "records": [m.pk for m in records],
                "due_at": forwarding.due_at.isoformat(),
                "delivery": str(delivery.delivery_id),
            },
        )
        forwardings.append(forwarding)
    return forwardings


def forwarding_resend(*, forwarding: Forwarding, user) -> WebhookDelivery:
    """The archivist sends a waiting forwarding again (the partner lost it, or never got it)."""
    with transaction.atomic():
        forwarding = Forwarding.objects.select_for_update().get(pk=forwarding.pk)
        _still_waiting(forwarding)
        delivery = _send(forwarding)
        journal_append(
            chain=forwarding.request.reference,
            kind="access.forwarding_resent",
            actor=user,
            payload={"partner": forwarding.partner.code, "delivery": str(delivery.delivery_id)},
        )
    return delivery


def forwarding_withdraw(*, forwarding: Forwarding, user, reason: str) -> Forwarding:
    """The archivist stops waiting for a partner that does not answer, with the reasons the
    requester will read; the request then goes on as if the partner had refused."""
    reason = (reason or "").strip()
    if not reason:
        raise PartnerAnswerInvalid(
            "终止转交时必须写明理由，申请人将看到这些理由。",
            "Give the reasons to stop waiting for the partner; the requester sees them.",
        )
    return _close(forwarding, Forwarding.Status.WITHDRAWN, reason, user=user)


# -- the partner's answer ---------------------------------------------------------------------


def partner_authenticate(code: str | None, body: bytes, signature: str | None) -> Partner:
    """The linked partner whose key signed ``body``; refused alike for an unknown partner."""
    partner = (
        Partner.objects.filter(code=code or "", active=True).select_related("subscription").first()
    )
    if partner is None or not signature_valid(partner.subscription.secret, body, signature):
        raise PartnerNotAuthenticated(
            f"签名校验失败：请用本馆分配给贵单位的共享密钥对请求正文签名（{PARTNER_HEADER} 填贵单位代码）。",
            f"The signature does not verify: sign the exact body with the key this archive gave "
            f"you and name your partner code in {PARTNER_HEADER}.",
        )
    return partner


def partner_answer_receive(
    *, token: str, partner_code: str | None, body: bytes, signature: str | None
) -> tuple[Forwarding, bool]:
    """Take a partner's signed answer to a forwarding; ``(forwarding, repeated)``.

    The same answer sent again (the partner did not see our reply) is taken once and answered
    alike; a different answer to a forwarding already answered is refused, the first kept.
    A refused answer is journaled with the reason and changes nothing else.
    """
    partner = partner_authenticate(partner_code, body, signature)
    forwarding = (
        Forwarding.objects.filter(token=token, partner=partner).select_related("request").first()
        if _is_uuid(token)
        else None
    )
    if forwarding is None:
        others = Forwarding.objects.filter(token=token).first() if _is_uuid(token) else None
        if others is not None:
            # Someone else's forwarding: the attempt is on the record of the request it named.
            journal_append(
                chain=others.request.reference,
                kind="access.partner_answer_rejected",
                payload={"partner": partner.code, "code": ForwardingUnknown.code},
            )
        raise ForwardingUnknown(
            f"本馆没有转交给{partner.name}的该项查档申请（转交编号 {token}），请核对编号。",
            f"No request was forwarded to {partner.code} under {token}; check the number.",
        )
    digest = hashlib.sha256(body).hexdigest()
    if forwarding.status != Forwarding.Status.WAITING and forwarding.answer_sha256 == digest:
        return forwarding, True
    try:
        _still_waiting(forwarding)
        outcome, reason, files = _parse_answer(forwarding, body)
    except (ForwardingClosed, PartnerAnswerInvalid) as error:
        _journal_rejected(forwarding, error)
        raise
    status = Forwarding.Status.PROVIDED if outcome == PROVIDED else Forwarding.Status.REFUSED
    return _close(forwarding, status, reason, files=files, digest=digest), False


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _still_waiting(forwarding: Forwarding) -> None:
    if forwarding.status != Forwarding.Status.WAITING:
        when = timezone.localtime(forwarding.answered_at, SHANGHAI)
        raise ForwardingClosed(
            f"该转交已于 {when:%Y年%m月%d日 %H:%M} 办结（{forwarding.get_status_display().split(' ')[0]}），"
            "不再接受新的答复；如需更正请联系本馆。",
            f"This forwarding was closed at {when:%Y-%m-%d %H:%M} ({forwarding.status}); "
            "a new answer is not taken. Contact the archive to correct it.",
            status=forwarding.status,
        )


def _invalid(zh: str, en: str) -> PartnerAnswerInvalid:
    return PartnerAnswerInvalid(f"答复无法受理：{zh}", f"The answer cannot be taken: {en}")


def _parse_answer(forwarding: Forwarding, body: bytes) -> tuple[str, str, list]:
    """The answer's outcome, reasons and checked files; refused with what is wrong."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _invalid("正文不是 UTF-8 编码的 JSON。", "the body is not UTF-8 JSON.") from None
    if not isinstance(answer, dict) or answer.get("outcome") not in (PROVIDED, REFUSED):
        raise _invalid(
            "outcome 须为 provided（提供文件）或 refused（不予提供）。",
            "outcome must be provided or refused.",
        )
    if answer["outcome"] == REFUSED:
        reason = answer.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise _invalid(
                "不予提供时必须写明理由（reason），申请人将看到这些理由。",
                "a refusal needs its reason; the requester reads it.",
            )
        return REFUSED, reason.strip(), []
    files = answer.get("files")
    if not isinstance(files, list) or not files:
        raise _invalid("提供文件时 files 不能为空。", "files must list the files provided.")
    records = {m.pk: m for m in forwarding.records.all()}
    checked = []
    for number, item in enumerate(files, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _invalid(f"第 {number} 个文件缺少 name。", f"file {number} has no name.")
        name = Path(item["name"]).name or f"file-{number}.pdf"
        if item.get("record") not in records:
            raise _invalid(
                f"文件“{name}”的 record 不是本次转交的档案（应为 {sorted(records)} 之一）。",
                f"the record of {name!r} is not one forwarded ({sorted(records)}).",
            )
        try:
            data = base64.b64decode(item.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise _invalid(
                f"文件“{name}”的 content_base64 不是有效的 Base64。",
                f"content_base64 of {name!r} is not valid Base64.",
            ) from None
        try:
            report = _file_check(data, name)
        except ProofRefused as error:
            raise PartnerAnswerInvalid(error.message_zh, error.message_en) from None
        checked.append((records[item["record"]], name, data, report))
    unanswered = sorted(set(records) - {record.pk for record, *_rest in checked})
    if unanswered:
        raise _invalid(
            f"以下转交的档案没有文件：{unanswered}；不能提供的请整体答复 refused 并写明理由。",
            f"no file for the forwarded records {unanswered}; refuse with a reason instead.",
        )
    return PROVIDED, "", checked


def _file_check(data: bytes, name: str) -> dict:
    from .services import proof_check

    return proof_check(data, name, what_zh="合作单位提供的文件", what_en="partner's file")


def _close(
    forwarding: Forwarding, status: str, reason: str, *, files=(), digest="", user=None
) -> Forwarding:
    """Record the end of a forwarding and, when it was the request's last, tell the process."""
    # The engine loads SpiffWorkflow: not at start-up (the admin imports this module).
    from workflows.engine import lock_tries, message_send

    for attempt in lock_tries():
        with attempt, transaction.atomic():
            forwarding = (
                Forwarding.objects.select_for_update()
                .select_related("request", "partner")
                .get(pk=forwarding.pk)
            )
            _still_waiting(forwarding)
            stored = [_file_store(forwarding, *item) for item in files]
            forwarding.status = status
            forwarding.reason = reason
            forwarding.answered_at = timezone.now()
            forwarding.answer_sha256 = digest
            forwarding.closed_by = user
            forwarding.save()
            request = forwarding.request
            journal_append(
                chain=request.reference,
                kind="access.partner_answered" if user is None else "access.forwarding_withdrawn",
                actor=user,
                payload={
                    "partner": forwarding.partner.code,
                    "forwarding": str(forwarding.token),
                    "outcome": status,
                    "reason": reason,
                    "files": [
                        {"record": f.record_id, "name": f.original_name, "sha256": f.sha256}
                        for f in stored
                    ],
                },
            )
            if not request.forwardings.filter(status=Forwarding.Status.WAITING).exists():
                from .services import request_instance

                message_send(
                    instance_id=request_instance(request).pk,
                    name=ANSWERED_MESSAGE,
                    payload={"forwardings": [str(f) for f in request.forwardings.all()]},
                    actor=user,
                )
    return forwarding


def _file_store(forwarding: Forwarding, record, name: str, data: bytes, report: dict):
    partner_file = PartnerFile(
        forwarding=forwarding,
        record=record,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        check_report=report,
    )
    partner_file.file.save(name, ContentFile(data), save=False)
    partner_file.save()
    return partner_file


def _journal_rejected(forwarding: Forwarding, error) -> None:
    journal_append(
        chain=forwarding.request.reference,
        kind="access.partner_answer_rejected",
        payload={
            "partner": forwarding.partner.code,
            "forwarding": str(forwarding.token),
            "code": error.code,
            "reason": error.message_zh,
        },
    )


def partner_answers_apply(request: AccessRequest) -> bool:
    """Every partner has answered: records not provided leave the approval with the partners'
    reasons; True when nothing is left to give (the request is refused with those reasons).
    The caller holds the transaction (the process's service task)."""
    refused = [
        f
        for f in request.forwardings.select_related("partner")
        if f.status != Forwarding.Status.PROVIDED
    ]
    reasons = "；".join(f"{f.partner.name}：{f.reason}" for f in refused)
    refused_records = [m for f in refused for m in f.records.all()]
    left = request.approved_records.exclude(pk__in=[m.pk for m in refused_records]).exists()
    if left:
        request.partners_answered(refused_records=refused_records, reasons=reasons)
    else:
        request.partners_refused(reasons=reasons)
    request.save()
    return not left


def partner_files_by_record(request: AccessRequest) -> dict[int, list[PartnerFile]]:
    """The files partners provided for the request's records, by record."""
    files: dict[int, list[PartnerFile]] = {}
    for partner_file in (
        PartnerFile.objects.filter(
            forwarding__request=request, forwarding__status=Forwarding.Status.PROVIDED
        )
        .select_related("forwarding__partner")
        .order_by("pk")
    ):
        files.setdefault(partner_file.record_id, []).append(partner_file)
    return files
