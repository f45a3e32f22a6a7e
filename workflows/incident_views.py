"""The incident console: open incidents counted by process, error, system step and age, then
listed with filters and pages; staff and supervisors retry or cancel one or many, with a reason
that goes to the journal. The services are ``workflows.incidents``; this module only shows them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .ages import AGE_BUCKETS, age_bucket
from .exceptions import WorkflowError
from .incidents import (
    can_handle_incidents,
    incident_summary,
    incidents_cancel,
    incidents_filtered,
    incidents_retry,
    open_incidents,
)
from .labels import is_labelled, label
from .models import ProcessDefinition
from .paging import paged, query_without
from .views import _back

FILTERS = ("process", "error_type", "operation", "age")


def _process_names() -> dict[str, str]:
    """Each process in words: its registered label, else the name its BPMN file gives it."""
    names = dict(
        ProcessDefinition.objects.order_by("process_id", "version").values_list(
            "process_id", "name"
        )
    )
    return {
        pid: label("process", pid).zh if is_labelled("process", pid) or not name else name
        for pid, name in names.items()
    }


def _require_handler(user) -> None:
    if not can_handle_incidents(user):
        raise PermissionDenied(
            "只有管理人员和督办主管可以处理异常 / only staff and supervisors handle incidents"
        )


@login_required
@require_GET
def incidents(request):
    """Summary counts first, then the filtered page of incidents with their bulk actions."""
    _require_handler(request.user)
    now = timezone.now()
    chosen = {name: request.GET.get(name, "") for name in FILTERS}
    if chosen["age"] and chosen["age"] not in dict(AGE_BUCKETS):
        chosen["age"] = ""
    everything = open_incidents()
    shown = incidents_filtered(everything, now=now, **chosen).select_related("instance__definition")
    paging = paged(request, shown)
    names = _process_names()
    rows = [
        {
            "incident": incident,
            "process": names.get(incident.instance.definition.process_id, ""),
            "age": age_bucket(incident.created_at, now),
        }
        for incident in paging["page"]
    ]
    summary = incident_summary(everything, now)
    # Each summary group links to its filter, keeping the filters of the other groups.
    links = {name: query_without(request, name, "page") for name in FILTERS}
    return render(
        request,
        "workflows/incidents.html",
        {
            "summary": summary,
            "by_process": [(pid, names.get(pid, pid), count) for pid, count in summary.by_process],
            "chosen_process": names.get(chosen["process"], ""),
            "rows": rows,
            **paging,
            "chosen": chosen,
            "filtered": any(chosen.values()),
            "links": links,
        },
    )


@login_required
@require_POST
def incidents_act(request):
    """Retry or cancel the ticked incidents; cancelling needs a reason."""
    _require_handler(request.user)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    try:
        ids = [int(value) for value in request.POST.getlist("incident")]
    except ValueError:
        raise Http404("unknown incident") from None
    if action not in ("retry", "cancel"):
        raise Http404("unknown action")
    if not ids:
        messages.error(request, _("请先勾选异常 / tick at least one incident"))
        return _back(request, "workflows:incidents")
    try:
        if action == "retry":
            report = incidents_retry(incident_ids=ids, actor=request.user, reason=reason)
            done = _("已重试 %(count)d 项异常")
        else:
            report = incidents_cancel(incident_ids=ids, actor=request.user, reason=reason)
            done = _("已取消 %(count)d 项异常所在的流程")
    except WorkflowError as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return _back(request, "workflows:incidents")
    if report.done:
        messages.success(request, done % {"count": len(report.done)})
    for incident_id, refusal in sorted(report.refused.items()):
        messages.error(
            request, _("异常 %(id)s 未处理：%(reason)s") % {"id": incident_id, "reason": refusal}
        )
    return _back(request, "workflows:incidents")
