from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ..exceptions import AcceptanceError, NotTolerable, OwnerNotEligible
from .catalog import CatalogItem, CatalogVersion
from .project import Project

# The BPMN process every case runs (bpmn/completion_acceptance.bpmn).
PROCESS_ID = "completion_acceptance"


def _no_open_commitment(case: "Case") -> bool:
    return not case.commitments.open().exists()


def conditional_refusal(
    case: "Case", tolerated: list[CatalogItem], policy, unknown: list[str] = ()
) -> AcceptanceError | None:
    """Why ``case`` may not be accepted conditionally on ``tolerated`` under ``policy``, if so."""
    owner = case.project.owner
    if not owner.conditional_eligible:
        return OwnerNotEligible(
            f"建设单位“{owner.name}”不具备容缺受理资格（{owner.eligibility_reason}），"
            "请补齐全部材料后通过验收或退回补正",
            f"the owner {owner.name!r} may not use conditional acceptance "
            f"({owner.eligibility_reason}); accept with all items or return the case",
            owner=owner.name,
        )
    refused = [item for item in tolerated if not policy.allows(item)]
    if refused or unknown or not tolerated:
        codes = [*(item.code for item in refused), *unknown]
        return NotTolerable(
            "容缺受理须选择可容缺的材料；主审要件、政策不允许容缺或不存在的条目："
            + ("、".join([*(str(item) for item in refused), *unknown]) or "（未选择任何材料）"),
            "choose the tolerable items for a conditional acceptance; core, not allowed by the "
            "policy or unknown: " + (", ".join(codes) or "(no item chosen)"),
            items=codes,
        )
    return None


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
    # The owner's drawing index (图纸目录) as [drawing number, sheet name] rows in file order;
    # None until supplied (the catalog has no index item, so it lives on the case).
    drawing_index = models.JSONField(_("drawing index"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance case")

    def __str__(self) -> str:
        return f"{self.reference} {self.project.name}"

    def get_status_display(self) -> str:
        # Django's own builds a dict of every status, translating each label, at every call;
        # the case lists ask it for each row.
        if self.status in self.Status.values:
            return str(self.Status(self.status).label)
        return self.status

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
    def accept_conditionally(self, tolerated: list[CatalogItem], policy) -> None:
        refusal = conditional_refusal(self, tolerated, policy)
        if refusal is not None:
            raise refusal
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
        source=Status.CONDITIONALLY_ACCEPTED,
        target=Status.RETURNED,
        conditions=[_no_open_commitment],
    )
    def withdraw_conditions(self) -> None:
        """The archive withdrew the commitment: the case goes back to the owner to supplement."""

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
