"""The engine: the only place an instance's workflow state changes.

Every change runs as ``with locked_run(instance_id) as run``: the instance row is locked
(``SELECT ... FOR UPDATE``) from load to save, due timers are fired before anything else is
applied, and on exit the row is saved (the whole workflow state every few inputs and at the
inputs a replay cannot feed back; the journal carries the ones between, ``InstanceRun.save``) and
the inbox re-projected. The changes that run
scripts (start, task completion, message, service result, retry, timer sweep) run it in
``lock_tries``: a script running long under the lock is evaluated again with none held, so a
runaway script keeps no one else waiting. An asynchronous service
call is a ``ServiceJob`` plus an outbox row written in the same transaction (``workflows.jobs``),
sent to a worker after the commit; transient failures are tried again with backoff before an
incident opens. Each input (instance started, task completed, service
result, timer fired, message received, retry) is journaled with a digest of the state it produced;
results of synchronous services called while advancing are recorded inside that entry, so a replay
can feed them back instead of calling the handlers again.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from uuid import UUID, uuid4

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.exceptions import TaskNotFoundException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from .canonical import normalize_payload
from .definitions import latest_definition, load_specs
from .exceptions import (
    InstanceEnded,
    JobTimeLimitExceeded,
    MessageNotExpected,
    NoIncidentToRetry,
    ReasonRequired,
    TaskNotAvailable,
)
from .forms import ChoicesFor, clean_task_data
from .inbox import (
    InboxLookups,
    can_complete,
    completion_refused,
    find_task,
    inbox_lookup_columns,
    no_such_task,
    project_user_tasks,
    ready_user_task_ids,
    task_complete_if_unchanged,
    task_uuid,
)
from .jobs.conf import soft_time_limit as job_soft_time_limit
from .jobs.outbox import job_enqueue
from .jobs.retry import (
    backoff_seconds,
    close_broken_connections,
    is_transient,
    service_attempt_limit,
)
from .journal import Head, journal_append, journal_head_columns, known_head
from .logcontext import about_case
from .models import HumanTask, Incident, ProcessInstance, ServiceJob
from .replay import CHECKPOINT_KINDS, instance_workflow
from .sandbox import EvaluateOutsideLock, ScriptMemo
from .services import DEFERRED, RegisteredService, ServiceCall, refusing_writes, registry
from .spiff import (
    PENDING,
    SERIALIZER_VERSION,
    SPIFF_VERSION,
    BpmnWorkflow,
    InstanceScriptEngine,
    TaskState,
    dump_state,
    earliest_timer,
    state_digest,
    timer_deadline,
    timer_move,
    timer_tasks,
)

logger = logging.getLogger(__name__)

# Guards against a process whose timers keep re-arming already-due timers.
MAX_TIMER_ROUNDS = 100
# Slow evaluations one change may move out of its lock (``lock_tries``); past them, it runs on.
MAX_EVALUATIONS_OUTSIDE_LOCK = 8
# An asynchronous handler works before the instance is locked, so its transaction can meet a user
# action's in the other lock order; the database then aborts one of them, and the job runs again.
JOB_LOCK_RACE_ATTEMPTS = 3
LOCK_RACE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
SERVICE_JOB_TASK = "workflows.run_service_job"
SERVICE_JOB_SOFT_LIMIT = 900  # seconds, unless WORKFLOWS_JOB_TIME_LIMITS says otherwise
# SpiffWorkflow 3.2 stops walking the task tree at depth 1000 and then takes the process for
# completed: every round of a loop deepens the tree, so a case that loops long enough would end
# silently. An incident is raised well before that.
TASK_DEPTH_LIMIT = 1000
TASK_DEPTH_ALARM = 800
# What a save writes to the instance row at every input; a checkpoint adds the state itself.
ROW_FIELDS = (
    "definition",
    "status",
    "state_token",
    "state_digest",
    "next_timer_at",
    "completed_at",
    "updated_at",
    "inputs_since_state",
)
CHECKPOINT_FIELDS = ("state", "state_sequence", "spiff_version", "serializer_version")


class TaskTreeTooDeep(Exception):
    """A process whose loops have deepened its task tree close to SpiffWorkflow's limit."""


def _root_cause(exc: BaseException) -> BaseException:
    """SpiffWorkflow wraps expression errors; the incident should name the real one.

    SpiffWorkflow 3.2's ``WorkflowTaskException`` keeps only the wrapped error's type name
    (``error_type``); the error itself is the one being handled when it was raised.
    """
    inner = getattr(exc, "exception", None)
    if isinstance(inner, BaseException):
        return inner
    context = exc.__context__
    if isinstance(exc, WorkflowTaskException) and type(context).__name__ == exc.error_type:
        return context
    return exc


