"""The writes of records access: requests, proofs, the archivist's decision, journaled.

Every access is journaled on the request's chain (its number), through the plugin's one journal
writer: the request as submitted (who, which records, purpose, proofs), each proof, the decision,
the delivery and each download of the extract.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime, time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from acceptance.checks import FileKind
from acceptance.models import Case, Material, Project
from acceptance.services.filecheck import check_path
from acceptance.services.projects import new_reference
from workflows.engine import instance_start, lock_tries, task_complete
from workflows.exceptions import TaskNotAvailable
from workflows.journal import journal_append
from workflows.labels import SHANGHAI
from workflows.models import HumanTask, ProcessInstance
from workflows.workdays import add_working_days

from .exceptions import NotPermitted, ProofRefused, RecordClosed, RequestRefused, ReviewInvalid
from .models import AccessRequest, EligibilityRule, Proof, ProofKind, Purpose, RequesterRole

PROCESS_ID = "records_access"
SUPPLY_TASK = "supply_proofs"
REVIEW_TASK = "archivist_review"
MAX_PROOF_BYTES = 20 * 1024 * 1024
# A visit the rule requires is booked on the next working day at the window's opening hour.
WINDOW_OPENS = time(9, 30)


# -- reads the writes need --------------------------------------------------------------------


def rule_for(purpose: Purpose, role: str) -> EligibilityRule:
    """The rule in force for ``purpose`` and ``role``, or a refusal naming who may ask."""
    rule = EligibilityRule.objects.in_force().filter(purpose=purpose, role=role).first()
    if rule is not None:
        return rule
    roles = [
        str(RequesterRole(value).label)
        for value in EligibilityRule.objects.in_force()
        .filter(purpose=purpose)
        .values_list("role", flat=True)
    ]
    role_label = RequesterRole(role).label if role in RequesterRole.values else role
    raise RequestRefused(
        f"“{purpose.name_zh}”目前不受理以“{role_label}”身份提出的查档申请；"
        + (f"可受理的身份：{'、'.join(roles)}。" if roles else "该目的暂无受理规则，请咨询窗口。"),
        f"“{purpose.name_en}” is not open to requests as {role}; "
        + (f"it is open to: {', '.join(roles)}." if roles else "ask the archive's window."),
        purpose=purpose.code,
        role=role,
    )


def archived_records(project: Project):
    """The project's records the archive holds: current files of its archived cases."""
    return (
        Material.objects.current()
        .filter(case__project=project, case__status=Case.Status.ARCHIVED)
        .select_related("catalog_item")
        .order_by("catalog_item__code", "pk")
    )


def records_in_scope(rule: EligibilityRule, project: Project) -> list[Material]:
    return [m for m in archived_records(project) if rule.covers(m.catalog_item.code)]


def missing_proofs(request: AccessRequest) -> list[dict]:
    """Everything the rule asks for that the request lacks, in one list (一次性告知)."""
    supplied = set(request.proofs.values_list("kind_id", flat=True))
    return [
        {"code": kind.code, "name_zh": kind.name_zh, "name_en": kind.name_en, "hint": kind.hint_zh}
        for kind in request.rule.proofs.order_by("code")
        if kind.pk not in supplied
    ]


def _refuse_closed(records: list[Material]) -> None:
    """A record the open catalog closes (不开放) is refused by name, before anything is stored."""
    from .selectors import record_closed

    closed = [m for m in records if record_closed(m)]
    if closed:
        names = "、".join(f"{m.catalog_item.code} {m.title or m.original_name}" for m in closed)
        raise RecordClosed(
            f"以下档案不对外开放，不能申请利用：{names}。如确有需要，请持有关机关公函到窗口咨询。",
            f"these records are closed to access: {names}. Ask at the window with an official letter.",
            records=[m.pk for m in closed],
        )


# -- proofs -----------------------------------------------------------------------------------


def proof_check(
    data: bytes, name: str, *, what_zh: str = "证明材料", what_en: str = "proof"
) -> dict:
    """The intake's four-property checks on a proof (or another document sent in, such as a
    partner's file: ``what_zh``/``what_en`` name it), refused clearly if it is not a document."""
    return document_check(
        ContentFile(data), name, what_zh=what_zh, what_en=what_en, max_bytes=MAX_PROOF_BYTES
    )


