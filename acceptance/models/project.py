from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import CatalogItem, WorksType


class Organisation(models.Model):
    """A party such as an owner (建设单位); its members act for it."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organisations", blank=True
    )
    conditional_eligible = models.BooleanField(
        _("may use conditional acceptance 可申请容缺受理"),
        default=True,
        help_text=_("Archive staff withdraw it, e.g. for a poor credit record, and say why."),
    )
    eligibility_reason = models.CharField(
        _("reason 理由"), max_length=300, blank=True, help_text=_("e.g. 信用等级 credit standing")
    )

    class Meta:
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.conditional_eligible and not self.eligibility_reason.strip():
            raise ValidationError(
                {"eligibility_reason": "取消容缺资格须说明理由 a reason is required to refuse it"}
            )


class Project(models.Model):
    WorksType = WorksType

    # The basic facts an owner gives when registering a project (the page and the API ask for
    # the same ones).
    REGISTERED_FACTS = (
        "name",
        "location",
        "works_type",
        "contractor",
        "supervisor",
        "designer",
        "planning_permit_no",
        "construction_permit_no",
        "floor_area_m2",
        "structure_type",
        "start_date",
        "completion_date",
    )

    reference = models.CharField(_("project number"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    location = models.CharField(_("location"), max_length=300)
    works_type = models.CharField(max_length=16, choices=WorksType.choices)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="projects")
    contractor = models.CharField(_("contractor 施工单位"), max_length=200, blank=True)
    supervisor = models.CharField(_("supervisor 监理单位"), max_length=200, blank=True)
    designer = models.CharField(_("designer 设计单位"), max_length=200, blank=True)
    planning_permit_no = models.CharField(_("planning permit number"), max_length=80, blank=True)
    construction_permit_no = models.CharField(
        _("construction permit number"), max_length=80, blank=True
    )
    floor_area_m2 = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    structure_type = models.CharField(max_length=80, blank=True)
    start_date = models.DateField(null=True, blank=True)
    completion_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registered_projects"
    )

    class Meta:
        verbose_name = _("project")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class Node(models.Model):
    """施工节点: a construction milestone at which the owner pre-files that stage's records."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="nodes")
    code = models.CharField(max_length=40)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    expected_items = models.ManyToManyField(CatalogItem, related_name="nodes", blank=True)

    class Meta:
        verbose_name = _("construction node")
        ordering = ("project", "position")
        constraints = [
            models.UniqueConstraint(fields=("project", "code"), name="acceptance_node_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}"