class KeptWorkflows:
    """The workflows this process saved last, each with the state token of its save.

    Loading a saved state rebuilds every task object; the next input to the same instance in the
    same process takes the workflow it left instead, when the locked row still carries the token
    it was saved with. Another process's save, or a save rolled back (the row keeps its old
    token), makes it load the saved state. A workflow is taken out while a run uses it, so a
    run that fails leaves nothing behind.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[int, tuple[UUID, BpmnWorkflow]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, token: UUID | None) -> BpmnWorkflow | None:
        with self._lock:
            kept = self._kept.pop(instance_id, None)
        if kept is None or token is None or kept[0] != token:
            return None
        return kept[1]

    def keep(self, instance_id: int, token: UUID, workflow: BpmnWorkflow) -> None:
        with self._lock:
            self._kept[instance_id] = (token, workflow)
            self._kept.move_to_end(instance_id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


KEPT_WORKFLOWS = KeptWorkflows(size=32)


class InstanceRun:
    """One loaded instance under lock, with its workflow and the service dispatcher."""

    def __init__(
        self,
        instance: ProcessInstance,
        workflow: BpmnWorkflow | None = None,
        memo: ScriptMemo | None = None,
        *,
        started: bool = False,
        journal_head: Head | None = None,
        inbox_lookups: InboxLookups | None = None,
    ) -> None:
        self.instance = instance
        self.memo = memo
        # Incidents and queued jobs are made only by runs, which save the status they leave: an
        # instance saved neither RUNNING nor INCIDENT (or started by this run) has none open but
        # those this run makes, so its status needs no query (``_status``).
        self._open_work_before = not started and instance.status in (
            ProcessInstance.Status.RUNNING,
            ProcessInstance.Status.INCIDENT,
        )
        self._incidents_opened = 0
        if instance.compacted_at is not None:
            raise InstanceEnded(
                "流程已结束并已压缩，不能再办理",
                "the process ended and its live state was compacted: nothing more can run",
                instance=instance.pk,
            )
        kept = workflow or KEPT_WORKFLOWS.take(instance.pk, instance.state_token)
        # Loaded from the row: the inputs before were taken by another process (or this one
        # before a restart), and the next ones may be too; its save writes the state, so their
        # loads replay only what this process did not see.
        self._loaded = kept is None
        self.workflow = kept or instance_workflow(instance)
        self.workflow.script_engine = InstanceScriptEngine(dispatcher=self, memo=memo)
        # The inbox rows open now: every save projects the READY user tasks into rows, so they
        # are those of the state just taken (none for a new instance); the save needs no read.
        self.open_task_ids = set() if started else ready_user_task_ids(self.workflow)
        self.timers_fired = 0
        self._service_log: list[dict] = []
        self._queued_jobs: list[ServiceJob] = []
        # Every change to the workflow is an input, journaled right after it: the digest of the
        # run's last entry is the digest of the state it saves, and is computed once.
        self._journaled_digest: str | None = None
        # The inputs this run journaled: their count and kinds.
        self._inputs = 0
        self._input_kinds: set[str] = set()
        # The chain's head as the lock statement read it, then as this run's entries left it.
        self.journal_head = journal_head
        # Read with the lock for the tasks the run opens (their roles, standing delegations).
        self.inbox_lookups = inbox_lookups

    # -- the dispatcher SpiffWorkflow calls for service tasks ------------------------------------

    def call_service(self, task, operation: str, params: dict):
        registered = registry.get(operation)
        params = normalize_payload(params)
        if registered.asynchronous:
            job = ServiceJob.objects.create(
                instance=self.instance,
                task_id=task.id,
                task_name=task.task_spec.name,
                operation=operation,
                params=params,
            )
            self._queued_jobs.append(job)
            self._service_log.append(
                {"task": task.task_spec.name, "operation": operation, "job": job.pk}
            )
            return PENDING
        call = ServiceCall(self.instance, task.id, task.task_spec.name, operation)
        result = _handler_result(registered, call, params)
        self._service_log.append(
            {"task": task.task_spec.name, "operation": operation, "result": result}
        )
        return result

    # -- inputs -----------------------------------------------------------------------------------

    def journal(
        self, kind, *, actor=None, task=None, payload=None, task_id=None, name="", recorded_at=None
    ):
        self._journaled_digest = state_digest(self.workflow)
        entry = journal_append(
            chain=self.instance.business_key,
            kind=kind,
            actor=actor,
            payload=payload,
            instance_id=self.instance.pk,
            task_id=task.id if task is not None else task_id,
            task_name=task.task_spec.name if task is not None else name,
            state_digest=self._journaled_digest,
            recorded_at=recorded_at,
            head=self.journal_head,
        )
        self._inputs += 1
        self._input_kinds.add(kind)
        self.journal_head = (entry.sequence, entry.entry_hash)
        return entry

    def apply_input(self, kind: str, *, actor=None, task=None, payload=None, task_id=None, name=""):
        """Advance the engine after an input, then journal the input and any incident.

        The entry's time is read before the engine advances: a replay that sets its clock to it
        arms every timer no later than this run did, so the same timers fire at the same inputs.
        """
        clock = timezone.now()
        self._service_log = []
        failure = None
        try:
            self.workflow.do_engine_steps()
        except Exception as exc:
            failure = exc
        payload = dict(payload or {})
        if self._service_log:
            payload["services"] = self._service_log
        entry = self.journal(
            kind,
            actor=actor,
            task=task,
            payload=payload,
            task_id=task_id,
            name=name,
            recorded_at=clock,
        )
        if failure is not None:
            self._open_incident(failure)
        return entry

    def _open_incident(self, exc: BaseException, task=None) -> Incident:
        """An incident at ``task``, or at the task the failure left in ERROR."""
        if task is None:
            failed = self.workflow.get_tasks(state=TaskState.ERROR)
            task = failed[0] if failed else None
        return self.record_incident(
            exc,
            task_id=task.id if task else None,
            task_name=task.task_spec.name if task else "",
            operation=getattr(task.task_spec, "operation_name", "") if task else "",
        )

    def record_incident(
        self, exc: BaseException, *, task_id, task_name: str, operation: str, attempts: int = 1
    ):
        """The one place an incident is created, logged and journaled."""
        cause = _root_cause(exc)
        message = str(cause)
        if attempts > 1:
            message = f"{message}（已尝试 {attempts} 次 / after {attempts} tries）"
        incident = Incident.objects.create(
            instance=self.instance,
            task_id=task_id,
            task_name=task_name,
            operation=operation,
            error_type=type(cause).__name__,
            message=message,
            traceback="".join(traceback.format_exception(cause)),
            attempts=attempts,
        )
        logger.warning("incident %s on %s: %r", incident.pk, self.instance.business_key, cause)
        self._incidents_opened += 1
        self.journal(
            "incident.raised",
            task_id=task_id,
            name=task_name,
            payload={"incident": incident.pk, "error": incident.error_type, "message": message},
        )
        return incident

    def fire_due_timers(self) -> int:
        """Fire every timer whose deadline has passed, each round journaled as one input."""
        for _ in range(MAX_TIMER_ROUNDS):
            waiting = timer_tasks(self.workflow)
            self.workflow.refresh_timers()
            fired = [task for task in waiting if task.has_state(TaskState.READY)]
            if not fired:
                break
            self.timers_fired += len(fired)
            self.apply_input(
                "timer.fired",
                payload={
                    "timers": [
                        {"task": task.task_spec.name, "due": timer_deadline(task)} for task in fired
                    ]
                },
            )
        return self.timers_fired

    def queue_job(self, job: ServiceJob) -> None:
        self._queued_jobs.append(job)

    # -- persistence ------------------------------------------------------------------------------

    def _status(self) -> str:
        if self.workflow.is_completed():
            # SpiffWorkflow marks a cancelled workflow completed without success.
            if not self.workflow.success:
                return ProcessInstance.Status.CANCELLED
            return ProcessInstance.Status.COMPLETED
        if self._incidents_opened:
            return ProcessInstance.Status.INCIDENT
        if not self._open_work_before:
            if self._queued_jobs:
                return ProcessInstance.Status.RUNNING
            return ProcessInstance.Status.WAITING
        incident, queued = (
            ProcessInstance.objects.filter(pk=self.instance.pk)
            .values_list(
                Exists(Incident.objects.filter(instance=OuterRef("pk"), resolved_at__isnull=True)),
                Exists(
                    ServiceJob.objects.filter(
                        instance=OuterRef("pk"), status=ServiceJob.Status.QUEUED
                    )
                ),
            )
            .get()
        )
        if incident:
            return ProcessInstance.Status.INCIDENT
        if queued:
            return ProcessInstance.Status.RUNNING
        return ProcessInstance.Status.WAITING

    def _check_depth(self) -> None:
        last = self.workflow.last_task
        depth = last.depth if last is not None else 0
        if depth < TASK_DEPTH_ALARM:
            return
        if self.instance.incidents.filter(
            error_type="TaskTreeTooDeep", resolved_at__isnull=True
        ).exists():
            return
        self._open_incident(
            TaskTreeTooDeep(
                f"the process history is {depth} tasks deep; SpiffWorkflow stops at "
                f"{TASK_DEPTH_LIMIT} and would end the process silently: redesign the loop "
                "(a multi-instance task or a subprocess per round) before it gets there"
            )
        )

    def _checkpoint_due(self, ended: bool) -> bool:
        """Whether this save writes the whole state: when its inputs make the journal since the
        last one long enough, or a replay could not feed them back (``replay.CHECKPOINT_KINDS``,
        an incident, an evaluation done outside the lock), when the instance ends, when it
        queued a job (the job's result is the next input, taken by a worker that keeps no
        workflow of this process and would otherwise replay every input since), and when it
        loaded the workflow from the row rather than finding it kept: inputs that move between
        processes are then written as before, and only a process's run of inputs is not."""
        if not self._inputs:
            return False  # the workflow did not change: the saved state and journal still hold
        every = settings.WORKFLOWS_STATE_CHECKPOINT_EVERY
        return (
            ended
            or self.instance.state_sequence is None  # new, or saved before checkpoints
            or self.instance.inputs_since_state + self._inputs >= every
            or bool(self._input_kinds & CHECKPOINT_KINDS)
            or self._incidents_opened > 0
            or bool(self.memo and self.memo.outcomes)
            or bool(self._queued_jobs)
            or self._loaded
        )

    def save(self) -> None:
        self._check_depth()
        instance = self.instance
        instance.state_digest = self._journaled_digest or instance.state_digest
        instance.next_timer_at = earliest_timer(self.workflow)
        for task, error in project_user_tasks(
            instance, self.workflow, self.open_task_ids, self.inbox_lookups
        ):
            self._open_incident(error, task=task)
        instance.status = self._status()
        ended = instance.status in (
            ProcessInstance.Status.COMPLETED,
            ProcessInstance.Status.CANCELLED,
        )
        if ended and instance.completed_at is None:
            instance.completed_at = timezone.now()
        instance.state_token = uuid4()
        fields = ROW_FIELDS
        if self._checkpoint_due(ended):
            instance.state = dump_state(self.workflow)
            instance.state_sequence = self.journal_head[0]  # the entry of this run's last input
            instance.spiff_version = SPIFF_VERSION
            instance.serializer_version = SERIALIZER_VERSION
            instance.inputs_since_state = 0
            fields += CHECKPOINT_FIELDS
        else:
            instance.inputs_since_state += self._inputs
        instance.save(update_fields=fields)
        KEPT_WORKFLOWS.keep(instance.pk, instance.state_token, self.workflow)
        for job in self._queued_jobs:
            job_enqueue(SERVICE_JOB_TASK, job.pk)
        self._queued_jobs = []


