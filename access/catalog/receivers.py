"""A case accepted or archived puts its project's records into the open catalog, and so does
the owner's signature on a conditional acceptance's commitment; a case that leaves the accepted
states (a withdrawn commitment returns it) takes them out again.

Every change of a case's status is a django-fsm transition, so django-fsm's ``post_transition``
(senders ``Case`` and ``Commitment``) reports each, wherever it happens; the acceptance app
knows nothing of access.
The project is indexed once the transition commits (a rolled-back one changes nothing).
"""

from __future__ import annotations

from django.db import transaction
from django_fsm.signals import post_transition

from acceptance.models import Case, Commitment

from .index import ACCEPTED_STATUSES, catalog_project_index

DISPATCH_UID = "access.catalog.case_accepted"
COMMITMENT_DISPATCH_UID = "access.catalog.commitment_signed"


def _index_on_commit(case: Case) -> None:
    project = case.project
    transaction.on_commit(lambda: catalog_project_index(project))


def case_transitioned(sender, instance: Case, name: str, source, target, **kwargs) -> None:
    if source in ACCEPTED_STATUSES or target in ACCEPTED_STATUSES:
        _index_on_commit(instance)


def commitment_transitioned(sender, instance: Commitment, name, source, target, **kwargs) -> None:
    if source == Commitment.Status.DRAFT:
        _index_on_commit(instance.case)


def connect() -> None:
    post_transition.connect(case_transitioned, sender=Case, dispatch_uid=DISPATCH_UID)
    post_transition.connect(
        commitment_transitioned, sender=Commitment, dispatch_uid=COMMITMENT_DISPATCH_UID
    )
