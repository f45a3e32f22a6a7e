"""The plugin's pages: the inbox of user tasks, one task's page with its form, claim and release.

Server-rendered; the business speaks through ``workflows.pages.TaskPages`` and the per-task
panel templates. A refusal is a 403 page carrying the Chinese and English reason.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from .deadlines import working_days_left
from .exceptions import TaskAlreadyClaimed, TaskNotAvailable, TaskPermissionDenied, WorkflowError
from .forms import form_task_data, task_form_class
from .inbox import (
    assign_candidates,
    can_assign,
    can_claim,
    can_complete,
    can_delegate,
    can_recall,
    can_release,
    can_resolve,
    can_set_standing_delegation,
    completion_refused,
    find_task,
    handover_words,
    is_delegated,
    last_delegation_entry,
    standing_delegation_cancel,
    standing_delegation_set,
    task_assign,
    task_claim,
    task_delegate,
    task_not_available,
    task_recall,
    task_release,
    task_resolve,
)
from .journal import chain_entries
from .models import HumanTask, StandingDelegation
from .pages import TaskPages, site_pages, task_pages_for
from .paging import paged, query_without

HISTORY_LENGTH = 10  # the latest steps; the whole history is the host's page (history_url)
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


SORTS = {
    "due": (F("due_at").asc(nulls_last=True), "created_at"),
    "newest": ("-created_at",),
    "oldest": ("created_at",),
    "kind": ("title", F("due_at").asc(nulls_last=True)),
}


def _scoped_tasks(request):
    """The user's inbox, or, for a supervisor who asks (``scope=all``), every open task."""
    if request.GET.get("scope") == "all" and can_assign(request.user):
        return HumanTask.objects.open(), "all"
    return HumanTask.objects.inbox(request.user), "mine"


def _filtered_inbox(request, pages):
    tasks, scope = _scoped_tasks(request)
    tasks = tasks.with_instance("role", "assignee", "owner")
    subject = request.GET.get("subject", "")
    if subject:
        tasks = pages.filter_by_subject(tasks, subject)
    due = request.GET.get("due", "")
    if due in DUE_WINDOWS:
        window = DUE_WINDOWS[due] if due != "soon" else near_due_window()
        tasks = tasks.filter(due_at__lte=timezone.now() + window)
    assignee = request.GET.get("assignee", "") if scope == "all" else ""
    if assignee == "none":
        tasks = tasks.filter(assignee__isnull=True)
    elif assignee:
        tasks = tasks.filter(assignee__username=assignee)
    # The counts per kind answer "how much of each is waiting" for the other filters chosen.
    kinds = list(
        tasks.order_by().values("task_name", "title").annotate(count=Count("pk")).order_by("title")
    )
    kind = request.GET.get("kind", "")
    if kind:
        tasks = tasks.filter(task_name=kind)
    sort = request.GET.get("sort", "") if request.GET.get("sort", "") in SORTS else "due"
    tasks = tasks.order_by(*SORTS[sort])
    return tasks, {
        "kinds": kinds,
        "kind": kind,
        "subject": subject,
        "due": due,
        "sort": sort,
        "scope": scope,
        "assignee": assignee,
    }


def _row(task: HumanTask, subject: str, user, now=None) -> dict:
    days_left = working_days_left(task.due_at, now) if task.due_at else None
    return {
        "task": task,
        "subject": subject,
        "due_state": due_state(task, now),
        "days_left": days_left,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else 0,
        "can_claim": can_claim(user, task),
        "can_release": can_release(user, task),
    }


@login_required
@require_GET
def inbox(request):
    pages = site_pages()
    # Each row asks whether the user holds its task's role: the groups are read once.
    prefetch_related_objects([request.user], "groups")
    tasks, filters = _filtered_inbox(request, pages)
    now = timezone.now()
    paging = paged(request, tasks)
    page = list(paging["page"])
    rows = [
        _row(task, subject, request.user, now)
        for task, subject in zip(page, pages.subject_labels(page), strict=True)
    ]
    supervisor = can_assign(request.user)
    open_tasks = tasks.filter(due_at__isnull=False)
    return render(
        request,
        "workflows/inbox.html",
        {
            "rows": rows,
            **paging,
            "subjects": pages.subject_filters(request.user),
            "kinds_total": sum(row["count"] for row in filters["kinds"]),
            "overdue": open_tasks.filter(due_at__lte=now).count(),
            "soon": open_tasks.filter(due_at__gt=now, due_at__lte=now + near_due_window()).count(),
            "supervisor": supervisor,
            "assignees": _assignees() if supervisor else [],
            "query_without_kind": query_without(request, "kind", "page"),
            "sorts": SORT_LABELS,
            **filters,
        },
    )


