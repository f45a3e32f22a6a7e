"""Inspection plans (抽查计划), their draws (抽取) and the standing register of conflicts (回避)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acceptance.models import Organisation
from acceptance.models.catalog import WorksType


class InspectionPlan(models.Model):
    """One 双随机 inspection plan: who may be drawn, how many, and by whom they are inspected."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草拟 draft")
        PUBLISHED = "published", _("已公布待抽取 published")
        DRAWN = "drawn", _("已抽取 drawn")

    reference = models.CharField(_("plan number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    # The population: cases accepted (decided) in the period, Asia/Shanghai dates, inclusive.
    period_start = models.DateField()
    period_end = models.DateField()
    works_type = models.CharField(max_length=16, choices=WorksType.choices, blank=True)
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
