"""The staff page for moving running cases onto another version of their process.

It lists the cases of one process still under way on other versions, each with the dry run's
verdict (what its current steps become, what data and deadlines change), lets staff tick the
cases that can move and apply with a reason, and revert a recent move. The services are
``workflows.migration``; this module only shows them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .exceptions import WorkflowError
from .incident_views import _process_names
from .migration import (
    can_revert,
    load_mapping,
    migration_plan,
    migration_revert,
    migrations_apply,
    running_instances,
)
from .models import InstanceMigration, ProcessDefinition
from .paging import paged

RECENT_MIGRATIONS = 20


def can_migrate(user) -> bool:
    """Moving cases between process versions is for staff."""
    return user.is_authenticated and (user.is_staff or user.is_superuser)


def _require_staff(user) -> None:
    if not can_migrate(user):
        raise PermissionDenied("只有管理人员可以迁移流程版本 / only staff migrate process versions")


def _chosen(params) -> tuple[str, ProcessDefinition | None, str]:
    """The process, the target version (its latest unless chosen) and the mapping text."""
    names = _process_names()
    process_id = params.get("process", "")
    if process_id not in names:
        process_id = next(iter(sorted(names)), "")
    versions = ProcessDefinition.objects.filter(process_id=process_id)
    target = versions.filter(version=params.get("to") or 0).first() or versions.first()
    return process_id, target, params.get("mapping", "")


@login_required
@require_GET
def migrations(request):
    _require_staff(request.user)
    process_id, target, mapping_text = _chosen(request.GET)
    mapping, mapping_error = {}, ""
    try:
        mapping = load_mapping(mapping_text)
    except WorkflowError as exc:
        mapping_error = f"{exc.message_zh} / {exc.message_en}"
    instances = running_instances(process_id, target) if target else []
    paging = paged(request, instances)
    plans = [migration_plan(instance, target, mapping) for instance in paging["page"]]
    by_version = (
        running_instances(process_id)
        .values("definition__version")
        .annotate(count=Count("pk"))
        .order_by("definition__version")
        if process_id
        else []
    )
    recent = InstanceMigration.objects.filter(target__process_id=process_id).select_related(
        "instance", "source", "target"
    )[:RECENT_MIGRATIONS]
    return render(
        request,
        "workflows/migrations.html",
        {
            "processes": sorted(_process_names().items(), key=lambda item: item[1]),
            "process_id": process_id,
            "versions": ProcessDefinition.objects.filter(process_id=process_id),
            "target": target,
            "mapping_text": mapping_text,
            "mapping_error": mapping_error,
            "plans": plans,
            **paging,
            "movable": sum(plan.ok for plan in plans),
            "by_version": by_version,
            "recent": [(m, can_revert(m)) for m in recent],
        },
    )


def _page_of(process_id: str, target: ProcessDefinition, mapping_text: str) -> str:
    query = {"process": process_id, "to": target.version}
    if mapping_text.strip():
        query["mapping"] = mapping_text
    return f"{reverse('workflows:migrations')}?{urlencode(query)}"


@login_required
@require_POST
def migrations_act(request):
    """Move the ticked cases with a reason; the ones the dry run flags are refused."""
    _require_staff(request.user)
    process_id, target, mapping_text = _chosen(request.POST)
    if target is None:
        raise Http404("no such process")
    back = _page_of(process_id, target, mapping_text)
    try:
        ids = [int(value) for value in request.POST.getlist("instance")]
    except ValueError:
        raise Http404("unknown instance") from None
    if not ids:
        messages.error(request, _("请先勾选案件 / tick at least one case"))
        return redirect(back)
    try:
        outcomes = migrations_apply(
            running_instances(process_id, target).filter(pk__in=ids),
            target_definition=target,
            mapping=load_mapping(mapping_text),
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except WorkflowError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect(back)
    moved = [o for o in outcomes if o.migration is not None]
    if moved:
        messages.success(
            request,
            _("已将 %(count)d 件案件迁移到第 %(version)d 版")
            % {"count": len(moved), "version": target.version},
        )
    for outcome in outcomes:
        if outcome.refusal is not None:
            messages.error(request, outcome.refusal.message_zh)
    return redirect(back)


@login_required
@require_POST
def migration_undo(request, migration_id: int):
    """Put a case back on the version it was on before a migration."""
    _require_staff(request.user)
    migration = get_object_or_404(InstanceMigration, pk=migration_id)
    back = _page_of(migration.target.process_id, migration.target, "")
    try:
        migration_revert(
            migration_id=migration.pk, actor=request.user, reason=request.POST.get("reason", "")
        )
    except WorkflowError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
    else:
        messages.success(
            request,
            _("已撤销 %(case)s 的迁移，恢复到第 %(version)d 版")
            % {"case": migration.instance.business_key, "version": migration.source.version},
        )
    return redirect(back)
