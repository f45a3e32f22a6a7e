"""Inspection plans (抽查计划), their draws (抽取) and the standing register of conflicts (回避)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acceptance.models import Case, CatalogItem, Commitment, Organisation
from acceptance.models.catalog import WorksType


class InspectionPlan(models.Model):
    """One 双随机 inspection plan: who may be drawn, how many, and by whom they are inspected."""

    class Population(models.TextChoices):
        ACCEPTED = "accepted", _("期间内验收通过的案件 cases accepted in the period")
        # 承诺未结或曾逾期: targets with a bad record are sampled more (双随机 rules).
        COMMITMENTS = (
            "commitments",
            _("其中建设单位有未履行承诺或逾期履约记录的 of an owner with open or late commitments"),
        )

    class Status(models.TextChoices):
        DRAFT = "draft", _("草拟 draft")
        PUBLISHED = "published", _("已公布待抽取 published")
        DRAWN = "drawn", _("已抽取 drawn")
        # The latest draw is confirmed: its inspections are under way and no redraw is possible.
        INSPECTING = "inspecting", _("检查实施 inspections under way")

    reference = models.CharField(_("plan number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    # The population: cases accepted (decided) in the period, Asia/Shanghai dates, inclusive.
    period_start = models.DateField()
    period_end = models.DateField()
    works_type = models.CharField(max_length=16, choices=WorksType.choices, blank=True)
    population = models.CharField(
        max_length=16, choices=Population.choices, default=Population.ACCEPTED
    )
    stratify = models.BooleanField(default=True)
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    sample_rate_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    inspector_group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    inspectors_per_target = models.PositiveSmallIntegerField(default=2)
    # The public value is named before publication and becomes known only after it.
    public_value_source = models.CharField(max_length=200)
    public_value_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Frozen at publication: the file the public downloads before the draw.
    publication = models.JSONField(null=True, blank=True)
    # Not published: which user each opaque inspector code of the publication stands for
    # ({code: user id}), so the published files name no person and supervisors still know who.
    inspector_codes = models.JSONField(default=dict, blank=True)
    # Secret until the first draw reveals it; only its SHA-256 is published before.
    seed = models.CharField(max_length=64, blank=True)
    public_value = models.CharField(max_length=100, blank=True)
    public_value_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    public_value_entered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inspection plan")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sample_size__isnull=True, sample_rate_percent__isnull=False)
                | models.Q(sample_size__isnull=False, sample_rate_percent__isnull=True),
                name="plan_size_or_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Draw(models.Model):
    """One draw of a plan; a second one exists only with its recorded reason."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(default=timezone.now)
    # The published draw file (plan, population, commitment, public value, seed, result).
    document = models.JSONField()
    document_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("draw")
        ordering = ("plan", "number")
        constraints = [
            models.UniqueConstraint(fields=("plan", "number"), name="draw_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} #{self.number}"

    @property
    def result(self) -> list[dict]:
        return self.document["result"]


class Recusal(models.Model):
    """回避: an inspector who must never inspect an organisation's cases."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recusals"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recusal")
        constraints = [
            models.UniqueConstraint(fields=("inspector", "organisation"), name="recusal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} ↛ {self.organisation}"


class Inspection(models.Model):
    """One drawn target's inspection, run by the ``inspection`` process (notify → inspect →
    decision → rectification → re-inspection → close)."""

    class Status(models.TextChoices):
        INSPECTING = "inspecting", _("检查中 inspecting")
        RECTIFYING = "rectifying", _("整改中 rectifying")
        REINSPECTING = "reinspecting", _("复查中 re-inspecting")
        CLOSED = "closed", _("已办结 closed")

    class Decision(models.TextChoices):
        NO_ISSUE = "no_issue", _("未发现问题 no issue")
        RECTIFY = "rectify", _("责令整改 rectification required")
        REFER = "refer", _("移送处理 referred")

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="inspections")
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="inspections")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="inspections")
    reference = models.CharField(max_length=80, unique=True)
    # Drawn inspectors in the draw's order; the first leads (records findings, decides).
    lead_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inspections")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INSPECTING)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decision_comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    rectification = models.OneToOneField(
        Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="inspection"
    )
    rectification_report = models.TextField(blank=True)
    reinspection_comment = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        ordering = ("plan", "reference")
        constraints = [
            models.UniqueConstraint(fields=("draw", "case"), name="inspection_once_per_target"),
        ]

    def __str__(self) -> str:
        return self.reference


class Finding(models.Model):
    """What an inspector found on one catalog item of the case, with the evidence file."""

    class Verdict(models.TextChoices):
        CONFORMS = "conforms", _("符合 conforms")
        DEFICIENT = "deficient", _("不符合 deficient")

    class Round(models.TextChoices):
        INSPECTION = "inspection", _("检查 inspection")
        REINSPECTION = "reinspection", _("复查 re-inspection")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.INSPECTION)
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    note = models.TextField()
    evidence = models.FileField(upload_to="inspections/%Y/", max_length=300, blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("finding")
        ordering = ("inspection", "recorded_at", "pk")

    def __str__(self) -> str:
        return f"{self.inspection} {self.item.code} {self.verdict}"
