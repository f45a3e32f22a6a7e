"""The owner's project pages: register a project, see its construction nodes and cases, open a
case. An owner sees only their organisations' projects; archive staff and auditors see all.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from workflows.paging import paged

from ..exceptions import NotPermitted
from ..forms import ProjectRegisterForm
from ..models import Case, Organisation
from ..selectors.cases import cases_visible_to
from ..selectors.projects import projects_visible_to
from ..services.cases import case_open
from ..services.projects import project_register


@login_required
@require_GET
def project_list(request):
    projects = projects_visible_to(request.user).select_related("owner").order_by("-created_at")
    may_register = Organisation.objects.filter(members=request.user).exists()
    paging = paged(request, projects)
    return render(
        request,
        "acceptance/project_list.html",
        {"projects": paging["page"].object_list, "may_register": may_register, **paging},
    )


@login_required
def project_new(request):
    if not Organisation.objects.filter(members=request.user).exists():
        raise PermissionDenied(
            "只有建设单位的成员可以登记项目 / only members of an owner organisation can register "
            "a project"
        )
    form = ProjectRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_register(
                user=request.user,
                owner=form.cleaned_data["owner"],
                name=form.cleaned_data["name"],
                location=form.cleaned_data["location"],
                **form.facts(),
            )
        except NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.success(request, _("项目已登记：%(reference)s") % {"reference": project.reference})
        return redirect("acceptance:project", reference=project.reference)
    return render(request, "acceptance/project_new.html", {"form": form})


@login_required
@require_GET
def project_detail(request, reference: str):
    project = get_object_or_404(projects_visible_to(request.user), reference=reference)
    nodes = project.nodes.prefetch_related("expected_items")
    cases = cases_visible_to(request.user).filter(project=project).order_by("-created_at")
    return render(
        request,
        "acceptance/project_detail.html",
        {
            "project": project,
            "nodes": nodes,
            "cases": cases,
            "current_case": cases.exclude(status=Case.Status.ARCHIVED).first(),
            "is_member": project.owner.members.filter(pk=request.user.pk).exists(),
        },
    )


@login_required
@require_POST
def project_case_open(request, reference: str):
    project = get_object_or_404(projects_visible_to(request.user), reference=reference)
    try:
        case = case_open(project=project, user=request.user)
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("已发起验收申请：%(reference)s") % {"reference": case.reference})
    return redirect("acceptance:case", reference=case.reference)
