"""The BPMN service tasks of the acceptance domain.

Each handler calls the domain's state transitions; an illegal one raises, and the engine turns it
into an incident on the case's process instance instead of corrupting state.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django_fsm import TransitionNotAllowed

from certificates.lifecycle import certificates_suspend
from workflows.jobs.outbox import job_enqueue
from workflows.models import ProcessInstance
from workflows.services import ServiceCall, service

from .archive.package import archival_package_path
from .checks import ArchiveProperty, CheckOutcome, CheckResult
from .drawings.review import review_index_unmatched, review_set
from .exceptions import CaseStateConflict
from .media.sets import media_check_start
from .models import Case, Commitment, CommitmentPolicy, Decision, FormatKind, Material
from .selectors.checks import material_delivered
from .selectors.completeness import completeness_report
from .selectors.drawings import case_drawing_index, case_drawings, drawing_title
from .services.certificates import case_certificate_issue
from .services.commitments import (
    OVERDUE_REASON,
    commitment_return_delivery,
    commitment_start,
    commitment_transition,
    commitment_variable,
)
from .services.material_checks import MEDIA_KINDS, materials_check
from .services.materials import materials_review
from .services.volumes import volumes_arrange, volumes_summary

EXPORT_PACKAGE_TASK = "acceptance.export_archival_package"


def _case(call: ServiceCall) -> Case:
    # ``no_key``: a file stored meanwhile (a row referring to the case) need not wait for this
    # transaction, which then may wait for that upload's journal entry. Read by the instance's
    # ``object_id``: the instance's business object would read the case once more, unlocked.
    return Case.objects.select_for_update(no_key=True).get(pk=call.instance.object_id)


def _open_commitment(case: Case) -> Commitment:
    commitment = case.commitments.open().select_for_update().order_by("-pk").first()
    if commitment is None:
        raise CaseStateConflict(
            f"案件 {case.reference} 没有待履行的承诺",
            f"case {case.reference} has no open commitment",
        )
    return commitment


def _checkable(case_id: int, statuses=Material.CHECKABLE, **filters):
    return Material.objects.current().filter(case_id=case_id, status__in=statuses, **filters)


def _findings(failed: list[Material]) -> list[dict]:
    """What failed in each file, for the reviewer's guidance and the owner's one notice."""
    return [
        {
            "file": material.original_name,
            "item": material.catalog_item.code,
            "checks": [
                {"code": o["code"], "message_zh": o["message_zh"], "message_en": o["message_en"]}
                for o in material.check_report.get("outcomes", [])
                if o["result"] == "fail"
            ],
        }
        for material in failed
    ]


def _declaration_outcomes(materials, declared_files, declared_bytes) -> list[dict]:
    """完整性: the submission holds as many files and bytes as the owner declared."""
    files, size = materials.count(), sum(materials.values_list("size", flat=True))
    outcomes = []
    for code, declared, delivered, noun_zh, noun_en in (
        ("integrity.declared_count", declared_files, files, "文件数", "file count"),
        ("integrity.declared_bytes", declared_bytes, size, "字节数", "byte total"),
    ):
        if declared is None:
            continue
        matches = declared == delivered
        outcomes.append(
            CheckOutcome(
                code,
                ArchiveProperty.INTEGRITY,
                CheckResult.PASS if matches else CheckResult.FAIL,
                f"申报{noun_zh} {declared}，实收 {delivered}"
                + ("" if matches else "：请核对并补齐或更正申报"),
                f"declared {noun_en} {declared}, received {delivered}"
                + ("" if matches else ": check the submission and upload or correct it"),
                {"declared": declared, "received": delivered},
            ).as_dict()
        )
    return outcomes


@service("acceptance.node_check")
def node_check(
    call: ServiceCall,
    *,
    node: str,
    declared_files: int | None = None,
    declared_bytes: int | None = None,
) -> dict:
    """Check the node's new records, list its expected items still missing, arrange volumes."""
    case = _case(call)
    node_obj = case.project.nodes.get(code=node)
    failed = materials_check(_checkable(case.pk, node=node_obj).select_related("catalog_item"))
    delivered = {
        material.catalog_item.code
        for material in case.materials.current()
        .filter(node=node_obj)
        .select_related("catalog_item")
        if material_delivered(material)
    }
    expected = node_obj.expected_items.values_list("code", flat=True)
    volumes = volumes_arrange(case=case)
    return {
        "node": node,
        "failed": [material.original_name for material in failed],
        "findings": _findings(failed),
        "missing": sorted(code for code in expected if code not in delivered),
        "declaration": _declaration_outcomes(
            case.materials.current().filter(node=node_obj), declared_files, declared_bytes
        ),
        "volumes": len(volumes),
    }


@service("acceptance.case_submit")
def case_submit(call: ServiceCall) -> dict:
    case = _case(call)
    case.submit_for_review()
    case.save()
    return {"status": case.status}


