"""The task inbox: READY user tasks projected into ``HumanTask`` rows, and who may work them.

A task's lane names its role (a Django group, through ``WORKFLOWS_LANE_ROLES``). Its BPMN
properties may name an ``assignee`` (an expression giving a username), a ``due_in`` (an expression
giving an ISO 8601 duration from when the task opens) or a ``due_at`` (an expression giving the
due date-time itself, as a timer's ``timeDate`` does: a deadline counted in working days is
computed by the host, not expressible as a duration), the ``form`` it expects, ``context`` (comma-separated process
variables shown to the worker, those the process has set) and ``actor_variable`` (the variable that receives the username of
whoever completes it). Members of the role claim unassigned tasks; only the assignee, or
a role member while the task is unassigned, may complete it.

Supervisors (superusers and the groups named in ``WORKFLOWS_SUPERVISOR_ROLES``) see every open
task and assign any of them, to a member of the task's role (anyone active when the task has no
role), with a reason that goes to the journal: a reviewer on leave, a task nobody can take.

Delegation, as Camunda and Flowable have it: the assignee (or a supervisor on the assignee's
behalf) delegates an assigned task with a reason; the assignee becomes its ``owner`` and the
delegate its assignee. The delegate works on it but cannot complete it: they resolve it, with a
note, and it goes back to the owner, who completes it. The owner or a supervisor may recall it
before that. Each step is journaled (``task.delegated``, ``task.resolved``, ``task.recalled``).
A delegation given until a day (``delegated_until``, the owner back from leave) runs out when that
day ends in the site's time zone: the periodic sweep recalls the task to its owner, as the system.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, QuerySet, Subquery
from django.utils import timezone
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .canonical import normalize_payload
from .exceptions import TaskAlreadyClaimed, TaskNotAvailable, TaskPermissionDenied
from .forms import parse_form
from .groups import in_groups, user_groups
from .journal import journal_append
from .models import HumanTask, JournalEntry, ProcessInstance, StandingDelegation
from .spiff import BpmnWorkflow, TaskState

logger = logging.getLogger(__name__)

# Task properties holding an expression the sandbox evaluates when the task opens.
EXPRESSION_PROPERTIES = ("assignee", "due_in", "due_at")


def lane_role(lane: str | None) -> Group | None:
    """The role (group) of a lane; a task outside any lane goes to ``WORKFLOWS_DEFAULT_TASK_ROLE``
    when one is named (deploy refuses such a task with no assignee otherwise)."""
    name = _role_name(lane)
    return _role_group(name) if name else None


def _role_name(lane: str | None) -> str:
    if not lane:
        return getattr(settings, "WORKFLOWS_DEFAULT_TASK_ROLE", "")
    return getattr(settings, "WORKFLOWS_LANE_ROLES", {}).get(lane, lane)


def _role_group(name: str) -> Group:
    global _seen_role_names
    _seen_role_names = _seen_role_names | {name}
    return Group.objects.get_or_create(name=name)[0]


# The names of the lane roles this process has given tasks to. Only names: their groups' ids are
# read afresh by each statement that locks an instance (``InboxLookups``), so a group deleted or
# made again since (a test's flush) is never taken for its old id. Replaced, never changed in
# place, so a thread reading it never sees it change.
_seen_role_names: frozenset[str] = frozenset()


class InboxLookups:
    """What the statement that locks an instance reads for the inbox rows its run may open, so
    that opening one takes one statement (its INSERT): the ids of the lane roles (groups) this
    process has given tasks to, and whether any standing delegation is in force today. Without
    ``read``, a row reads its role, and the standing delegation of its assignee."""

    def __init__(self) -> None:
        self.role_names = tuple(sorted(_seen_role_names))
        self.today = timezone.localdate()
        self.role_ids: dict[str, int] = {}
        self.delegations_in_force = True

    @property
    def shape(self) -> tuple[tuple[str, ...], date]:
        """What the locking statement's annotations (``inbox_lookup_columns``) depend on: only
        names and the date, never an id, so a statement built for a shape serves every lock of
        that shape and no flush makes it stale."""
        return self.role_names, self.today

    def read(self, row) -> InboxLookups:
        """Take what ``row`` was read with (a role whose group no longer exists left out)."""
        self.delegations_in_force = row.standing_delegations_in_force
        found = {name: getattr(row, f"lane_role_{n}") for n, name in enumerate(self.role_names)}
        self.role_ids = {name: pk for name, pk in found.items() if pk is not None}
        return self

    def role_id(self, lane: str | None) -> int | None:
        """The id of ``lane_role(lane)``; a role not read with the lock is read, or made."""
        name = _role_name(lane)
        if not name:
            return None
        if name not in self.role_ids:
            self.role_ids[name] = _role_group(name).pk
        return self.role_ids[name]


def inbox_lookup_columns(role_names: tuple[str, ...], today: date) -> dict:
    """Annotations for the statement that locks an instance (``InboxLookups.shape``): one
    subquery per role seen, and one EXISTS for the standing delegations in force ``today``."""
    return {
        "standing_delegations_in_force": Exists(StandingDelegation.objects.in_force_on(today)),
        **{
            f"lane_role_{number}": Subquery(Group.objects.filter(name=name).values("pk")[:1])
            for number, name in enumerate(role_names)
        },
    }


def _evaluate(task, expression: str | None):
    if not expression:
        return None
    return task.workflow.script_engine.evaluate(task, expression)


def _due_in(task, expression: str | None) -> datetime | None:
    duration = _evaluate(task, expression)
    if not duration:
        return None
    parsed = TimerEventDefinition.parse_iso_duration(str(duration))
    start = datetime.now(UTC)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def _due_at(task, expression: str | None) -> datetime | None:
    """The date-time an expression gives (ISO 8601 text or a datetime); a naive one is read in
    the site's time zone."""
    value = _evaluate(task, expression)
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _assignee_username(task, expression: str | None) -> str | None:
    username = _evaluate(task, expression)
    return str(username) if username else None


