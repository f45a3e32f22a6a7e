"""Case status changes, told to webhook subscribers.

Every change of a case's status is a django-fsm transition, so django-fsm's own
``post_transition`` signal (sender ``Case``) reports each one, wherever it happens (a BPMN
service handler, a service, the admin): the acceptance app needs no signal of its own and knows
nothing of webhooks. The webhooks app stays generic too; this module, which knows both, turns a
transition into a ``case.status_changed`` event whose deliveries are written in the transaction
that makes the transition (the job outbox): they are sent once it commits, and a rolled-back
transition, e.g. in a failing handler's savepoint, is never announced. Likewise a material's
recorded check (``Material.pass_checks`` / ``fail_checks``) becomes ``material.checked``, with the
check state the API shows (``acceptance.selectors.checks``).

An event is addressed to ``organisation:<id>`` of the project's owner and to ``user:<id>`` of each
of its members, so a subscription made through the API (audience ``user:<its owner>``) hears only
the cases its owner may see; one made in the admin may name an organisation; a subscription with
a blank audience (archive staff) hears all.
"""

from __future__ import annotations

from functools import partial

from django.urls import reverse
from django.utils import timezone
from django_fsm.signals import post_transition

from acceptance.models import Case, Material
from acceptance.selectors.checks import material_check
from webhooks.services import webhooks_dispatch

CASE_STATUS_CHANGED = "case.status_changed"
MATERIAL_CHECKED = "material.checked"
EVENT_KINDS = (CASE_STATUS_CHANGED, MATERIAL_CHECKED)
DISPATCH_UID = "api.events.case_status_changed"
MATERIAL_DISPATCH_UID = "api.events.material_checked"
# The transitions that record a check's result.
CHECK_TRANSITIONS = ("pass_checks", "fail_checks")


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


def _audiences(case: Case) -> list[str]:
    members = case.project.owner.members.values_list("pk", flat=True)
    return [f"organisation:{case.project.owner_id}", *(user_audience(pk) for pk in members)]


def case_transitioned(sender, instance: Case, name: str, source, target, **kwargs) -> None:
    if kwargs.get("exception") is not None or source == target or instance.pk is None:
        return
    webhooks_dispatch(
        event=CASE_STATUS_CHANGED,
        payload=partial(
            case_status_payload,
            instance,
            source=str(source),
            target=str(target),
            transition=name,
            at=timezone.now(),
        ),
        audiences=partial(_audiences, instance),
    )


def material_checked_payload(material: Material) -> dict:
    """What a platform learns when a file's checks finish: the file, its state, its findings."""
    return {
        "material": material.pk,
        "case": material.case.reference,
        "catalog_item": material.catalog_item.code,
        "name": material.original_name,
        "version": material.version,
        "sha256": material.sha256,
        "detected_format": material.detected_format,
        "check": material_check(material).as_dict(),
        "url": reverse("api:material-detail", args=[material.pk]),
    }


def material_checked(sender, instance: Material, name: str, **kwargs) -> None:
    if kwargs.get("exception") is not None or name not in CHECK_TRANSITIONS:
        return
    webhooks_dispatch(
        event=MATERIAL_CHECKED,
        payload=partial(material_checked_payload, instance),
        audiences=partial(_audiences, instance.case),
    )


def connect() -> None:
    post_transition.connect(case_transitioned, sender=Case, dispatch_uid=DISPATCH_UID)
    post_transition.connect(material_checked, sender=Material, dispatch_uid=MATERIAL_DISPATCH_UID)