@contextmanager
def locked_run(
    instance_id, memo: ScriptMemo | None = None, *, missing: Exception | None = None
) -> Iterator[InstanceRun]:
    """Lock, load and refresh timers; on a clean exit, save. Raising rolls everything back.

    ``missing`` is raised when no instance has ``instance_id`` (by default
    ``ProcessInstance.DoesNotExist``). With ``memo`` (from ``lock_tries``), an evaluation running
    long under the lock stops the run with ``EvaluateOutsideLock``, to be evaluated with no lock
    held before the next try.
    """
    with transaction.atomic():
        inbox_lookups = InboxLookups()
        try:
            instance = _locking_rows(False, inbox_lookups.shape).get(pk=instance_id)
        except ProcessInstance.DoesNotExist:
            if missing is None:
                raise
            raise missing from None
        with _run(instance, memo, known_head(instance), inbox_lookups.read(instance)) as run:
            yield run


@lru_cache(maxsize=8)
def _locking_rows(by_task: bool, inbox_shape: tuple) -> QuerySet:
    """The statement that locks an instance, by its id or (``by_task``) by its task's, read
    with its definition (whose BPMN text is read only if its specs are not parsed yet; the saved
    state only if the workflow kept in memory is not the saved one), the head of the case's
    journal, which the run's first entry links to, and what the inbox rows it opens need
    (``InboxLookups``). Only the instance's row is locked.

    Built once per shape and filtered for each lock: building its subqueries cost about three
    times what filtering and compiling the built statement does, at every input.
    """
    if by_task:
        rows = (
            HumanTask.objects.with_instance("instance__definition")
            .select_for_update(of=("instance",))
            .defer("instance__definition__bpmn_xml")
        )
        business_key = "instance__business_key"
    else:
        rows = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("definition")
            .defer("state", "definition__bpmn_xml")
        )
        business_key = "business_key"
    return rows.annotate(**journal_head_columns(business_key), **inbox_lookup_columns(*inbox_shape))