def _user_id(username: str | None) -> Subquery | None:
    """The id of the user named ``username`` (none if there is no such user), read by the
    statement that inserts the row it goes in."""
    if username is None:
        return None
    return Subquery(get_user_model().objects.filter(username=username).values("pk")[:1])


def _describe(
    instance: ProcessInstance, task, lookups: InboxLookups
) -> tuple[HumanTask, str | None, list[Exception]]:
    """The inbox row of a READY task, the username its ``assignee`` expression gave, and the
    errors of property expressions that failed. ``lookups``: see ``project_user_tasks``.

    A failing ``assignee``, ``due_in`` or ``due_at`` expression leaves that field empty (the task goes to
    its role's queue, with no due date) instead of blocking the action that opened the task.
    """
    spec = task.task_spec
    properties = spec.extensions.get("properties", {})
    context_names = [n.strip() for n in properties.get("context", "").split(",") if n.strip()]
    errors: list[Exception] = []

    def evaluated(resolve, expression):
        try:
            return resolve(task, expression)
        except Exception as exc:
            errors.append(exc)
            return None

    username = evaluated(_assignee_username, properties.get("assignee"))
    row = HumanTask(
        instance=instance,
        task_id=task.id,
        task_name=spec.name,
        title=spec.bpmn_name or spec.name,
        lane=spec.lane or "",
        role_id=lookups.role_id(spec.lane),
        assignee_id=_user_id(username),
        due_at=(
            evaluated(_due_at, properties["due_at"])
            if properties.get("due_at")
            else evaluated(_due_in, properties.get("due_in"))
        ),
        form=parse_form(properties.get("form"), spec.name),
        context=normalize_payload(
            {name: task.data[name] for name in context_names if name in task.data}
        ),
    )
    return row, username, errors