SORT_LABELS = (
    ("due", _lazy("期限最近在前")),
    ("newest", _lazy("最新到达在前")),
    ("oldest", _lazy("最早到达在前")),
    ("kind", _lazy("按任务类型")),
)


def _assignees():
    """People who hold at least one role of an open task: whom a supervisor can pick."""
    roles = HumanTask.objects.open().exclude(role=None).values("role")
    users = get_user_model().objects.filter(is_active=True, groups__in=roles).distinct()
    return users.order_by(get_user_model().USERNAME_FIELD)


@login_required
@require_POST
def bulk(request):
    """Claim, or (supervisors) assign with a reason, the tasks ticked in the inbox."""
    ids = request.POST.getlist("task")
    action = request.POST.get("action", "")
    if not ids:
        messages.error(request, _("请先勾选任务 / tick at least one task"))
        return _back(request)
    assignee = None
    reason = request.POST.get("reason", "")
    if action in ("assign", "delegate"):
        if not can_assign(request.user):
            raise PermissionDenied("只有督办人员可以指派任务 / only supervisors can assign tasks")
        assignee = _active_user(request.POST.get("assignee", ""))
        if assignee is None:
            messages.error(request, _("请选择接办人 / choose who takes the tasks"))
            return _back(request)
    elif action != "claim":
        raise Http404("unknown action")
    until, until_error = _until(request)
    if until_error and action == "delegate":
        messages.error(request, until_error)
        return _back(request)
    done, refused = 0, []
    for task_id in ids:
        try:
            if action == "claim":
                task_claim(task_id=task_id, user=request.user)
            elif action == "assign":
                task_assign(task_id=task_id, user=request.user, assignee=assignee, reason=reason)
            else:
                task_delegate(
                    task_id=task_id,
                    user=request.user,
                    delegate=assignee,
                    reason=reason,
                    until=until,
                )
        except WorkflowError as exc:
            refused.append(exc)
        else:
            done += 1
    if done:
        template = {
            "claim": _("已领取 %(count)d 项任务"),
            "assign": _("已将 %(count)d 项任务交给 %(name)s"),
            "delegate": _("已将 %(count)d 项任务委托 %(name)s 办理，办毕退回原办理人"),
        }[action]
        messages.success(
            request,
            template % {"count": done, "name": assignee.get_username() if assignee else ""},
        )
    for message in sorted({f"{exc.message_zh} / {exc.message_en}" for exc in refused}):
        messages.error(request, message)
    return _back(request)


def _task_or_404(task_id) -> HumanTask:
    try:
        return find_task(task_id)
    except TaskNotAvailable:
        raise Http404("no such task") from None


def _readable_task(request, task_id) -> tuple[HumanTask, TaskPages]:
    return _readable(request, _task_or_404(task_id))


def _readable(request, task: HumanTask) -> tuple[HumanTask, TaskPages]:
    pages = task_pages_for(task)
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
    """What the task needs to decide, its history and its form; POST completes it.

    A task its business object works on a page of its own (``TaskPages.own_page``) goes there:
    that page decides who may see it.
    """
    task = _task_or_404(task_id)
    own_page = task_pages_for(task).own_page(task)
    if own_page:
        return redirect(own_page)
    task, pages = _readable(request, task)
    subject = pages.subject(task)
    form_class = _form_class(task, pages, subject)
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial=pages.initial(task, subject) if task.status == HumanTask.Status.OPEN else None,
    )
    if request.method == "POST":
        if task.status != HumanTask.Status.OPEN:
            exc = task_not_available(task.task_id)
            messages.error(request, f"{exc.message_zh} / {exc.message_en}")
            return redirect("workflows:task", task_id=task.task_id)
        if not can_complete(request.user, task):
            raise PermissionDenied(str(completion_refused(task)))
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
        # A delegated task is recalled before it is reassigned (``task_assign`` refuses it).
        "can_assign": task.status == HumanTask.Status.OPEN
        and can_assign(request.user)
        and not is_delegated(task),
        "assign_candidates": assign_candidates(task),
        "can_delegate": can_delegate(request.user, task),
        "can_resolve": can_resolve(request.user, task),
        "can_recall": can_recall(request.user, task),
        "delegation_entry": last_delegation_entry(task) if task.delegation else None,
        "today": timezone.localdate(),
        "history": [(entry, handover_words(entry)) for entry in entries],
        "history_url": pages.history_url(task),
        "facts": pages.facts(task, subject),
        "panel_template": _panel_template(task),
        "summary_template": pages.summary_template,
        **pages.context(task, subject, request),
    }
    return render(request, "workflows/task.html", context, status=400 if form.errors else 200)


