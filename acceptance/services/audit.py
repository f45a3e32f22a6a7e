"""The auditor's own trail: who looked at what of a case, and when, on the case's chain."""

from __future__ import annotations

from workflows.journal import journal_append
from workflows.models import JournalEntry

from ..models import Case
from ..selectors.cases import is_auditor


def audit_view_record(*, case: Case, user, page: str, **details) -> JournalEntry | None:
    """Journal an auditor's read of ``case`` (``audit.viewed``); other readers are not audited."""
    if not is_auditor(user):
        return None
    return journal_append(
        chain=case.reference,
        kind="audit.viewed",
        actor=user,
        payload={"page": page, **details},
    )