@contextmanager
def _run(
    instance: ProcessInstance,
    memo: ScriptMemo | None,
    journal_head: Head | None,
    inbox_lookups: InboxLookups,
) -> Iterator[InstanceRun]:
    """Run on ``instance``, locked in the open transaction: timers first, then the caller's
    change, then the save."""
    with about_case(instance.business_key):
        run = InstanceRun(
            instance, memo=memo, journal_head=journal_head, inbox_lookups=inbox_lookups
        )
        run.fire_due_timers()
        yield run
        run.save()


def lock_tries() -> Iterator[AbstractContextManager[ScriptMemo]]:
    """Tries of a change that holds locks, until one finishes::

        for attempt in lock_tries():
            with attempt as memo, locked_run(instance_id, memo) as run:
                ...

    A script or expression that runs past ``sandbox.UNDER_LOCK_SECONDS`` under the lock ends its
    try: the transaction rolls back (every lock given back), the evaluation runs with none held,
    within its limits, and the next try takes its outcome. So a runaway script spends its limit
    while nobody waits for it: not other cases, not uploads to its case (the journal head), and
    not, on SQLite, every writer on the site. The block must hold the whole transaction. Tries
    begun inside another try (a service that starts an instance in its own transaction) are that
    try's: a slow evaluation ends the outer one, which can give its transaction back. Inside a
    transaction begun by a caller outside any try nothing can be given back, so scripts run in it.
    """
    outer = _trying.get()
    # Only while the outer try's transaction is open: work run when it commits (an eager job)
    # makes changes of its own.
    if outer is not None and connection.in_atomic_block:
        yield nullcontext(outer)
        return
    memo = ScriptMemo(under_lock=not connection.in_atomic_block)
    for _ in range(MAX_EVALUATIONS_OUTSIDE_LOCK):
        slow: list[EvaluateOutsideLock] = []
        yield _stopped_by_slow_evaluation(memo, slow)
        if not slow:
            return
        logger.info("evaluating %r with no lock held", slow[0].source[:80])
        memo.evaluate_outside(slow[0])
    # A change with this many slow evaluations runs the rest under its lock, within the limits.
    memo.under_lock = False
    yield _stopped_by_slow_evaluation(memo, [])