def _inbox_change(request, task_id, change, done_message: str):
    task, pages = _readable_task(request, task_id)
    try:
        change(task_id=task.task_id, user=request.user)
    except TaskPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except TaskAlreadyClaimed as exc:
        # Someone else won: the row shows who has it now (htmx swaps only a 2xx answer).
        notice = f"{exc.message_zh} / {exc.message_en}"
        task.refresh_from_db()
        if request.headers.get("HX-Request"):
            row = _row(task, pages.subject_label(task), request.user)
            return render(request, "workflows/_inbox_row.html", {"row": row, "notice": notice})
        messages.error(request, notice)
        return redirect("workflows:inbox")
    except TaskNotAvailable as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("workflows:inbox")
    task.refresh_from_db()
    if request.headers.get("HX-Request"):
        return render(
            request,
            "workflows/_inbox_row.html",
            {"row": _row(task, pages.subject_label(task), request.user)},
        )
    messages.success(request, done_message)
    return _back(request)


def _back(request, default: str = "workflows:inbox"):
    """To the page the form names in ``next`` (this site only), else to ``default``."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect(default)


@login_required
@require_POST
def claim(request, task_id):
    return _inbox_change(request, task_id, task_claim, _("已领取任务"))


@login_required
@require_POST
def release(request, task_id):
    return _inbox_change(request, task_id, task_release, _("已退回任务至角色队列"))


def _active_user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _until(request):
    """The delegation's end date from the form (optional), and what is wrong with it."""
    text = request.POST.get("until", "").strip()
    try:
        until = parse_date(text) if text else None
    except ValueError:
        until = None
    if text and until is None:
        return None, _("委托截止日期应为“年-月-日” / the end date must be a date")
    return until, ""


@login_required
@require_POST
def assign(request, task_id):
    """A supervisor gives one task to a person, with a reason (journaled)."""
    task, _pages = _readable_task(request, task_id)
    assignee = _active_user(request.POST.get("assignee", ""))
    try:
        if assignee is None:
            raise TaskPermissionDenied(
                "请选择接办人", "choose who takes the task", task_id=str(task.task_id)
            )
        task_assign(
            task_id=task.task_id,
            user=request.user,
            assignee=assignee,
            reason=request.POST.get("reason", ""),
        )
    except TaskNotAvailable as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("workflows:inbox")
    except TaskPermissionDenied as exc:
        if not can_assign(request.user):
            raise PermissionDenied(str(exc)) from exc
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("workflows:task", task_id=task.task_id)
    messages.success(request, _("已将任务交给 %(name)s") % {"name": assignee.get_username()})
    return redirect("workflows:task", task_id=task.task_id)


def _delegation_change(request, task_id, allowed, change, done_message, **arguments):
    """Run one delegation step on the task page: 403 for whom it is never open, a message for
    what the form got wrong."""
    task, pages = _readable_task(request, task_id)
    if not allowed(request.user, task):
        if task.status != HumanTask.Status.OPEN:
            exc = task_not_available(task.task_id)
            messages.error(request, f"{exc.message_zh} / {exc.message_en}")
            return redirect("workflows:inbox")
        raise PermissionDenied("您不能对该任务做此操作 / you may not do this to this task")
    try:
        task = change(task_id=task.task_id, user=request.user, **arguments)
    except TaskNotAvailable as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("workflows:inbox")
    except TaskPermissionDenied as exc:
        messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("workflows:task", task_id=task.task_id)
    messages.success(request, done_message(task))
    if pages.may_read(request.user, task):
        return redirect("workflows:task", task_id=task.task_id)
    return redirect("workflows:inbox")