def ready_user_task_ids(workflow: BpmnWorkflow) -> set:
    """The ids of ``workflow.get_tasks(state=READY, manual=True)``, from the task tables of the
    workflow and its subprocesses (a scan of dicts, without the tree walk's per-node cost)."""
    return {
        task.id
        for each in (workflow, *workflow.subprocesses.values())
        for task in each.tasks.values()
        if task.state == TaskState.READY and task.task_spec.manual
    }


def project_user_tasks(
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    open_task_ids: set | None = None,
    lookups: InboxLookups | None = None,
) -> list[tuple]:
    """Make the open ``HumanTask`` rows match the workflow's READY user tasks.

    ``open_task_ids``: the task ids of the open rows, when the caller knows them (the engine
    does: every save projects, so the rows open when an instance is locked are the READY user
    tasks of its saved state); otherwise they are read. ``lookups``: what the statement that
    locked the instance read for the rows (``InboxLookups``); otherwise each row reads its role
    and any standing delegation of its assignee. Returns ``(task, error)`` for each task property
    expression that failed.
    """
    lookups = InboxLookups() if lookups is None else lookups
    ready = {task.id: task for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
    if open_task_ids is None:
        open_task_ids = set(
            instance.tasks.filter(status=HumanTask.Status.OPEN).values_list("task_id", flat=True)
        )
    vanished = [task_id for task_id in open_task_ids if task_id not in ready]
    if vanished:
        # Only rows still open: the completed task's row was closed by its completion.
        HumanTask.objects.filter(
            instance=instance, task_id__in=vanished, status=HumanTask.Status.OPEN
        ).update(status=HumanTask.Status.CANCELLED)
    problems = []
    for task_id, task in ready.items():
        if task_id not in open_task_ids:
            row, username, errors = _describe(instance, task, lookups)
            row.save()
            if lookups.delegations_in_force:
                _apply_standing_delegation(row, username)
            problems.extend((task, error) for error in errors)
    return problems


def _apply_standing_delegation(row: HumanTask, username: str | None) -> None:
    """A task the process gives to someone away (``username``) goes on to their standing
    delegate, when the delegate may take it (a member of its role); otherwise it waits for its
    assignee."""
    if username is None:
        return
    standing = (
        StandingDelegation.objects.in_force_on(timezone.localdate())
        .filter(owner__username=username)
        .select_related("owner", "delegate")
        .first()
    )
    if standing is None or not assign_candidates(row).filter(pk=standing.delegate_id).exists():
        return
    row.assignee = standing.owner  # the row was saved with the id its INSERT read
    _hand_to_delegate(
        row,
        standing.delegate,
        None,
        until=standing.ends_on,
        reason=standing.reason,
        standing=standing.pk,
    )


def has_role(user, task: HumanTask) -> bool:
    return task.role_id is not None and any(group.pk == task.role_id for group in user_groups(user))


def can_claim(user, task: HumanTask) -> bool:
    return (
        task.status == HumanTask.Status.OPEN and task.assignee_id is None and has_role(user, task)
    )


def is_delegated(task: HumanTask) -> bool:
    """The task is with a delegate, who returns it to its owner (``task.owner``)."""
    return task.delegation == HumanTask.Delegation.PENDING


def can_release(user, task: HumanTask) -> bool:
    # A task assigned by the process (not claimed) stays with its assignee; a delegate resolves.
    return (
        task.status == HumanTask.Status.OPEN
        and task.assignee_id == user.pk
        and task.claimed_at is not None
        and not is_delegated(task)
    )


def can_work(user, task: HumanTask) -> bool:
    """May act inside the task (a verdict per item, a note): its assignee, a delegate too, or a
    member of its role while it is unassigned."""
    if task.status != HumanTask.Status.OPEN:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    return has_role(user, task)


def can_complete(user, task: HumanTask) -> bool:
    """May finish the task; a delegated task is finished by its owner, once it is back."""
    return can_work(user, task) and not is_delegated(task)


def task_complete_if_unchanged(task: HumanTask, user) -> bool:
    """Mark ``task`` completed by ``user``, unless who holds it changed since it was read: one
    UPDATE guarded by what ``can_complete`` decided on (a claim, a release or a delegation
    commits without the instance's lock). False if it changed; read it again, locked, and
    decide again."""
    task.status = HumanTask.Status.COMPLETED
    task.completed_at = timezone.now()
    task.completed_by = user
    return bool(
        HumanTask.objects.filter(
            pk=task.pk,
            status=HumanTask.Status.OPEN,
            assignee_id=task.assignee_id,
            delegation=task.delegation,
        ).update(status=task.status, completed_at=task.completed_at, completed_by=user)
    )


def completion_refused(task: HumanTask) -> TaskPermissionDenied:
    """Why ``can_complete`` said no, in words the person refused can act on."""
    if is_delegated(task):
        return TaskPermissionDenied(
            f"该任务已委托 {task.assignee.get_username()} 办理：受委托人办毕退回后，"
            f"由 {task.owner.get_username()} 提交",
            f"this task is delegated to {task.assignee.get_username()}: once they return it, "
            f"{task.owner.get_username()} completes it",
            task_id=str(task.task_id),
        )
    return TaskPermissionDenied(
        "您不是该任务的办理人，也不是该环节角色的成员（或任务已被他人领取）",
        "you are neither the assignee of this task nor a member of its role, or another "
        "person claimed it",
        task_id=str(task.task_id),
    )


def can_delegate(user, task: HumanTask) -> bool:
    """The assignee, or a supervisor on the assignee's behalf, hands the task to someone else
    for a while; it comes back when the delegate resolves it."""
    return (
        task.status == HumanTask.Status.OPEN
        and task.assignee_id is not None
        and not is_delegated(task)
        and (task.assignee_id == user.pk or can_assign(user))
    )


def can_resolve(user, task: HumanTask) -> bool:
    """The delegate returns the task to its owner."""
    return (
        task.status == HumanTask.Status.OPEN and is_delegated(task) and task.assignee_id == user.pk
    )


def can_recall(user, task: HumanTask) -> bool:
    """The owner, or a supervisor, takes a delegated task back before the delegate returns it."""
    return (
        task.status == HumanTask.Status.OPEN
        and is_delegated(task)
        and (task.owner_id == user.pk or can_assign(user))
    )


def task_not_available(task_id) -> TaskNotAvailable:
    return TaskNotAvailable(
        "该任务已被处理或已取消，请刷新待办列表",
        "this task has already been completed or cancelled; refresh your inbox",
        task_id=str(task_id),
    )


def task_uuid(task_id) -> UUID | None:
    """``task_id`` as a UUID; None when malformed, which no task has."""
    try:
        return UUID(str(task_id))
    except ValueError:
        return None


def no_such_task(task_id) -> TaskNotAvailable:
    return TaskNotAvailable("任务不存在", "there is no such task", task_id=str(task_id))


def find_task(task_id, *, for_update: bool = False) -> HumanTask:
    """The inbox row of ``task_id``; a malformed or unknown id is refused the same way."""
    task_id = task_uuid(task_id)
    rows = HumanTask.objects.with_instance()
    # Only the task's row is locked: a run locks its instance first and the task rows after, so
    # a claim holding the task and waiting for the instance would deadlock with it.
    locked = rows.select_for_update(of=("self",)) if for_update else rows
    task = locked.filter(task_id=task_id).first()
    if task is None:
        raise no_such_task(task_id)
    return task


def _locked_open_task(task_id) -> HumanTask:
    task = find_task(task_id, for_update=True)
    if task.status != HumanTask.Status.OPEN:
        raise task_not_available(task_id)
    return task


def _journal_task(task: HumanTask, kind: str, user, payload: dict) -> None:
    """Journal a change of who holds ``task`` (claim, release, reassignment, delegation)."""
    journal_append(
        chain=task.instance.business_key,
        kind=kind,
        actor=user,
        instance_id=task.instance_id,
        task_id=task.task_id,
        task_name=task.task_name,
        payload=payload,
    )


def _journal_inbox_change(task: HumanTask, kind: str, user) -> None:
    _journal_task(
        task, kind, user, {"assignee": task.assignee.get_username() if task.assignee else None}
    )


def can_assign(user) -> bool:
    """A supervisor: may see and assign every open task."""
    if user.is_superuser:
        return True
    roles = getattr(settings, "WORKFLOWS_SUPERVISOR_ROLES", ())
    return bool(roles) and in_groups(user, roles)


def assign_candidates(task: HumanTask) -> QuerySet:
    """Who may be given ``task``: its role's active members, or anyone active without a role."""
    users = get_user_model().objects.filter(is_active=True)
    if task.role_id is not None:
        users = users.filter(groups=task.role_id)
    return users.order_by(get_user_model().USERNAME_FIELD)


MAX_REASON_LENGTH = 500


def _required_text(text: str, task_id, what_zh: str, what_en: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_REASON_LENGTH:
        raise TaskPermissionDenied(
            f"请填写{what_zh}（不超过 {MAX_REASON_LENGTH} 字）",
            f"give {what_en} (at most {MAX_REASON_LENGTH} characters)",
            task_id=str(task_id),
        )
    return text


def _refuse_unless_candidate(task: HumanTask, person) -> None:
    if not assign_candidates(task).filter(pk=person.pk).exists():
        raise TaskPermissionDenied(
            f"{person.get_username()} 不是该环节角色的成员，不能接办此任务",
            f"{person.get_username()} is not a member of the task's role",
            task_id=str(task.task_id),
        )


def _refuse_while_delegated(task: HumanTask) -> None:
    if is_delegated(task):
        raise TaskPermissionDenied(
            f"该任务已委托 {task.assignee.get_username()} 办理，请先收回委托",
            f"this task is delegated to {task.assignee.get_username()}; recall it first",
            task_id=str(task.task_id),
        )


def _end_delegation(task: HumanTask) -> None:
    """A hand-over outside delegation closes the delegation story: nobody owns it any more."""
    task.owner = None
    task.delegation = HumanTask.Delegation.NONE
    task.delegated_until = None


HANDOVER_FIELDS = ("assignee", "claimed_at", "owner", "delegation", "delegated_until")


def task_assign(*, task_id, user, assignee, reason: str) -> HumanTask:
    """A supervisor gives an open task to ``assignee``; the reason is journaled with it."""
    if not can_assign(user):
        raise TaskPermissionDenied(
            "只有督办人员可以指派或转办任务",
            "only supervisors can assign or reassign tasks",
            task_id=str(task_id),
        )
    reason = _required_text(reason, task_id, "指派理由", "a reason for the assignment")
    with transaction.atomic():
        task = _locked_open_task(task_id)
        _refuse_while_delegated(task)
        _refuse_unless_candidate(task, assignee)
        previous = task.assignee.get_username() if task.assignee else None
        task.assignee = assignee
        task.claimed_at = timezone.now()  # the new assignee may give it back to the queue
        _end_delegation(task)
        task.save(update_fields=HANDOVER_FIELDS)
        _journal_task(
            task,
            "task.reassigned",
            user,
            {
                "assignee": assignee.get_username(),
                "previous": previous,
                "reason": reason,
            },
        )
    return task


def task_claim(*, task_id, user) -> HumanTask:
    """Take an unassigned task of one of the user's roles."""
    with transaction.atomic():
        task = _locked_open_task(task_id)
        if task.assignee_id == user.pk:
            return task
        if task.assignee_id is not None and has_role(user, task):
            raise TaskAlreadyClaimed(
                f"该任务已由 {task.assignee.get_username()} 领取，请刷新待办列表",
                f"this task was already claimed by {task.assignee.get_username()}; "
                "refresh your inbox",
                task_id=str(task_id),
                assignee=task.assignee.get_username(),
            )
        if not can_claim(user, task):
            raise TaskPermissionDenied(
                "只有该环节角色的成员可以领取未分配的任务",
                "only members of the task's role can claim an unassigned task",
                task_id=str(task_id),
            )
        task.assignee = user
        task.claimed_at = timezone.now()
        task.save(update_fields=("assignee", "claimed_at"))
        _journal_inbox_change(task, "task.claimed", user)
    return task


def task_release(*, task_id, user) -> HumanTask:
    """Give a claimed task back to the role's queue."""
    with transaction.atomic():
        task = _locked_open_task(task_id)
        if not can_release(user, task):
            raise TaskPermissionDenied(
                "只能退回自己领取的任务",
                "you can only release a task you claimed",
                task_id=str(task_id),
            )
        task.assignee = None
        task.claimed_at = None
        _end_delegation(task)
        task.save(update_fields=HANDOVER_FIELDS)
        _journal_inbox_change(task, "task.released", user)
    return task


def task_delegate(*, task_id, user, delegate, reason: str, until: date | None = None) -> HumanTask:
    """Hand an assigned task to ``delegate`` for a while (the assignee on leave, say).

    The assignee becomes the task's owner; the delegate works on it and resolves it, which
    gives it back to the owner, who completes it. ``user`` is the assignee or a supervisor
    acting on the assignee's behalf; ``until`` is when the owner is back, if known.
    """
    reason = _required_text(reason, task_id, "委托理由", "a reason for the delegation")
    if until is not None and until < timezone.localdate():
        raise TaskPermissionDenied(
            "委托截止日期不能早于今天",
            "the delegation cannot end before today",
            task_id=str(task_id),
        )
    with transaction.atomic():
        task = _locked_open_task(task_id)
        if not can_delegate(user, task):
            _refuse_while_delegated(task)
            raise TaskPermissionDenied(
                "只有任务的办理人或督办人员可以委托已分配的任务",
                "only the assignee of an assigned task, or a supervisor, can delegate it",
                task_id=str(task_id),
            )
        if delegate.pk == task.assignee_id:
            raise TaskPermissionDenied(
                "不能委托给任务当前的办理人",
                "the task cannot be delegated to its own assignee",
                task_id=str(task_id),
            )
        _refuse_unless_candidate(task, delegate)
        _hand_to_delegate(task, delegate, user, reason=reason, until=until)
    return task


def _hand_to_delegate(task: HumanTask, delegate, actor, *, until, **facts) -> None:
    """The one state change of a delegation, by hand or standing: the assignee becomes owner."""
    task.owner = task.assignee
    task.assignee = delegate
    task.delegation = HumanTask.Delegation.PENDING
    task.delegated_until = until
    task.save(update_fields=HANDOVER_FIELDS)
    _journal_delegation(
        task, "task.delegated", actor, until=until.isoformat() if until else None, **facts
    )


def task_resolve(*, task_id, user, note: str) -> HumanTask:
    """The delegate gives the task back to its owner with a note of what was done."""
    note = _required_text(note, task_id, "办理意见", "a note for the owner")
    refusal = (
        "只有受委托人可以办毕退回委托的任务",
        "only the delegate can return a delegated task",
    )
    return _back_to_owner(task_id, user, can_resolve, refusal, "task.resolved", note=note)


def task_recall(*, task_id, user, reason: str = "") -> HumanTask:
    """The owner (or a supervisor) takes a delegated task back before the delegate returns it."""
    reason = (reason or "").strip()[:MAX_REASON_LENGTH]
    refusal = (
        "只有委托人或督办人员可以收回委托的任务",
        "only the task's owner or a supervisor can recall a delegated task",
    )
    return _back_to_owner(
        task_id, user, can_recall, refusal, "task.recalled", reason=reason or None
    )


EXPIRY_REASON = "委托期满，自动收回"


def return_expired_delegations(now: datetime | None = None) -> int:
    """Recall to their owners the delegated tasks whose last day (``delegated_until``, local
    date) is over; returns how many came back. Run by the periodic sweep (Celery beat)."""
    today = timezone.localdate(now)

    def expired(_user, task: HumanTask) -> bool:
        # Checked again under the row lock: the delegate may have resolved it in the meantime.
        return (
            is_delegated(task) and task.delegated_until is not None and task.delegated_until < today
        )

    refusal = ("委托尚未期满", "the delegation has not run out")
    due = HumanTask.objects.filter(
        status=HumanTask.Status.OPEN,
        delegation=HumanTask.Delegation.PENDING,
        delegated_until__lt=today,
    ).order_by("delegated_until", "pk")
    returned = 0
    for task_id, until in list(due.values_list("task_id", "delegated_until")):
        try:
            _back_to_owner(
                task_id,
                None,
                expired,
                refusal,
                "task.recalled",
                reason=EXPIRY_REASON,
                until=until.isoformat(),
            )
        except (TaskNotAvailable, TaskPermissionDenied):
            continue  # completed, cancelled or resolved since the query: nothing to return
        returned += 1
    if returned:
        logger.info("delegation sweep: %s task(s) returned to their owners", returned)
    return returned


def _back_to_owner(task_id, user, allowed, refusal, kind: str, **facts) -> HumanTask:
    with transaction.atomic():
        task = _locked_open_task(task_id)
        if not allowed(user, task):
            raise TaskPermissionDenied(*refusal, task_id=str(task_id))
        delegate = task.assignee
        task.assignee = task.owner
        if kind == "task.resolved":
            # The owner stays recorded so their page shows the delegate's note until completion.
            task.delegation = HumanTask.Delegation.RESOLVED
            task.delegated_until = None
        else:
            _end_delegation(task)
        task.save(update_fields=HANDOVER_FIELDS)
        _journal_delegation(task, kind, user, delegate=delegate, **facts)
    return task


def _journal_delegation(task: HumanTask, kind: str, user, *, delegate=None, **facts) -> None:
    owner = task.owner or task.assignee  # a recall has ended the ownership already
    _journal_task(
        task,
        kind,
        user,
        {
            "owner": owner.get_username(),
            "delegate": (delegate or task.assignee).get_username(),
            **facts,
        },
    )


DELEGATION_KINDS = ("task.delegated", "task.resolved", "task.recalled")


def last_delegation_entry(task: HumanTask):
    """The journal entry of the task's latest delegation step (its reason, the delegate's note)."""
    return (
        JournalEntry.objects.filter(
            chain=task.instance.business_key, task_id=task.task_id, kind__in=DELEGATION_KINDS
        )
        .order_by("-sequence")
        .first()
    )


def handover_words(entry) -> str:
    """What a hand-over entry of the journal records, in a clerk's words ("" for other kinds)."""
    facts = entry.payload or {}
    said = facts.get("reason") or facts.get("note")
    until = f"（至 {facts['until']}）" if facts.get("until") else ""
    words = {
        "task.reassigned": f"交给 {facts.get('assignee')}"
        + (f"（原办理人 {facts['previous']}）" if facts.get("previous") else ""),
        "task.delegated": ("按长期委托，" if facts.get("standing") else "")
        + f"{facts.get('owner')} 的任务委托 {facts.get('delegate')} 办理{until}",
        "task.resolved": f"{facts.get('delegate')} 办毕退回 {facts.get('owner')}",
        "task.recalled": (
            f"委托至 {facts['until']} 期满，退回 {facts.get('owner')}"
            if facts.get("until")
            else f"{facts.get('owner')} 收回委托"
        )
        + f"（受委托人 {facts.get('delegate')}）",
    }.get(entry.kind, "")
    if words and said:
        words += f"；{'意见' if entry.kind == 'task.resolved' else '理由'}：{said}"
    return words


def retarget_open_tasks(instance: ProcessInstance, workflow: BpmnWorkflow, renamed: dict) -> None:
    """After the instance moved onto another process version, point its open rows at the tasks
    that now stand for them, keeping who claimed them and their due dates.

    ``renamed`` maps old task spec names to new ones (the rest keep their name). A row whose task
    was recreated by the move takes the new READY task of its (new) name; a row whose role changes
    goes back to the new role's queue. Rows with no counterpart are left for ``project_user_tasks``
    to cancel.
    """
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    by_id = {task.id: task for task in ready}
    # Locked (after the instance, as every run does): a claim or a delegation, which lock the
    # task row alone, waits for the rows to be saved rather than being written over by them.
    rows = list(
        instance.tasks.filter(status=HumanTask.Status.OPEN).select_for_update().order_by("pk")
    )
    taken = {row.task_id for row in rows}
    for row in rows:
        task = by_id.get(row.task_id)
        if task is None:
            name = renamed.get(row.task_name, row.task_name)
            task = next((t for t in ready if t.task_spec.name == name and t.id not in taken), None)
            if task is None:
                continue
            taken.add(task.id)
        spec = task.task_spec
        role = lane_role(spec.lane)
        if role != row.role:
            row.assignee, row.claimed_at = None, None
            _end_delegation(row)
        row.task_id = task.id
        row.task_name = spec.name
        row.title = spec.bpmn_name or spec.name
        row.lane = spec.lane or ""
        row.role = role
        row.form = parse_form(spec.extensions.get("properties", {}).get("form"), spec.name)
        row.save()


STANDING_CHAIN = "workflows.standing_delegations"


def can_set_standing_delegation(user, owner) -> bool:
    """Anyone for themselves; a supervisor for anyone."""
    return owner.pk == user.pk or can_assign(user)


def standing_delegation_set(
    *, user, owner, delegate, starts_on: date, ends_on: date, reason: str
) -> StandingDelegation:
    """While ``owner`` is away, the tasks the process assigns to them go to ``delegate`` (who
    returns each to them). Tasks already open stay where they are (delegate them by hand)."""
    reason = _required_text(reason, "", "委托理由", "a reason for the delegation")
    if not can_set_standing_delegation(user, owner):
        raise TaskPermissionDenied(
            "只能为自己设置长期委托（督办人员可为他人设置）",
            "you can set a standing delegation for yourself only (supervisors for anyone)",
        )
    if delegate.pk == owner.pk or not delegate.is_active:
        raise TaskPermissionDenied(
            "请选择另一位在岗人员作为受委托人", "choose another, active person as the delegate"
        )
    if ends_on < starts_on or ends_on < timezone.localdate():
        raise TaskPermissionDenied(
            "委托期间应为今天或以后，且结束不早于开始",
            "the period must not end before it starts, nor before today",
        )
    with transaction.atomic():
        overlapping = StandingDelegation.objects.filter(
            owner=owner, cancelled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        if overlapping.exists():
            raise TaskPermissionDenied(
                f"{owner.get_username()} 在该期间已有长期委托，请先撤销",
                f"{owner.get_username()} already has a standing delegation in that period",
            )
        standing = StandingDelegation.objects.create(
            owner=owner,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            created_by=user,
        )
        journal_append(
            chain=STANDING_CHAIN,
            kind="delegation.standing_set",
            actor=user,
            payload=_standing_facts(standing),
        )
    return standing


def standing_delegation_cancel(*, user, standing_id: int) -> StandingDelegation:
    """End a standing delegation now; tasks already delegated stay with the delegate."""
    with transaction.atomic():
        standing = (
            StandingDelegation.objects.select_for_update()
            .filter(pk=standing_id, cancelled_at__isnull=True)
            .first()
        )
        if standing is None or not can_set_standing_delegation(user, standing.owner):
            raise TaskPermissionDenied(
                "没有可撤销的长期委托", "there is no such standing delegation to cancel"
            )
        standing.cancelled_at = timezone.now()
        standing.save(update_fields=("cancelled_at",))
        journal_append(
            chain=STANDING_CHAIN,
            kind="delegation.standing_cancelled",
            actor=user,
            payload=_standing_facts(standing),
        )
    return standing


def _standing_facts(standing: StandingDelegation) -> dict:
    return {
        "standing": standing.pk,
        "owner": standing.owner.get_username(),
        "delegate": standing.delegate.get_username(),
        "from": standing.starts_on.isoformat(),
        "until": standing.ends_on.isoformat(),
        "reason": standing.reason,
    }
