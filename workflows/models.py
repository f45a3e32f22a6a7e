"""Persistent state of the BPMN plugin.

Definitions are versioned and kept forever; an instance stores its serialized SpiffWorkflow state
and sits on the definition version it started with; READY user tasks are projected into
``HumanTask`` rows (the inbox); asynchronous service calls are ``ServiceJob`` rows; every piece of
work for a Celery worker is first an ``OutboxJob`` row (see ``workflows/jobs/``); every input is
an append-only, hash-chained ``JournalEntry``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .digests import MAX_LENGTH as DIGEST_LENGTH


class ProcessDefinition(models.Model):
    """One deployed version of one BPMN process."""

    process_id = models.CharField(_("process id"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=300, blank=True)
    source_name = models.CharField(_("source file"), max_length=300)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, db_index=True)
    bpmn_xml = models.TextField(_("BPMN XML"))
    deployed_at = models.DateTimeField(_("deployed at"), default=timezone.now)

    class Meta:
        verbose_name = _("process definition")
        ordering = ("process_id", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=("process_id", "version"), name="workflows_definition_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.process_id} v{self.version}"


class ProcessInstance(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("运行中 running: a service job is under way")
        WAITING = "waiting", _("等待中 waiting for people, timers or messages")
        COMPLETED = "completed", _("已完成 completed")
        INCIDENT = "incident", _("异常 incident: needs attention")
        CANCELLED = "cancelled", _("已取消 cancelled: stopped by staff, nothing more will run")

    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="instances"
    )
    business_key = models.CharField(_("business key"), max_length=200, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    business_object = GenericForeignKey("content_type", "object_id")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True
    )
    # The workflow as it stood after journal entry ``state_sequence`` of the instance's chain
    # (a checkpoint): the engine writes it every few inputs, not at each (``engine.InstanceRun
    # .save``). The current workflow is this state plus the ``inputs_since_state`` inputs
    # journaled after it, replayed (``replay.instance_workflow``). A state saved before
    # checkpoints has no sequence and is current.
    state = models.TextField(_("serialized workflow state"))
    state_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    inputs_since_state = models.PositiveIntegerField(default=0, editable=False)
    # New with every save of the row by the engine: a process that saved it keeps the
    # workflow in memory and uses it again only while the row still carries this token (another
    # process saved since, or a rolled-back save, changes or restores it). Anything else that
    # writes ``state`` must change it too.
    state_token = models.UUIDField(null=True, blank=True, editable=False)
    spiff_version = models.CharField(max_length=20)
    serializer_version = models.CharField(max_length=20)
    # The digest of the state the latest input produced, checkpointed or not.
    state_digest = models.CharField(max_length=64)
    next_timer_at = models.DateTimeField(_("earliest pending timer"), null=True, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Set when the ended instance's live rows were compacted (``workflows.compaction``): its
    # ``state`` is then empty, and its journal and ``state_digest`` stand for it.
    compacted_at = models.DateTimeField(_("compacted"), null=True, blank=True)

    class Meta:
        verbose_name = _("process instance")
        indexes = [models.Index(fields=("content_type", "object_id"))]

    def __str__(self) -> str:
        return f"{self.business_key} ({self.definition})"


class Incident(models.Model):
    """A failure inside an instance that a person must look at; it can be retried."""

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="incidents"
    )
    task_id = models.UUIDField(null=True, blank=True)
    task_name = models.CharField(max_length=200, blank=True)
    operation = models.CharField(max_length=200, blank=True)
    error_type = models.CharField(max_length=200)
    message = models.TextField()
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(
        _("tries made"), default=1, help_text=_("How many times the failed step was tried.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.error_type} at {self.task_name or '?'}"


class ServiceJob(models.Model):
    """An asynchronous service call: its BPMN task waits in STARTED until the result arrives."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        DISCARDED = "discarded", _("discarded: the task no longer waits for it")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="jobs")
    task_id = models.UUIDField()
    task_name = models.CharField(max_length=200)
    operation = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Tries in all; ``retries`` counts the automatic ones since the job was last (re)queued,
    # against the operation's limit (an incident retry gives the job a fresh round).
    attempts = models.PositiveIntegerField(default=1)
    retries = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("service job")
        constraints = [
            models.UniqueConstraint(fields=("task_id",), name="workflows_job_task_unique")
        ]

    def __str__(self) -> str:
        return f"{self.operation} [{self.status}]"


