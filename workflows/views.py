"""The plugin's pages: the inbox of user tasks, one task's page with its form, claim and release.

Server-rendered; the business speaks through ``workflows.pages.TaskPages`` and the per-task
panel templates. A refusal is a 403 page carrying the Chinese and English reason.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .exceptions import TaskNotAvailable, TaskPermissionDenied, WorkflowError
from .forms import form_task_data, task_form_class
from .inbox import (
    can_claim,
    can_complete,
    can_release,
    find_task,
    task_claim,
    task_not_available,
    task_release,
)
from .journal import chain_entries
from .models import HumanTask
from .pages import TaskPages, task_pages

HISTORY_LENGTH = 50
DUE_WINDOWS = {"overdue": timedelta(0), "soon": None, "week": timedelta(days=7)}


def near_due_window() -> timedelta:
    """How close a due date must be for a task to be marked as near its deadline."""
    return timedelta(hours=getattr(settings, "WORKFLOWS_NEAR_DUE_HOURS", 24))


def due_state(task: HumanTask, now=None) -> str:
    """``overdue``, ``soon`` (within the near-deadline window) or ``""``."""
    if task.due_at is None or task.status != HumanTask.Status.OPEN:
        return ""
    now = now or timezone.now()
    if task.due_at <= now:
        return "overdue"
    return "soon" if task.due_at <= now + near_due_window() else ""


def _filtered_inbox(request, pages):
    tasks = HumanTask.objects.inbox(request.user).select_related("instance", "role", "assignee")
    kinds = sorted(set(tasks.values_list("task_name", "title")))
    kind = request.GET.get("kind", "")
    if kind:
        tasks = tasks.filter(task_name=kind)
    subject = request.GET.get("subject", "")
    if subject:
        tasks = pages.filter_by_subject(tasks, subject)
    due = request.GET.get("due", "")
    if due in DUE_WINDOWS:
        window = DUE_WINDOWS[due] if due != "soon" else near_due_window()
        tasks = tasks.filter(due_at__lte=timezone.now() + window)
    return tasks, {"kinds": kinds, "kind": kind, "subject": subject, "due": due}


def _row(task: HumanTask, pages, user, now=None) -> dict:
    return {
        "task": task,
        "subject": pages.subject_label(task),
        "due_state": due_state(task, now),
        "can_claim": can_claim(user, task),
        "can_release": can_release(user, task),
    }


@login_required
@require_GET
def inbox(request):
    pages = task_pages()
    tasks, filters = _filtered_inbox(request, pages)
    now = timezone.now()
    rows = [_row(task, pages, request.user, now) for task in tasks]
    return render(
        request,
        "workflows/inbox.html",
        {
            "rows": rows,
            "subjects": pages.subject_filters(request.user),
            "overdue": sum(row["due_state"] == "overdue" for row in rows),
            "soon": sum(row["due_state"] == "soon" for row in rows),
            **filters,
        },
    )


def _readable_task(request, task_id) -> tuple[HumanTask, TaskPages]:
    pages = task_pages()
    try:
        task = find_task(task_id)
    except TaskNotAvailable:
        raise Http404("no such task") from None
    if not pages.may_read(request.user, task):
        raise PermissionDenied(
            "您无权查看该任务：它不属于您的角色，也未分配给您 / "
            "you may not see this task: it is neither of your roles nor assigned to you"
        )
    return task, pages


def _panel_template(task: HumanTask) -> str:
    name = f"workflows/panels/{task.task_name}.html"
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return ""
    return name


def _form_class(task: HumanTask, pages, subject):
    return task_form_class(task.form, lambda field: pages.choices(task, subject, field))


@login_required
def task_page(request, task_id):
    """What the task needs to decide, its history and its form; POST completes it."""
    task, pages = _readable_task(request, task_id)
    subject = pages.subject(task)
    form_class = _form_class(task, pages, subject)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if task.status != HumanTask.Status.OPEN:
            exc = task_not_available(task.task_id)
            messages.error(request, f"{exc.message_zh} / {exc.message_en}")
            return redirect("workflows:task", task_id=task.task_id)
        if not can_complete(request.user, task):
            raise PermissionDenied(
                "您不是该任务的办理人，也不是该环节角色的成员（或任务已被他人领取） / "
                "you are not this task's assignee nor a member of its role, or another "
                "person claimed it"
            )
        if form.is_valid():
            try:
                pages.complete(
                    task, subject, request.user, form_task_data(task.form, form.cleaned_data)
                )
            except TaskPermissionDenied as exc:
                raise PermissionDenied(str(exc)) from exc
            except WorkflowError as exc:
                form.add_error(
                    exc.data.get("field") if exc.data.get("field") in form.fields else None,
                    f"{exc.message_zh} / {exc.message_en}",
                )
            else:
                messages.success(request, _("任务已完成：%(title)s") % {"title": task.title})
                return _back(request)
    entries = chain_entries(task.instance.business_key).reverse()[:HISTORY_LENGTH]
    context = {
        "task": task,
        "case": subject,
        "subject_label": pages.subject_label(task),
        "form": form,
        "due_state": due_state(task),
        "can_complete": can_complete(request.user, task),
        "can_claim": can_claim(request.user, task),
        "can_release": can_release(request.user, task),
        "history": entries,
        "facts": pages.facts(task, subject),
        "panel_template": _panel_template(task),
        "summary_template": pages.summary_template,
        **pages.context(task, subject, request.user),
    }
    return render(request, "workflows/task.html", context, status=400 if form.errors else 200)


def _inbox_change(request, task_id, change, done_message: str):
    task, pages = _readable_task(request, task_id)
    try:
        change(task_id=task.task_id, user=request.user)
    except TaskPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except TaskNotAvailable as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("workflows:inbox")
    task.refresh_from_db()
    if request.headers.get("HX-Request"):
        return render(
            request, "workflows/_inbox_row.html", {"row": _row(task, pages, request.user)}
        )
    messages.success(request, done_message)
    return _back(request)


def _back(request):
    """To the page the form names in ``next`` (this site only), else to the inbox."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("workflows:inbox")


@login_required
@require_POST
def claim(request, task_id):
    return _inbox_change(request, task_id, task_claim, _("已领取任务"))


@login_required
@require_POST
def release(request, task_id):
    return _inbox_change(request, task_id, task_release, _("已退回任务至角色队列"))