def document_check(
    document: File, name: str, *, what_zh: str, what_en: str, max_bytes: int
) -> dict:
    """``proof_check`` on a file that may be streamed to disk (a partner's scanned volume): it
    is copied chunk by chunk under its own name for the checks, never read whole into memory."""
    if not document.size:
        raise ProofRefused(
            f"{what_zh}“{name}”是空文件，请重新选择。",
            f"The {what_en} {name!r} is empty; choose it again.",
        )
    if document.size > max_bytes:
        megabytes = max_bytes // 1024**2
        raise ProofRefused(
            f"{what_zh}“{name}”超过 {megabytes} MB，请压缩或分页扫描后上传。",
            f"The {what_en} {name!r} is larger than {megabytes} MB; scan it smaller.",
        )
    with tempfile.TemporaryDirectory(prefix="access-proof-") as folder:
        path = Path(folder) / (Path(name).name or "proof")
        with path.open("wb") as copy:
            for chunk in document.chunks():
                copy.write(chunk)
        report = check_path(path, kind=FileKind.DOCUMENT)
    if not report["passed"]:
        failed = [c for c in report.get("checks", []) if c["result"] == "fail"]
        reasons_zh = "；".join(c["message_zh"] for c in failed) or report.get("error", {}).get(
            "message", "无法读取"
        )
        reasons_en = "; ".join(c["message_en"] for c in failed) or "it cannot be read"
        raise ProofRefused(
            f"{what_zh}“{name}”不是可用的文件（应为 PDF 等文档）：{reasons_zh}。请上传{what_zh}的 PDF 扫描件。",
            f"The {what_en} {name!r} is not a usable document: {reasons_en}. Upload a PDF scan of it.",
            checks=failed,
        )
    return report


def _proof_store(request: AccessRequest, kind: ProofKind, data: bytes, name: str, report: dict):
    proof = Proof(
        request=request,
        kind=kind,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        check_report=report,
    )
    proof.file.save(Path(name).name or "proof.pdf", ContentFile(data), save=False)
    proof.save()
    return proof


def _proof_facts(proof: Proof) -> dict:
    return {"kind": proof.kind.code, "name": proof.original_name, "sha256": proof.sha256}


# -- the request ------------------------------------------------------------------------------


def process_variables(request: AccessRequest) -> dict:
    return {"request": request.reference, "requester": request.requester.get_username()}


def request_submit(
    *,
    user,
    requester_name: str,
    requester_kind: str,
    role: str,
    purpose: Purpose,
    project: Project,
    records: list[Material],
    proofs: list[tuple[ProofKind, bytes, str]],
    platform: str = "",
    platform_reference: str = "",
) -> tuple[AccessRequest, bool]:
    """Take a request and start its process; ``(request, created)``.

    Asked again with the same platform number, it returns the request made the first time.
    Everything is checked before anything is stored: the rule, the records' scope and access
    level, each proof. A missing proof is not a refusal: the process sends one notice of all.
    """
    if platform_reference:
        existing = AccessRequest.objects.filter(
            platform=platform, platform_reference=platform_reference
        ).first()
        if existing is not None:
            return existing, False
    rule = rule_for(purpose, role)
    if not records:
        raise RequestRefused("请至少选择一份要查阅的档案。", "Choose at least one record.")
    in_scope = {m.pk for m in records_in_scope(rule, project)}
    outside = [m for m in records if m.pk not in in_scope]
    _refuse_closed(records)
    if outside:
        names = "、".join(f"{m.catalog_item.code} {m.title or m.original_name}" for m in outside)
        raise RequestRefused(
            f"按“{rule}”的规则，以下档案不在可查阅范围内：{names}。",
            f"under the rule “{rule}” these records are outside what may be seen: {names}.",
            records=[m.pk for m in outside],
        )
    checked = [(kind, data, name, proof_check(data, name)) for kind, data, name in proofs]
    for attempt in lock_tries():
        with attempt, transaction.atomic(durable=True):
            request = AccessRequest.objects.create(
                reference=new_reference("CD"),
                requester=user,
                requester_name=requester_name.strip() or user.get_username(),
                requester_kind=requester_kind,
                role=role,
                purpose=purpose,
                rule=rule,
                project=project,
                platform=platform,
                platform_reference=platform_reference,
            )
            request.records.set(records)
            stored = [_proof_store(request, *item) for item in checked]
            journal_append(
                chain=request.reference,
                kind="access.request_submitted",
                actor=user,
                payload={
                    "requester": request.requester_name,
                    "requester_kind": requester_kind,
                    "role": role,
                    "purpose": purpose.code,
                    "project": project.reference,
                    "records": [m.pk for m in records],
                    "proofs": [_proof_facts(p) for p in stored],
                    "platform": platform,
                    "platform_reference": platform_reference,
                },
            )
            instance_start(
                process_id=PROCESS_ID,
                business_object=request,
                business_key=request.reference,
                data=process_variables(request),
                actor=user,
            )
    return request, True


def _requester_only(request: AccessRequest, user) -> None:
    if request.requester_id != user.pk:
        raise NotPermitted(
            "只有申请人本人可以办理此查档申请。", "Only the requester can act on this request."
        )


def open_task(request: AccessRequest, task_name: str) -> HumanTask | None:
    return (
        HumanTask.objects.filter(
            instance__business_key=request.reference,
            task_name=task_name,
            status=HumanTask.Status.OPEN,
        )
        .order_by("-created_at")
        .first()
    )


