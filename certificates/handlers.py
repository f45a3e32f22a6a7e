"""BPMN service tasks of the certificates app."""

from workflows.models import ProcessInstance
from workflows.services import ServiceCall, service

from .issue import certificate_issue
from .lifecycle import certificates_suspend


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
    certificate = certificate_issue(
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