def _name(person) -> str:
    return person.get_full_name() or person.get_username()


@login_required
@require_POST
def delegate(request, task_id):
    """The assignee, or a supervisor on their behalf, delegates the task with a reason."""
    until, until_error = _until(request)
    person = _active_user(request.POST.get("delegate", ""))
    if until_error or person is None:
        task, _pages = _readable_task(request, task_id)
        if not can_delegate(request.user, task):
            raise PermissionDenied("您不能委托该任务 / you may not delegate this task")
        messages.error(request, until_error or _("请选择受委托人 / choose the delegate"))
        return redirect("workflows:task", task_id=task.task_id)
    return _delegation_change(
        request,
        task_id,
        can_delegate,
        task_delegate,
        lambda task: (
            _("已委托 %(name)s 办理，办毕后退回 %(owner)s")
            % {"name": _name(task.assignee), "owner": _name(task.owner)}
        ),
        delegate=person,
        reason=request.POST.get("reason", ""),
        until=until,
    )


@login_required
@require_POST
def resolve(request, task_id):
    """The delegate returns the task to its owner with a note."""
    return _delegation_change(
        request,
        task_id,
        can_resolve,
        task_resolve,
        lambda task: _("已办毕退回 %(owner)s") % {"owner": _name(task.assignee)},
        note=request.POST.get("note", ""),
    )


@login_required
@require_POST
def recall(request, task_id):
    """The owner, or a supervisor, takes a delegated task back."""
    return _delegation_change(
        request,
        task_id,
        can_recall,
        task_recall,
        lambda task: _("已收回委托，任务回到 %(owner)s") % {"owner": _name(task.assignee)},
        reason=request.POST.get("reason", ""),
    )


@login_required
def standing_delegations(request):
    """Standing delegations (a reviewer on leave): set one, see those in force, cancel one."""
    supervisor = can_assign(request.user)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                standing_delegation_cancel(
                    user=request.user, standing_id=int(request.POST.get("standing") or 0)
                )
                messages.success(request, _("已撤销长期委托"))
            else:
                _set_standing(request, supervisor)
        except TaskPermissionDenied as exc:
            messages.error(request, f"{exc.message_zh} / {exc.message_en}")
        return redirect("workflows:standing")
    today = timezone.localdate()
    standing = StandingDelegation.objects.filter(
        cancelled_at__isnull=True, ends_on__gte=today
    ).select_related("owner", "delegate", "created_by")
    if not supervisor:
        standing = standing.filter(Q(owner=request.user) | Q(delegate=request.user))
    people = (
        get_user_model().objects.filter(is_active=True).order_by(get_user_model().USERNAME_FIELD)
    )
    return render(
        request,
        "workflows/standing_delegations.html",
        {
            "standing": [
                (entry, can_set_standing_delegation(request.user, entry.owner))
                for entry in standing
            ],
            "today": today,
            "supervisor": supervisor,
            "owners": people if supervisor else [request.user],
            "delegates": people,
        },
    )


def _set_standing(request, supervisor: bool) -> None:
    owner = _active_user(request.POST.get("owner", "")) if supervisor else request.user
    delegate = _active_user(request.POST.get("delegate", ""))
    try:
        starts_on = parse_date(request.POST.get("starts_on", "").strip())
        ends_on = parse_date(request.POST.get("ends_on", "").strip())
    except ValueError:
        starts_on = ends_on = None
    if owner is None or delegate is None:
        raise TaskPermissionDenied("请选择委托人和受委托人", "choose who is away and the delegate")
    if starts_on is None or ends_on is None:
        raise TaskPermissionDenied("请填写委托的起止日期", "give the first and the last day")
    standing = standing_delegation_set(
        user=request.user,
        owner=owner,
        delegate=delegate,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=request.POST.get("reason", ""),
    )
    messages.success(
        request,
        _("已设置：%(from)s 至 %(until)s，%(owner)s 的新任务委托 %(name)s 办理")
        % {
            "from": standing.starts_on.isoformat(),
            "until": standing.ends_on.isoformat(),
            "owner": _name(owner),
            "name": _name(delegate),
        },
    )
