"""The service tasks of ``bpmn/records_access.bpmn``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from workflows.services import ServiceCall, service

from .extracts import extract_issue
from .models import AccessRequest
from .partners import partner_answers_apply, requests_forward
from .services import (
    access_register_entry,
    missing_proofs,
    review_due,
    review_validate,
    visit_slot,
)


def _request(call: ServiceCall) -> AccessRequest:
    return AccessRequest.objects.select_for_update(no_key=True).get(pk=call.business_object.pk)


@service("access.eligibility_check")
def eligibility_check(call: ServiceCall) -> dict:
    """The rule's proofs against those supplied: all present goes to review, else one notice."""
    request = _request(call)
    missing = missing_proofs(request)
    if missing:
        request.ask_for_proofs(missing)
    else:
        request.admit()
        request.review_due_at = review_due()
    request.save()
    return {
        "complete": not missing,
        "missing": missing,
        "rule": str(request.rule),
        "review_due": request.review_due_at.isoformat() if request.review_due_at else None,
    }


@service("access.review_escalate")
def review_escalate(call: ServiceCall) -> dict:
    """The review passed its working-day limit: flagged for the supervisor; the task stays open."""
    return {"request": call.business_object.reference, "escalated_at": timezone.now().isoformat()}


@service("access.review_apply")
def review_apply(
    call: ServiceCall, decision: str, approved_records: list, reasons: str, reviewed_by: str
) -> dict:
    request = _request(call)
    reviewer = get_user_model().objects.get(username=reviewed_by)
    approved = review_validate(request, decision, approved_records or [], reasons)
    if decision == AccessRequest.Decision.REFUSE:
        request.refuse(reason=reasons.strip(), by=reviewer)
        request.save()
        access_register_entry(request, "refused", reviewer)
    else:
        request.approved_records.set(approved)
        request.approve(decision=decision, reason=(reasons or "").strip(), by=reviewer)
        request.save()
    return {
        "refused": decision == AccessRequest.Decision.REFUSE,
        "visit_required": bool(request.rule.visit_required),
        "approved": [m.pk for m in approved],
    }


@service("access.visit_book")
def visit_book(call: ServiceCall) -> dict:
    request = _request(call)
    request.book_visit(visit_slot())
    request.save()
    access_register_entry(request, "visit_booked", None)
    return {"at": request.appointment_at.isoformat()}


@service("access.extract_prepare", asynchronous=True)
def extract_prepare(call: ServiceCall) -> dict:
    """The signed extract; safe to run twice (an issued extract is returned as it is)."""
    extract = extract_issue(request=call.business_object)
    return {"number": extract.number, "sha256": extract.pdf_sha256, "pages": extract.pages}


@service("access.extract_deliver")
def extract_deliver(call: ServiceCall) -> dict:
    request = _request(call)
    request.deliver()
    request.save()
    access_register_entry(request, "extract_delivered", None)
    return {"number": request.extract.number}


@service("access.partners_forward")
def partners_forward(call: ServiceCall) -> dict:
    """Approved records a partner holds go to it as signed webhooks (sent after commit)."""
    request = _request(call)
    forwardings = requests_forward(request)
    if forwardings:
        request.forward()
        request.save()
    return {"forwarded": bool(forwardings), "partners": [f.partner.code for f in forwardings]}


@service("access.partner_answers_apply")
def partner_answers_apply_task(call: ServiceCall) -> dict:
    """Every partner answered: what they refused leaves the approval, with their reasons."""
    request = _request(call)
    refused = partner_answers_apply(request)
    if refused:
        access_register_entry(request, "refused", None)
    return {"refused": refused}