# The memo of the try this thread is in (``lock_tries``), set only while a try's block runs.
_trying: ContextVar[ScriptMemo | None] = ContextVar("workflows_lock_try", default=None)


@contextmanager
def _stopped_by_slow_evaluation(memo: ScriptMemo, slow: list) -> Iterator[ScriptMemo]:
    token = _trying.set(memo)
    try:
        yield memo
    except EvaluateOutsideLock as exc:
        slow.append(exc)
    finally:
        _trying.reset(token)


# -- public verbs -------------------------------------------------------------------------------


def instance_start(
    *, process_id: str, business_object, business_key: str, data: dict | None = None, actor=None
) -> ProcessInstance:
    """Start the latest deployed version of ``process_id`` for a business object."""
    definition = latest_definition(process_id)
    spec, subprocess_specs = load_specs(definition)
    initial = normalize_payload(data)

    def new_workflow() -> BpmnWorkflow:
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(initial)
        return workflow

    for attempt in lock_tries():
        with attempt as memo, transaction.atomic(), about_case(business_key):
            instance = ProcessInstance.objects.create(
                definition=definition,
                business_key=business_key,
                content_type=ContentType.objects.get_for_model(business_object),
                object_id=str(business_object.pk),
                state="",
                spiff_version=SPIFF_VERSION,
                serializer_version=SERIALIZER_VERSION,
                state_digest="",
            )
            run = InstanceRun(instance, new_workflow(), memo, started=True)
            run.apply_input(
                "instance.started",
                actor=actor,
                payload={
                    "process_id": definition.process_id,
                    "version": definition.version,
                    "definition_sha256": definition.content_sha256,
                    "data": initial,
                },
            )
            run.save()
    return instance