@service("acceptance.completeness_check")
def completeness_check(call: ServiceCall) -> dict:
    """归档范围核对; when something blocking is missing the case goes back to the owner at once."""
    case = _case(call)
    materials_check(_checkable(case.pk).exclude(format_kind__in=(FormatKind.DRAWING, *MEDIA_KINDS)))
    report = completeness_report(case)
    if not report.acceptable:
        case.return_for_supplement()
        case.save()
    return {**report.as_dict(), "volumes": volumes_summary(volumes_arrange(case=case))}


# The asynchronous checks change materials only, never the case, so they do not lock the case:
# user actions lock the process instance first and the case second.
@service("acceptance.check_drawings", asynchronous=True)
def check_drawings(call: ServiceCall) -> dict:
    drawings = _checkable(
        call.instance.object_id, Material.RECHECKABLE, format_kind=FormatKind.DRAWING
    )
    checked = drawings.count()
    failed = materials_check(drawings.select_related("catalog_item"))
    return {"checked": checked, "failed": [material.original_name for material in failed]}


@service("acceptance.drawings_to_check", read_only=True)
def drawings_to_check(call: ServiceCall) -> list[int]:
    """The ids of the drawings to check now, one parallel ``check_drawing`` job each.

    The multi-instance task replaces each id by its result in place: a second round (after a
    resubmission) starts from a fresh list instead of appending to the first round's.
    """
    drawings = _checkable(
        call.instance.object_id, Material.RECHECKABLE, format_kind=FormatKind.DRAWING
    )
    return list(drawings.order_by("pk").values_list("pk", flat=True))


@service("acceptance.check_drawing", asynchronous=True)
def check_drawing(call: ServiceCall, *, material: int) -> dict:
    """数字化审图 of one drawing, in its own job; a drawing replaced meanwhile is skipped."""
    drawing = (
        _checkable(call.instance.object_id, Material.RECHECKABLE, format_kind=FormatKind.DRAWING)
        .select_related("catalog_item")
        .filter(pk=material)
        .first()
    )
    if drawing is None:
        return {"material": material, "checked": False, "passed": None, "name": ""}
    failed = materials_check([drawing])
    return {
        "material": material,
        "checked": True,
        "passed": not failed,
        "name": drawing.original_name,
    }


@service("acceptance.drawing_checks_summary")
def drawing_checks_summary(call: ServiceCall, *, results: list[dict]) -> dict:
    """The parallel checks' results in the shape the review task shows (checked, failed)."""
    checked = sorted((r for r in results if r["checked"]), key=lambda r: r["material"])
    drawings = case_drawings(call.business_object)
    titles = {m.original_name: drawing_title(m) for m in drawings}
    index = case_drawing_index(call.business_object)
    by_set = review_set(titles, index=index)
    return {
        "checked": len(checked),
        "failed": [r["name"] for r in checked if not r["passed"]],
        # Set rules (drawing numbers unique…): shown to the reviewer, decided by the reviewer.
        "set_findings": {
            name: [f.message_zh for f in found] for name, found in by_set.items() if found
        },
        # Drawing index entries no drawing carries (set.index), keyed by nothing but the index.
        "index_findings": [f.message_zh for f in review_index_unmatched(titles, index)],
    }


@service("acceptance.check_media", asynchronous=True)
def check_media(call: ServiceCall) -> dict | object:
    """The set's photos and recordings, checked in chunks on every worker (``media.sets``)."""
    media = _checkable(call.instance.object_id, Material.RECHECKABLE, format_kind__in=MEDIA_KINDS)
    return media_check_start(call, media)


@service("acceptance.review_materials")
def review_materials(
    call: ServiceCall, *, kinds: list[str], verdict: str, comment: str = ""
) -> dict:
    """Apply a reviewer's approve / return to the case's current materials of ``kinds``."""
    case = _case(call)
    materials = (
        case.materials.current()
        .filter(format_kind__in=kinds)
        .exclude(status=Material.Status.RETURNED)
    )
    count = materials_review(materials=materials, approve=verdict == "approve", comment=comment)
    return {"verdict": verdict, "materials": count}


@service("acceptance.apply_decision")
def apply_decision(
    call: ServiceCall,
    *,
    decision: str,
    decided_by: str,
    tolerated_items: list[str] | None = None,
    comment: str = "",
) -> dict:
    """Record the acceptance decision and move the case; conditional opens a draft commitment
    on the terms of the conditional acceptance policy in force."""
    case = _case(call)
    reviewer = get_user_model().objects.get(username=decided_by)
    record = Decision.objects.create(
        case=case, outcome=decision, comment=comment, decided_by=reviewer
    )
    result = {"outcome": decision, "decision": record.pk}
    if decision == Decision.Outcome.ACCEPT:
        case.accept()
    elif decision == Decision.Outcome.RETURN:
        case.return_for_supplement()
    elif decision == Decision.Outcome.CONDITIONAL:
        policy = CommitmentPolicy.objects.current()
        items = list(case.catalog_version.items.filter(code__in=tolerated_items or []))
        case.accept_conditionally(items, policy)
        record.tolerated_items.set(items)
        commitment = Commitment.objects.create(
            case=case, decision=record, period=policy.period, terms=policy.terms()
        )
        commitment.items.set(items)
        result["commitment"] = commitment.pk
    else:
        raise TransitionNotAllowed(f"unknown decision {decision!r}")
    case.save()
    return result


