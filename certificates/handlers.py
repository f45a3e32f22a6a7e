"""BPMN service tasks of the certificates app."""

from workflows.services import ServiceCall, service

from .issue import certificate_issue, certificates_suspend


@service("certificates.issue", asynchronous=True)
def issue_certificate(call: ServiceCall, *, kind: str) -> dict:
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