def proofs_supply(
    *, request: AccessRequest, user, proofs: list[tuple[ProofKind, bytes, str]]
) -> AccessRequest:
    """The requester sends the proofs the notice asked for; the eligibility check runs again."""
    _requester_only(request, user)
    task = open_task(request, SUPPLY_TASK)
    if task is None:
        raise TaskNotAvailable(
            "该申请当前不需要补正证明材料。", "This request is not waiting for proofs."
        )
    if not proofs:
        raise ProofRefused("请选择要上传的证明材料。", "Choose the proofs to upload.")
    checked = [(kind, data, name, proof_check(data, name)) for kind, data, name in proofs]
    with transaction.atomic(durable=True):
        stored = [_proof_store(request, *item) for item in checked]
        journal_append(
            chain=request.reference,
            kind="access.proofs_supplied",
            actor=user,
            payload={"proofs": [_proof_facts(p) for p in stored]},
        )
    task_complete(task_id=task.task_id, user=user, data={})
    request.refresh_from_db()
    return request


def review_decide(
    *, request: AccessRequest, user, decision: str, approved: list[int], reasons: str
) -> AccessRequest:
    """The archivist's decision, through the process's review task."""
    task = open_task(request, REVIEW_TASK)
    if task is None:
        raise TaskNotAvailable(
            "该申请当前没有待审核的任务。", "This request is not waiting for a review."
        )
    review_validate(request, decision, [str(pk) for pk in approved], reasons)
    task_complete(
        task_id=task.task_id,
        user=user,
        data={
            "decision": decision,
            "approved_records": [str(pk) for pk in approved],
            "reasons": reasons,
        },
    )
    request.refresh_from_db()
    return request


def review_validate(
    request: AccessRequest, decision: str, approved: list[str], reasons: str
) -> list[Material]:
    """The records a decision approves; refused if it cannot stand (part or refuse need reasons)."""
    requested = {str(m.pk): m for m in request.records.all()}
    if decision not in AccessRequest.Decision.values:
        raise ReviewInvalid("请选择审核结论。", "Choose a decision.")
    if decision != AccessRequest.Decision.ALL and not (reasons or "").strip():
        raise ReviewInvalid(
            "部分同意或不予利用时必须写明理由，申请人将看到这些理由。",
            "Give the reasons to approve in part or refuse; the requester sees them.",
        )
    if decision == AccessRequest.Decision.ALL:
        return list(requested.values())
    if decision == AccessRequest.Decision.REFUSE:
        return []
    unknown = [pk for pk in approved if pk not in requested]
    chosen = [requested[pk] for pk in approved if pk in requested]
    if unknown or not chosen or len(chosen) == len(requested):
        raise ReviewInvalid(
            "部分同意时请勾选同意利用的档案（至少一份，且不是全部）。",
            "To approve in part, tick the records approved (at least one, not all).",
        )
    return chosen


def review_due(now: datetime | None = None) -> datetime:
    """The end of the review's last working day, in Shanghai time."""
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    last = add_working_days(today, settings.ACCESS_REVIEW_WORKING_DAYS)
    return datetime.combine(last, time(17, 30), tzinfo=SHANGHAI)


def visit_slot(now: datetime | None = None) -> datetime:
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    return datetime.combine(add_working_days(today, 1), WINDOW_OPENS, tzinfo=SHANGHAI)


def access_register_entry(request: AccessRequest, outcome: str, actor) -> None:
    """The access register's line (利用登记): who, what, purpose, proofs, outcome, time."""
    journal_append(
        chain=request.reference,
        kind="access.registered",
        actor=actor,
        payload={
            "requester": request.requester_name,
            "role": request.role,
            "purpose": request.purpose.code,
            "project": request.project.reference,
            "records_requested": sorted(request.records.values_list("pk", flat=True)),
            "records_approved": sorted(request.approved_records.values_list("pk", flat=True)),
            "proofs": [_proof_facts(p) for p in request.proofs.select_related("kind")],
            "outcome": outcome,
            "decision": request.decision,
            "reasons": request.decision_reason,
        },
    )


def request_instance(request: AccessRequest) -> ProcessInstance | None:
    return ProcessInstance.objects.filter(business_key=request.reference).order_by("-pk").first()


def extract_download(*, user, reference: str, file_format: str = "pdf"):
    """The extract of the requester's own request, its download journaled; None for anyone else.

    Another requester, an archivist or a guessed number all get None alike: the extract is the
    requester's, and its existence is not told to others. ``file_format`` is ``pdf`` or ``ofd``;
    an OFD not made (yet) is not journaled as downloaded: the caller says where it stands.
    """
    from .selectors import request_for_requester

    request = request_for_requester(user, reference)
    extract = getattr(request, "extract", None) if request is not None else None
    if extract is None or (file_format == "ofd" and not extract.ofd):
        return extract
    journal_append(
        chain=request.reference,
        kind="access.extract_downloaded",
        actor=user,
        payload={
            "number": extract.number,
            "format": file_format,
            "sha256": extract.ofd_sha256 if file_format == "ofd" else extract.pdf_sha256,
        },
    )
    return extract