class OutboxJob(models.Model):
    """Work for a Celery worker, written in the transaction of the change that asks for it.

    The relay sends a message naming the row after commit; a worker takes a lease on the row
    (``lock_owner`` until ``lock_expires_at``, renewed by its heartbeat) and marks it finished.
    A row nobody took in time, or whose lease expired, is sent again by the sweep.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待执行 pending")
        DONE = "done", _("已完成 done")
        FAILED = "failed", _("失败 failed")

    task = models.CharField(_("Celery task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    available_at = models.DateTimeField(_("not before"), default=timezone.now)
    sent_at = models.DateTimeField(_("last re-sent by the sweep"), null=True, blank=True)
    sends = models.PositiveIntegerField(_("times re-sent by the sweep"), default=0)
    tries = models.PositiveIntegerField(_("times taken by a worker"), default=0)
    lock_owner = models.CharField(_("lease holder"), max_length=200, blank=True)
    lock_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox job")
        indexes = [models.Index(fields=("status", "available_at"))]

    def __str__(self) -> str:
        return f"{self.task}{self.args} [{self.status}]"


class HumanTaskQuerySet(models.QuerySet):
    def open(self) -> HumanTaskQuerySet:
        return self.filter(status=HumanTask.Status.OPEN)

    def inbox(self, user) -> HumanTaskQuerySet:
        """Open tasks the user may work: assigned to them, or unassigned in one of their roles;
        and those they delegated, which come back to them."""
        mine = models.Q(assignee=user)
        claimable = models.Q(assignee__isnull=True, role__in=user.groups.all())
        delegated = models.Q(owner=user, delegation=HumanTask.Delegation.PENDING)
        return self.open().filter(mine | claimable | delegated).order_by("due_at", "created_at")

    def with_instance(self, *related: str) -> HumanTaskQuerySet:
        """Each task with its instance (and ``related``) joined, but not the instance's saved
        state: the largest column the site has (about 130 KB for a case well under way), which
        no list of tasks reads."""
        return self.select_related("instance", *related).defer("instance__state")


class HumanTask(models.Model):
    """A READY user task projected out of an instance's state, for inboxes and permissions."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    class Delegation(models.TextChoices):
        """Camunda's delegation state: a delegated task is with its delegate until resolved."""

        NONE = "", _("not delegated")
        PENDING = "pending", _("with the delegate")
        RESOLVED = "resolved", _("returned by the delegate")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="tasks")
    task_id = models.UUIDField(unique=True)
    task_name = models.CharField(_("BPMN task id"), max_length=200, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    lane = models.CharField(_("lane"), max_length=200, blank=True)
    role = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_workflow_tasks",
    )
    # Who delegated the task and gets it back when the delegate resolves it (the assignee then).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_workflow_tasks",
    )
    delegation = models.CharField(
        _("delegation"), max_length=16, choices=Delegation.choices, blank=True, default=""
    )
    delegated_until = models.DateField(_("owner away until"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    form = models.JSONField(_("expected fields"), default=list)
    context = models.JSONField(_("task data shown to the worker"), default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="completed_workflow_tasks",
    )

    objects = HumanTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("user task")
        indexes = [
            models.Index(fields=("status", "role")),
            models.Index(fields=("status", "assignee")),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.instance.business_key})"


class StandingDelegationQuerySet(models.QuerySet):
    def in_force_on(self, day) -> StandingDelegationQuerySet:
        return self.filter(cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


class StandingDelegation(models.Model):
    """While ``owner`` is away (``starts_on`` to ``ends_on``, local dates), each task the process
    assigns to them is delegated to ``delegate`` as it opens; it comes back when resolved."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="standing_delegations"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = StandingDelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("standing delegation")
        ordering = ("starts_on", "pk")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="workflows_standing_delegation_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} -> {self.delegate} {self.starts_on}..{self.ends_on}"


class JournalHead(models.Model):
    """The last link of one chain; locked while appending so links never race."""

    chain = models.CharField(max_length=200, primary_key=True)
    sequence = models.PositiveIntegerField(default=0)
    entry_hash = models.CharField(max_length=DIGEST_LENGTH, blank=True)

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence}"


class JournalEntry(models.Model):
    """One append-only, hash-chained record of an input to an instance or a domain action.

    Actor and instance are stored as plain values, not foreign keys, so that deleting a user or
    an instance can never rewrite history.
    """

    chain = models.CharField(max_length=200)
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=64, db_index=True)
    recorded_at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    instance_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    task_id = models.UUIDField(null=True, blank=True)
    task_name = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    state_digest = models.CharField(max_length=64, blank=True)
    # Labelled digests (``workflows.digests``): bare hex is SHA-256, "sm3:..." SM3.
    previous_hash = models.CharField(max_length=DIGEST_LENGTH, blank=True)
    entry_hash = models.CharField(max_length=DIGEST_LENGTH, unique=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal")
        ordering = ("chain", "sequence")
        constraints = [
            models.UniqueConstraint(
                fields=("chain", "sequence"), name="workflows_journal_chain_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence} {self.kind}"


class JournalAnchor(models.Model):
    """A signed checkpoint of every chain's head, linked to the previous checkpoint.

    A chain rewritten from its first entry on verifies by itself; against an anchor taken before
    the rewrite, its entry at the anchored sequence no longer has the anchored hash.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    heads = models.JSONField(help_text=_("chain -> [sequence, entry hash]"))
    previous_digest = models.CharField(max_length=DIGEST_LENGTH, blank=True)
    digest = models.CharField(max_length=DIGEST_LENGTH, unique=True)
    signature = models.BinaryField(blank=True)
    signer = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("journal anchor")
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"anchor {self.created_at:%Y-%m-%d %H:%M} ({len(self.heads)} chains)"


class InstanceMigration(models.Model):
    """One instance moved onto another version of its process, and how to undo it.

    The state it had before is kept so a revert restores it exactly; a revert is allowed only
    while nothing has happened to the instance since (its journal holds no later input).
    """

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="migrations"
    )
    source = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="migrations_from"
    )
    target = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="migrations_to"
    )
    mapping = models.JSONField(_("task mapping"), default=dict, blank=True)
    reason = models.TextField(_("reason"))
    actor = models.CharField(max_length=150)
    state_before = models.TextField(_("serialized workflow state before the migration"))
    journal_sequence = models.PositiveIntegerField()
    migrated_at = models.DateTimeField(default=timezone.now)
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("instance migration")
        ordering = ("-migrated_at", "-pk")

    def __str__(self) -> str:
        return f"{self.instance.business_key}: {self.source} -> {self.target}"


class CalendarYear(models.Model):
    """One year's holiday arrangement (放假安排) as entered: where it came from and who entered it.

    A year without a row is not known: its working days count Monday to Friday.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    entered_by = models.CharField(_("entered by"), max_length=150, blank=True)
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("holiday arrangement")
        ordering = ("year",)

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from Monday to Friday: a day off on a weekday, or a make-up working day
    on a weekend (调休上班); a holiday's weekend days are kept too, so a holiday reads whole."""

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"), unique=True)
    working = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        ordering = ("day",)

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.working else '休'} {self.name}"
