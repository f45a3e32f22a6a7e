from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ..exceptions import NotTolerable
from .catalog import CatalogItem, CatalogVersion
from .project import Project


def _no_open_commitment(case: "Case") -> bool:
    return not case.commitments.open().exists()


class Case(ConcurrentTransitionMixin, models.Model):
    """验收申请: one acceptance procedure for one project."""

    class Status(models.TextChoices):
        PRE_FILING = "pre_filing", _("预立卷 pre-filing")
        UNDER_REVIEW = "under_review", _("验收审核中 under review")
        RETURNED = "returned", _("退回补正 returned for supplement")
        CONDITIONALLY_ACCEPTED = "conditionally_accepted", _("容缺受理 conditionally accepted")
        ACCEPTED = "accepted", _("已验收 accepted")
        ARCHIVED = "archived", _("已归档 archived")

    reference = models.CharField(_("case number"), max_length=40, unique=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="cases")
    status = FSMField(default=Status.PRE_FILING, choices=Status.choices, protected=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases"
    )
    # The catalog edition the case started with; later editions never change what it must file.
    catalog_version = models.ForeignKey(
        CatalogVersion,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("catalog version"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance case")

    def __str__(self) -> str:
        return f"{self.reference} {self.project.name}"

    @transition(
        field=status, source=[Status.PRE_FILING, Status.RETURNED], target=Status.UNDER_REVIEW
    )
    def submit_for_review(self) -> None:
        self.submitted_at = timezone.now()

    @transition(field=status, source=Status.UNDER_REVIEW, target=Status.RETURNED)
    def return_for_supplement(self) -> None:
        pass

    @transition(field=status, source=Status.UNDER_REVIEW, target=Status.ACCEPTED)
    def accept(self) -> None:
        self.decided_at = timezone.now()

    @transition(field=status, source=Status.UNDER_REVIEW, target=Status.CONDITIONALLY_ACCEPTED)
    def accept_conditionally(self, tolerated: list[CatalogItem]) -> None:
        refused = [item for item in tolerated if not item.tolerable]
        if refused or not tolerated:
            raise NotTolerable(
                "容缺受理须列明可容缺的材料；以下为主审要件，不得容缺："
                + "、".join(str(item) for item in refused),
                "a conditional acceptance must name tolerable items; these are core items that "
                "can never be tolerated: " + ", ".join(item.code for item in refused),
                items=[item.code for item in refused],
            )
        self.decided_at = timezone.now()

    @transition(
        field=status,
        source=Status.CONDITIONALLY_ACCEPTED,
        target=Status.ACCEPTED,
        conditions=[_no_open_commitment],
    )
    def fulfil_conditions(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.ACCEPTED,
        target=Status.ARCHIVED,
        conditions=[_no_open_commitment],
    )
    def archive(self) -> None:
        self.archived_at = timezone.now()


class Decision(models.Model):
    """The reviewer's acceptance decision (验收结论) on a case."""

    class Outcome(models.TextChoices):
        ACCEPT = "accept", _("通过 accept")
        RETURN = "return", _("退回补正 return for supplement")
        CONDITIONAL = "conditional", _("容缺受理 conditional acceptance")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    comment = models.TextField(blank=True)
    tolerated_items = models.ManyToManyField(CatalogItem, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("acceptance decision")
        ordering = ("decided_at",)

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.get_outcome_display()}"
