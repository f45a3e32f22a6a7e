"""What each user may read through the API, built on the domain's own visibility rule.

``acceptance.selectors.cases.cases_visible_to`` decides: archive staff and auditors see every
case, owners the cases of their organisations' projects. Everything hanging off a case
(materials, decisions, commitments, certificates, tasks, journal) is visible with it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from acceptance.models import Commitment, Decision, Material, Node, Project
from acceptance.selectors.cases import cases_visible_to
from acceptance.selectors.projects import projects_visible_to
from certificates.models import Certificate
from workflows.models import HumanTask, JournalEntry

from .permissions import is_auditor, sees_everything

__all__ = [
    "cases_visible_to",
    "certificates_visible_to",
    "commitments_visible_to",
    "decisions_visible_to",
    "external_project",
    "journal_visible_to",
    "materials_visible_to",
    "nodes_visible_to",
    "projects_visible_to",
    "tasks_of_visible_cases",
    "tasks_visible_to",
]

PROJECT_CHAIN_PREFIX = "project:"


def external_project(platform, external_reference: str) -> Project | None:
    """The project ``platform`` created under its own ``external_reference``, if any."""
    return Project.objects.filter(
        external_references__platform=platform,
        external_references__external_reference=external_reference,
    ).first()


def nodes_visible_to(user) -> QuerySet[Node]:
    return Node.objects.filter(project__in=projects_visible_to(user)).select_related("project")


def materials_visible_to(user) -> QuerySet[Material]:
    return Material.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "node", "catalog_item", "uploaded_by"
    )


def decisions_visible_to(user) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(case__in=cases_visible_to(user))
        .select_related("case", "decided_by")
        .prefetch_related("tolerated_items")
    )


def commitments_visible_to(user) -> QuerySet[Commitment]:
    return (
        Commitment.objects.filter(case__in=cases_visible_to(user))
        .select_related("case", "signed_by")
        .prefetch_related("items")
    )


def certificates_visible_to(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(case__in=cases_visible_to(user)).select_related("case")


def tasks_of_visible_cases(user) -> QuerySet[HumanTask]:
    """Tasks of the cases ``user`` may read: what task actions look up (then decide 403)."""
    references = cases_visible_to(user).values("reference")
    return HumanTask.objects.filter(instance__business_key__in=references).with_instance(
        "role", "assignee", "owner", "completed_by"
    )


def tasks_visible_to(user) -> QuerySet[HumanTask]:
    """The task list: auditors and superusers see all; others the tasks of their roles.

    A task is the user's if it is of one of their roles (groups), assigned to them, delegated by
    them or completed by them, and its case is one they may read.
    """
    tasks = tasks_of_visible_cases(user)
    if user.is_superuser or is_auditor(user):
        return tasks
    return tasks.filter(
        Q(role__in=user.groups.all()) | Q(assignee=user) | Q(owner=user) | Q(completed_by=user)
    ).distinct()


def journal_visible_to(user) -> QuerySet[JournalEntry]:
    """Entries of the chains of visible cases and projects (all of them for staff)."""
    entries = JournalEntry.objects.all()
    if sees_everything(user):
        return entries
    cases = cases_visible_to(user).values("reference")
    projects = [
        PROJECT_CHAIN_PREFIX + reference
        for reference in projects_visible_to(user).values_list("reference", flat=True)
    ]
    return entries.filter(Q(chain__in=cases) | Q(chain__in=projects))
