from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import DurationField, ExpressionWrapper, F, IntegerField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.jobs.outbox import job_progress

from .case import Case, Decision
from .catalog import CatalogItem


class CommitmentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Commitment.OPEN_STATES)

    def due(self, now=None):
        """Pending commitments whose deadline has passed (served by the deadline index).

        A paused clock (delivered items returned for correction) or a delivery the archive is
        still checking keeps a commitment from falling due.
        """
        return self.filter(
            status=Commitment.Status.PENDING,
            deadline__lte=now or timezone.now(),
            paused_at__isnull=True,
            delivered_at__isnull=True,
        )

    def escalation_due(self, now):
        """Overdue commitments past their terms' escalation period (30 days if none is named).

        Worked out in the query: every sweep asks, and an overdue commitment waits a month.
        """
        days = Coalesce(Cast(KT("terms__escalate_after_days"), IntegerField()), Value(30))
        return (
            self.filter(status=Commitment.Status.OVERDUE, deadline__lte=now)
            .alias(
                escalates_at=F("deadline")
                + ExpressionWrapper(Value(timedelta(days=1)) * days, output_field=DurationField())
            )
            .filter(escalates_at__lte=now)
        )


class DeliveryManager(models.Manager.from_queryset(CommitmentQuerySet)):
    """The acceptance domain's commitments (容缺承诺), also a case's ``commitments``.

    A rectification ordered by an inspection (整改) runs on the same state machine and the same
    sweep, but it is no delivery the acceptance process waits for: it must not block a full
    certificate, be delivered against, nor count in the conditional-acceptance figures.
    ``Commitment.every_kind`` sees both.
    """

    def get_queryset(self):
        return super().get_queryset().filter(kind=Commitment.Kind.DELIVERY)


# The outbox job that renders and seals a signed commitment's OFD after the signature commits.
RENDER_COMMITMENT_OFD_TASK = "acceptance.render_commitment_ofd"


class Commitment(ConcurrentTransitionMixin, models.Model):
    """承诺书: the owner's signed promise to deliver tolerated items by a deadline, or (kind
    rectification) to put right by a deadline what an inspection found (整改)."""

    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("容缺承诺 delivery of tolerated items")
        RECTIFICATION = "rectification", _("整改承诺 rectification after an inspection")

    class Status(models.TextChoices):
        DRAFT = "draft", _("待签署 awaiting the owner's signature")
        PENDING = "pending", _("履约期内 pending")
        FULFILLED = "fulfilled", _("按期履约 fulfilled")
        OVERDUE = "overdue", _("已逾期 overdue")
        FULFILLED_LATE = "fulfilled_late", _("逾期履约 fulfilled late")
        ESCALATED = "escalated", _("已督办 escalated")
        WITHDRAWN = "withdrawn", _("已撤销 withdrawn")

    OPEN_STATES = (Status.DRAFT, Status.PENDING, Status.OVERDUE, Status.ESCALATED)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DELIVERY)
    # The acceptance decision that tolerated the items; a rectification has none.
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="commitment", null=True, blank=True
    )
    items = models.ManyToManyField(CatalogItem, related_name="+")
    period = models.CharField(_("period (ISO 8601)"), max_length=20)
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True)
    # The effective deadline: the signed one plus every pause so far (see ``initial_deadline``).
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    initial_deadline = models.DateTimeField(_("deadline as signed"), null=True, blank=True)
    # The policy's terms in force at the decision (day count, reminders, pausing, escalation).
    terms = models.JSONField(default=dict, blank=True)
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivery under review since"), null=True, blank=True)
    document = models.FileField(upload_to="commitments/%Y/", max_length=300, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    # The signed 承诺书 as OFD with the archive's SM2 seal, made by a job after the signature
    # commits; empty before, while it is made, and when the archive issues PDF only.
    ofd = models.FileField(upload_to="commitments/%Y/", max_length=300, blank=True)
    ofd_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = DeliveryManager()
    every_kind = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        indexes = [
            models.Index(fields=("status", "deadline")),
            # The sweep's due query (``due``) reads only this small index: the pending commitments
            # whose clock runs, by deadline, with their ids (most commitments are settled).
            models.Index(
                fields=("deadline", "id"),
                condition=models.Q(
                    status="pending", paused_at__isnull=True, delivered_at__isnull=True
                ),
                name="commitment_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="rectification") | models.Q(decision__isnull=False),
                name="commitment_delivery_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.case.reference} → {self.deadline:%Y-%m-%d}" if self.deadline else str(self.case)
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    @property
    def ofd_state(self) -> str:
        """``ready``, or where its render job stands (``preparing``, ``failed``, ``none``)."""
        return "ready" if self.ofd else job_progress(RENDER_COMMITMENT_OFD_TASK, self.pk)

    @transition(field=status, source=Status.DRAFT, target=Status.PENDING)
    def sign(self, *, user, deadline) -> None:
        self.signed_by = user
        self.signed_at = timezone.now()
        self.deadline = self.initial_deadline = deadline

    @transition(field=status, source=Status.PENDING, target=Status.FULFILLED)
    def fulfil(self) -> None:
        self.settled_at = timezone.now()

    @transition(field=status, source=Status.PENDING, target=Status.OVERDUE)
    def mark_overdue(self) -> None:
        pass

    @transition(
        field=status, source=[Status.OVERDUE, Status.ESCALATED], target=Status.FULFILLED_LATE
    )
    def fulfil_late(self) -> None:
        self.settled_at = timezone.now()

    @transition(field=status, source=Status.OVERDUE, target=Status.ESCALATED)
    def escalate(self, *, reason: str) -> None:
        self.reason = reason

    @transition(
        field=status,
        source=[Status.DRAFT, Status.PENDING, Status.OVERDUE, Status.ESCALATED],
        target=Status.WITHDRAWN,
    )
    def withdraw(self, *, reason: str) -> None:
        self.reason = reason
        self.settled_at = timezone.now()
