"""Case status changes, told to webhook subscribers.

Every change of a case's status is a django-fsm transition, so django-fsm's own
``post_transition`` signal (sender ``Case``) reports each one, wherever it happens (a BPMN
service handler, a service, the admin): the acceptance app needs no signal of its own and knows
nothing of webhooks. The webhooks app stays generic too; this module, which knows both, turns a
transition into a ``case.status_changed`` event whose deliveries are written in the transaction
that makes the transition (the job outbox): they are sent once it commits, and a rolled-back
transition, e.g. in a failing handler's savepoint, is never announced.

An event is addressed to ``organisation:<id>`` of the project's owner and to ``user:<id>`` of each
of its members, so a subscription made through the API (audience ``user:<its owner>``) hears only
the cases its owner may see; one made in the admin may name an organisation; a subscription with
a blank audience (archive staff) hears all.
"""

from __future__ import annotations

from django.utils import timezone
from django_fsm.signals import post_transition

from acceptance.models import Case
from webhooks.services import webhooks_dispatch

CASE_STATUS_CHANGED = "case.status_changed"
EVENT_KINDS = (CASE_STATUS_CHANGED,)
DISPATCH_UID = "api.events.case_status_changed"


def user_audience(user_id: int) -> str:
    return f"user:{user_id}"


def case_status_payload(case: Case, *, source: str, target: str, transition: str, at) -> dict:
    project = case.project
    return {
        "case": case.reference,
        "project": project.reference,
        "project_name": project.name,
        "from_status": source,
        "to_status": target,
        "transition": transition,
        "changed_at": at.isoformat(),
    }


def case_transitioned(sender, instance: Case, name: str, source, target, **kwargs) -> None:
    if kwargs.get("exception") is not None or source == target or instance.pk is None:
        return
    case = instance
    members = case.project.owner.members.values_list("pk", flat=True)
    webhooks_dispatch(
        event=CASE_STATUS_CHANGED,
        payload=case_status_payload(
            case, source=str(source), target=str(target), transition=name, at=timezone.now()
        ),
        audiences=[
            f"organisation:{case.project.owner_id}",
            *(user_audience(pk) for pk in members),
        ],
    )


def connect() -> None:
    post_transition.connect(case_transitioned, sender=Case, dispatch_uid=DISPATCH_UID)