def task_complete(
    *, task_id: UUID | str, user, data: dict | None = None, choices_for: ChoicesFor | None = None
) -> HumanTask:
    """Complete an open user task with the fields it expects, then advance the instance.

    ``choices_for(field)`` gives the options of choice fields the BPMN leaves open (the site's
    ``TaskPages.choices``); a value outside a field's options is refused.
    """
    task_id = task_uuid(task_id)
    for attempt in lock_tries():
        with attempt as memo, transaction.atomic():
            inbox_lookups = InboxLookups()
            row = _task_with_locked_instance(task_id, inbox_lookups)
            with _run(row.instance, memo, known_head(row), inbox_lookups.read(row)) as run:
                task = _completable(run, row, user)
                if not task_complete_if_unchanged(row, user):
                    # Claimed, released or delegated since it was read: decide again on the
                    # row as it is now, locked.
                    row = find_task(task_id, for_update=True)
                    task = _completable(run, row, user)
                    task_complete_if_unchanged(row, user)
                cleaned = clean_task_data(row.form, data or {}, choices_for)
                properties = task.task_spec.extensions.get("properties", {})
                if properties.get("actor_variable"):
                    cleaned[properties["actor_variable"]] = user.get_username()
                task.set_data(**cleaned)
                task.run()
                run.open_task_ids.discard(row.task_id)
                run.apply_input("task.completed", actor=user, task=task, payload={"data": cleaned})
    return row


def _task_with_locked_instance(task_id, inbox_lookups: InboxLookups) -> HumanTask:
    """The inbox row of ``task_id`` with its instance, read and locked as ``locked_run`` does,
    in one statement. Only the instance's row is locked: claims lock the task's row alone, and a
    run holding an instance locks task rows after it (so this order is every run's)."""
    row = _locking_rows(True, inbox_lookups.shape).filter(task_id=task_id).first()
    if row is None:
        raise no_such_task(task_id)
    return row


def _completable(run: InstanceRun, row: HumanTask, user):
    """The READY task of ``row``, if ``user`` may complete it."""
    task = _ready_user_task(run, row)
    if not can_complete(user, row):
        raise completion_refused(row)
    return task


def _ready_user_task(run: InstanceRun, row: HumanTask):
    try:
        task = run.workflow.get_task_from_id(row.task_id)
    except TaskNotFoundException:
        task = None
    if row.status != HumanTask.Status.OPEN or task is None or not task.has_state(TaskState.READY):
        raise TaskNotAvailable(
            "该任务已被处理、已取消或已超时，请刷新待办列表",
            "this task has been completed, cancelled or overtaken by a timer; refresh your inbox",
            task_id=str(row.task_id),
        )
    return task


def message_send(*, instance_id: int, name: str, payload: dict | None = None, actor=None) -> None:
    """Deliver a BPMN message to an instance that is waiting for it."""
    payload = normalize_payload(payload)

    for attempt in lock_tries():
        with attempt as memo, locked_run(instance_id, memo) as run:
            try:
                run.workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
            except WorkflowException as exc:
                raise MessageNotExpected(
                    f"流程当前不在等待消息 {name}",
                    f"the process is not waiting for the message {name!r} now",
                    message=name,
                ) from exc
            run.apply_input(
                "message.received", actor=actor, payload={"name": name, "payload": payload}
            )


def timer_reschedule(
    *, instance_id: int, task_name: str, due: datetime, data: dict | None = None, actor=None
) -> bool:
    """Move the deadline of the timer the waiting task ``task_name`` holds (a deadline counted
    again, e.g. on a changed holiday calendar), journaled as an input so a replay moves it too.

    ``data`` updates the waiting task's data, typically the variable the timer's expression read.
    Returns False, changing nothing, when no such task waits on a timer (the process moved on).
    """
    with locked_run(instance_id) as run:
        waiting = [task for task in timer_tasks(run.workflow) if task.task_spec.name == task_name]
        if not waiting:
            return False
        data = normalize_payload(data or {})
        for task in waiting:
            timer_move(task, due, data)
        run.journal(
            "timer.rescheduled",
            actor=actor,
            task=waiting[0],
            payload={"due": due, "data": data},
        )
    return True


def _handler_result(registered: RegisteredService, call: ServiceCall, params: dict):
    """Run a synchronous handler inside the instance's transaction."""
    if registered.read_only:
        # Nothing to undo and no lock to lose a race for: no savepoint, two statements fewer.
        with refusing_writes(call.operation):
            return normalize_payload(registered.handler(call, **params))
    for attempt in range(1, JOB_LOCK_RACE_ATTEMPTS + 1):
        try:
            # A savepoint: a failing handler leaves none of its writes behind, and one that lost
            # a lock race (a background job locking the same rows in another order) gives its
            # locks back and runs again instead of opening an incident.
            with transaction.atomic():
                return normalize_payload(registered.handler(call, **params))
        except OperationalError as exc:
            if not _lost_a_lock_race(exc) or attempt == JOB_LOCK_RACE_ATTEMPTS:
                raise
            logger.info("service %s lost a lock race, attempt %s", call.operation, attempt)
            time.sleep(0.05 * attempt)