# The certificate's service tasks keep the ids the process files have always named them by.
@service("certificates.issue", asynchronous=True)
def issue_certificate(call: ServiceCall, *, kind: str) -> dict:
    """Issue the signed certificate of the case's latest decision; a redelivery changes nothing."""
    # Issuing journals on the case's chain and supersedes certificates, rows that user actions
    # lock after the instance. Taking the instance first keeps that order (no deadlock), at the
    # price of holding user actions on this one case while the PDF is signed.
    ProcessInstance.objects.select_for_update().values_list("pk", flat=True).get(
        pk=call.instance.pk
    )
    case = call.business_object
    decision = case.decisions.latest("decided_at")
    certificate = case_certificate_issue(
        case=case, kind=kind, issue_key=f"{case.reference}:{kind}:decision-{decision.pk}"
    )
    return {
        "number": certificate.number,
        "kind": certificate.kind,
        "pdf_sha256": certificate.pdf_sha256,
    }


@service("certificates.suspend")
def suspend_certificates(call: ServiceCall, *, reason: str) -> dict:
    suspended = certificates_suspend(case=call.business_object, reason=reason)
    return {"suspended": [certificate.number for certificate in suspended]}


@service("acceptance.commitment_activate")
def commitment_activate(call: ServiceCall, *, signed_by: str) -> dict:
    """The owner signed: the signed PDF is stored and journaled, the deadline fixed."""
    case = _case(call)
    commitment = _open_commitment(case)
    commitment_start(commitment=commitment, owner=get_user_model().objects.get(username=signed_by))
    commitment.refresh_from_db()
    return commitment_variable(commitment)


@service("acceptance.commitment_overdue")
def commitment_overdue(call: ServiceCall) -> dict:
    """The BPMN deadline timer fired; if the sweep was first, nothing more happens."""
    case = _case(call)
    commitment = _open_commitment(case)
    commitment_transition(
        commitment=commitment,
        action="mark_overdue",
        reason=OVERDUE_REASON,
    )
    commitment.refresh_from_db()
    return {"commitment": commitment.pk, "status": commitment.status}


@service("acceptance.commitment_return_delivery")
def commitment_return(call: ServiceCall) -> dict:
    """The reviewer returned the delivered items; the terms decide whether the clock pauses."""
    case = _case(call)
    return commitment_variable(commitment_return_delivery(commitment=_open_commitment(case)))


@service("acceptance.commitment_fulfil")
def commitment_fulfil(call: ServiceCall) -> dict:
    """Delivered items accepted: fulfilled on time, or late after the deadline passed."""
    case = _case(call)
    commitment = _open_commitment(case)
    commitment_transition(
        commitment=commitment,
        action="fulfil" if commitment.status == Commitment.Status.PENDING else "fulfil_late",
        reason="容缺材料已补交并核验合格 delivered items accepted",
    )
    case.fulfil_conditions()
    case.save()
    commitment.refresh_from_db()
    return {"commitment": commitment.pk, "status": commitment.status}


@service("acceptance.commitment_withdrawn")
def commitment_withdrawn(call: ServiceCall, *, withdrawal: dict) -> dict:
    """The archive withdrew the commitment: journaled with its actor and reason, the conditional
    certificate revoked, the case returned so the owner files the items before acceptance."""
    case = _case(call)
    commitment = _open_commitment(case)
    commitment_transition(
        commitment=commitment,
        action="withdraw",
        actor=get_user_model().objects.get(username=withdrawal["by"]),
        reason=withdrawal["reason"],
    )
    case.withdraw_conditions()
    case.save()
    return {
        "commitment": commitment.pk,
        "status": Commitment.Status.WITHDRAWN,
        "reason": withdrawal["reason"],
        "by": withdrawal["by"],
    }


@service("acceptance.review_escalate")
def review_escalate(call: ServiceCall) -> dict:
    """The acceptance decision passed its SLA: flag it for the supervisor; the task stays open."""
    return {"case": call.business_object.reference, "escalated_at": datetime.now(UTC).isoformat()}


@service("acceptance.case_archive")
def case_archive(call: ServiceCall) -> dict:
    """事毕归档: the case is archived; its package is written once the completion commits."""
    case = _case(call)
    case.archive()
    case.save()
    job_enqueue(EXPORT_PACKAGE_TASK, case.pk)
    return {"status": case.status, "package": str(archival_package_path(case))}
