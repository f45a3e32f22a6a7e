"""A certificate's life after issuance: superseded, suspended, reinstated, revoked.

Each verb locks the certificate, applies its django-fsm transition (an illegal one is refused with
a clear error) and journals the change on the certificate's chain in the same transaction. The PDF is
never touched: a suspended or revoked certificate stays downloadable; verification tells its
status.
"""

from __future__ import annotations

from django.db import transaction
from django_fsm import TransitionNotAllowed

from workflows.journal import journal_extend

from .exceptions import CertificateRefused
from .models import Certificate

VERBS = {  # transition: (Chinese, English, English past participle)
    "supersede": ("替代", "supersede", "superseded"),
    "suspend": ("中止", "suspend", "suspended"),
    "reinstate": ("恢复", "reinstate", "reinstated"),
    "revoke": ("撤销", "revoke", "revoked"),
}


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


def _required_reason(reason: str, verb: str, number: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        zh, en, _ = VERBS[verb]
        raise CertificateRefused(
            f"{zh}验收意见书 {number} 须说明理由",
            f"a reason is required to {en} certificate {number}",
            number=number,
        )
    return reason


def _apply(certificate: Certificate, verb: str, *args) -> None:
    try:
        getattr(certificate, verb)(*args)
    except TransitionNotAllowed:
        zh, _, done = VERBS[verb]
        raise CertificateRefused(
            f"验收意见书 {certificate.number} 当前状态为“{certificate.get_status_display()}”，不能{zh}",
            f"certificate {certificate.number} is {certificate.status} and cannot be {done} now",
            number=certificate.number,
            status=certificate.status,
        ) from None
    certificate.save()


def _journal_record(certificate: Certificate, kind: str, actor, **payload) -> dict:
    return {
        "chain": certificate.journal_chain,
        "kind": kind,
        "actor": actor,
        "payload": {"number": certificate.number, "status": certificate.status, **payload},
    }


def _journal(certificate: Certificate, kind: str, actor, **payload) -> None:
    journal_extend([_journal_record(certificate, kind, actor, **payload)])


def _transition_with_reason(
    certificate: Certificate, action: str, kind: str, reason: str, actor
) -> Certificate:
    with transaction.atomic():
        certificate = _locked(certificate)
        reason = _required_reason(reason, action, certificate.number)
        _apply(certificate, action, reason)
        _journal(certificate, kind, actor, reason=reason)
    return certificate


def certificate_supersede(*, certificate: Certificate, by: Certificate, actor=None) -> Certificate:
    """``by`` (the upgraded full certificate) replaces ``certificate``."""
    with transaction.atomic():
        certificate = _locked(certificate)
        _apply(certificate, "supersede")
        _journal(certificate, "certificate.superseded", actor, superseded_by=by.number)
    return certificate


def certificate_suspend(*, certificate: Certificate, reason: str, actor=None) -> Certificate:
    """Suspend a valid certificate, e.g. when its commitment is overdue."""
    return _transition_with_reason(certificate, "suspend", "certificate.suspended", reason, actor)


def certificate_reinstate(*, certificate: Certificate, reason: str, actor=None) -> Certificate:
    """Lift a suspension: the certificate is valid again."""
    return _transition_with_reason(
        certificate, "reinstate", "certificate.reinstated", reason, actor
    )


def certificate_revoke(*, certificate: Certificate, reason: str, actor=None) -> Certificate:
    """Revoke a certificate for good; verification then says it is void."""
    return _transition_with_reason(certificate, "revoke", "certificate.revoked", reason, actor)


def certificates_suspend(*, case, reason: str, actor=None) -> list[Certificate]:
    """Suspend every valid certificate of ``case`` (the subject), e.g. its commitment overdue."""
    return certificates_suspend_for(cases=[case], reason=reason, actor=actor)


def certificates_suspend_for(*, cases, reason: str, actor=None) -> list[Certificate]:
    """Suspend every valid certificate of ``cases`` (a sweep's overdue commitments), each by its
    transition and journaled: one statement locks them, one suspends them, three journal them,
    however many there are."""
    with transaction.atomic():
        valid = list(
            Certificate.objects.select_for_update()
            .filter(case__in=cases, status=Certificate.Status.ISSUED)
            .order_by("pk")
        )
        if not valid:
            return []
        reason = _required_reason(reason, "suspend", valid[0].number)
        for certificate in valid:
            certificate.suspend(reason)
        # The rows are locked: the transitions above were checked against their stored state.
        Certificate.objects.filter(pk__in=[c.pk for c in valid]).update(
            status=Certificate.Status.SUSPENDED, status_reason=reason
        )
        journal_extend(
            [_journal_record(c, "certificate.suspended", actor, reason=reason) for c in valid]
        )
    return valid