def _lost_a_lock_race(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the database rolled back one side, try again."""
    return (
        isinstance(exc, OperationalError)
        and getattr(exc.__cause__, "sqlstate", None) in LOCK_RACE_SQLSTATES
    )


def service_job_run(job_id: int) -> None:
    """Run an asynchronous service job and feed its result back; safe to run twice.

    A transient failure (lost database connection, broker, timeout) queues the job again after a
    backoff while the operation's tries last; any other failure, or the last try, opens an
    incident that says how many tries were made.
    """
    job = ServiceJob.objects.select_related("instance").get(pk=job_id)
    if job.status != ServiceJob.Status.QUEUED:
        return
    call = ServiceCall(job.instance, job.task_id, job.task_name, job.operation, job_id=job.pk)
    for attempt in range(1, JOB_LOCK_RACE_ATTEMPTS + 1):
        try:
            # An operation with no handler (any more) fails the job like a failing handler does.
            registered = registry.get(job.operation)
            # The handler's writes and the instance's advance commit together or not at all;
            # the instance is locked only for the advance, after the handler's work. A slow
            # script after it runs with no lock held, and then the handler runs again.
            for slow_try in lock_tries():
                with slow_try as memo, transaction.atomic():
                    result = registered.handler(call, **job.params)
                    if result is not DEFERRED:
                        _apply_job_result(job.pk, normalize_payload(result), memo)
            return
        except Exception as exc:
            if _lost_a_lock_race(exc) and attempt < JOB_LOCK_RACE_ATTEMPTS:
                logger.info("service job %s lost a lock race, attempt %s", job.pk, attempt)
                time.sleep(0.05 * attempt)
                continue
            close_broken_connections()
            if isinstance(exc, SoftTimeLimitExceeded):
                exc = _time_limit_exceeded(job.operation)
            tries = job.retries + 1
            if is_transient(exc) and tries < service_attempt_limit(job.operation):
                _retry_job_later(job.pk, exc, tries)
            else:
                service_job_fail(job.pk, exc, tries=tries)
            return


def _time_limit_exceeded(operation: str) -> JobTimeLimitExceeded:
    limit = job_soft_time_limit(SERVICE_JOB_TASK, SERVICE_JOB_SOFT_LIMIT)
    return JobTimeLimitExceeded(
        f"服务任务 {operation} 超过了 {limit} 秒的时限，已停止",
        f"service operation {operation!r} ran past its time limit of {limit} s and was stopped "
        "(WORKFLOWS_JOB_TIME_LIMITS)",
        operation=operation,
        limit=limit,
    )


def _retry_job_later(job_id: int, exc: BaseException, tries: int) -> None:
    delay = backoff_seconds(tries)
    with transaction.atomic():
        job = ServiceJob.objects.select_for_update().get(pk=job_id)
        if job.status != ServiceJob.Status.QUEUED:
            return
        job.retries += 1
        job.attempts += 1
        job.error = f"{type(exc).__name__}: {exc}"
        job.save(update_fields=("retries", "attempts", "error"))
        job_enqueue(SERVICE_JOB_TASK, job.pk, delay=delay)
    logger.warning(
        "service job %s (%s) try %s failed: %r; trying again in %ss",
        job_id,
        job.operation,
        tries,
        exc,
        delay,
    )


def _apply_job_result(job_id: int, result: dict, memo: ScriptMemo) -> None:
    instance_id = ServiceJob.objects.values_list("instance_id", flat=True).get(pk=job_id)
    with locked_run(instance_id, memo) as run:
        job = ServiceJob.objects.select_for_update().get(pk=job_id)
        if job.status != ServiceJob.Status.QUEUED:
            return
        job.finished_at = timezone.now()
        task = _started_task(run, job.task_id)
        if task is None:
            job.status = ServiceJob.Status.DISCARDED
            job.save(update_fields=("status", "finished_at"))
            run.journal(
                "service.discarded",
                task_id=job.task_id,
                name=job.task_name,
                payload={"operation": job.operation, "job": job.pk},
            )
            return
        task.data[task.task_spec.result_variable] = result
        task.complete()
        job.status = ServiceJob.Status.SUCCEEDED
        job.result = result
        job.save(update_fields=("status", "result", "finished_at"))
        run.apply_input(
            "service.completed",
            task=task,
            payload={
                "operation": job.operation,
                "job": job.pk,
                "params": job.params,
                "result": result,
            },
        )


def _started_task(run: InstanceRun, task_id):
    """The service task waiting for its job's result, or None (a timer cancelled it)."""
    try:
        task = run.workflow.get_task_from_id(task_id)
    except TaskNotFoundException:
        return None
    return task if task.has_state(TaskState.STARTED) else None


def service_job_deliver(job_id: int, result: dict | None) -> None:
    """Feed the result of a ``DEFERRED`` service job back: its task completes and the process
    goes on, once (a job no longer queued is left as it is).

    Called by the job that finishes the deferred work, inside its transaction: the work's last
    writes and the process's advance commit together or not at all.
    """
    for slow_try in lock_tries():
        with slow_try as memo:
            _apply_job_result(job_id, normalize_payload(result), memo)


def service_job_fail(job_id: int, exc: BaseException, *, tries: int = 1) -> None:
    """Fail a queued service job for good: an incident on its instance says why and after how
    many ``tries``; retrying the incident queues the job again."""
    instance_id = ServiceJob.objects.values_list("instance_id", flat=True).get(pk=job_id)
    cause = _root_cause(exc)
    with locked_run(instance_id) as run:
        job = ServiceJob.objects.select_for_update().get(pk=job_id)
        if job.status != ServiceJob.Status.QUEUED:
            return
        job.status = ServiceJob.Status.FAILED
        job.error = f"{type(cause).__name__}: {cause}"
        job.finished_at = timezone.now()
        job.save(update_fields=("status", "error", "finished_at"))
        run.record_incident(
            cause,
            task_id=job.task_id,
            task_name=job.task_name,
            operation=job.operation,
            attempts=tries,
        )


def incident_retry(*, incident_id: int, actor=None, reason: str = "") -> None:
    """Retry the failed step of an incident: re-queue its job or re-run its task.

    ``reason``, when given, is journaled with the retry.
    """
    instance_id = Incident.objects.values_list("instance_id", flat=True).get(pk=incident_id)
    for attempt in lock_tries():
        with attempt as memo, locked_run(instance_id, memo) as run:
            incident = Incident.objects.select_for_update().get(pk=incident_id)
            if incident.resolved_at is not None:
                raise NoIncidentToRetry(
                    "该异常已处理", "this incident has already been resolved", incident=incident_id
                )
            incident.resolved_at = timezone.now()
            incident.save(update_fields=("resolved_at",))
            job = ServiceJob.objects.filter(
                task_id=incident.task_id, status=ServiceJob.Status.FAILED
            ).first()
            if job is not None:
                job.status = ServiceJob.Status.QUEUED
                job.attempts += 1
                job.retries = 0
                job.error = ""
                job.finished_at = None
                job.save(update_fields=("status", "attempts", "retries", "error", "finished_at"))
                run.queue_job(job)
            else:
                for task in run.workflow.get_tasks(state=TaskState.ERROR):
                    task._set_state(TaskState.READY)
            run.apply_input(
                "incident.retried",
                actor=actor,
                task_id=incident.task_id,
                name=incident.task_name,
                payload={"incident": incident.pk, **({"reason": reason} if reason else {})},
            )


def instance_cancel(*, instance_id: int, actor, reason: str, incident_id: int | None = None):
    """Stop an instance for good: every open task and timer is cancelled, queued jobs are
    discarded, its open incidents are closed, and the instance shows as cancelled.

    This is what cancelling an incident means: the failed step will not be tried again, so the
    process it blocks cannot go on. The reason (required) and the incident that prompted it are
    journaled; replay cancels the workflow at the same entry.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            "取消流程须填写理由", "give a reason for cancelling the process", instance=instance_id
        )
    with locked_run(instance_id) as run:
        if run.workflow.is_completed():
            raise InstanceEnded(
                "该流程已结束，无需取消",
                "this process has already ended; there is nothing to cancel",
                instance=instance_id,
            )
        now = timezone.now()
        incidents = list(
            run.instance.incidents.select_for_update()
            .filter(resolved_at__isnull=True)
            .values_list("pk", flat=True)
        )
        Incident.objects.filter(pk__in=incidents).update(resolved_at=now)
        run.instance.jobs.filter(status=ServiceJob.Status.QUEUED).update(
            status=ServiceJob.Status.DISCARDED, finished_at=now
        )
        run.workflow.cancel()
        payload = {"reason": reason, "incidents": incidents}
        if incident_id is not None:
            payload["incident"] = incident_id
        run.journal("instance.cancelled", actor=actor, payload=payload)
