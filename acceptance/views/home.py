"""The home page: what is waiting for the person signed in, by role.

An owner sees their organisations' projects and cases, the tasks assigned to them or open to
their roles, and the deadlines ahead (tasks and commitments); a reviewer a summary of their inbox
by kind, with overdue and near-deadline counts; a supervisor every overdue task (SLA breaches);
an auditor the list of cases to open.
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from workflows.models import HumanTask
from workflows.views import due_state

from ..models import Commitment
from ..roles import user_roles
from ..selectors.cases import cases_visible_to
from ..selectors.projects import projects_visible_to

RECENT = 20


def _inbox_summary(tasks: list[HumanTask]) -> dict:
    now = timezone.now()
    states = Counter(due_state(task, now) for task in tasks)
    kinds = Counter((task.task_name, task.title) for task in tasks)
    return {
        "total": len(tasks),
        "overdue": states["overdue"],
        "soon": states["soon"],
        "kinds": [(name, title, count) for (name, title), count in sorted(kinds.items())],
    }


@login_required
@require_GET
def home(request):
    user = request.user
    roles = user_roles(user)
    tasks = list(HumanTask.objects.inbox(user).with_instance("owner", "assignee"))
    context = {
        "roles": roles,
        "tasks": [(task, due_state(task)) for task in tasks[:RECENT]],
        "summary": _inbox_summary(tasks),
    }
    cases = cases_visible_to(user).order_by("-created_at")
    if roles.owner:
        context["projects"] = projects_visible_to(user).order_by("-created_at")[:RECENT]
        context["cases"] = cases[:RECENT]
        context["commitments"] = (
            Commitment.objects.open()
            .filter(case__in=cases, deadline__isnull=False)
            .select_related("case")
            .order_by("deadline")
        )
    elif roles.auditor or roles.supervisor or user.is_superuser:
        context["cases"] = cases[:RECENT]
    if roles.supervisor:
        # Every role's tasks past their due date (SLA breaches), not only the supervisor's own.
        context["breaches"] = (
            HumanTask.objects.open()
            .filter(due_at__lt=timezone.now())
            .with_instance("role", "assignee", "owner")
            .order_by("due_at")
        )
    return render(request, "acceptance/home.html", context)
