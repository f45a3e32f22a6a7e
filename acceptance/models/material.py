from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from .case import Case
from .catalog import CatalogItem, FormatKind
from .project import Node


def material_upload_path(material: "Material", filename: str) -> str:
    # Content-addressed: a stored file is never overwritten by another upload.
    return f"materials/{material.case.reference}/{material.sha256[:2]}/{material.sha256}"


class MaterialQuerySet(models.QuerySet):
    def current(self):
        """The latest version of each record: not superseded, not withdrawn."""
        return self.exclude(status__in=Material.NOT_CURRENT)

    def same_content(self, sha256: str):
        """Files a new upload of this content would duplicate: a withdrawn one no longer counts."""
        return self.filter(sha256=sha256).exclude(status=Material.Status.WITHDRAWN)


class Material(models.Model):
    """归档文件: one submitted file, one version; a new version supersedes, never overwrites."""

    class Origin(models.TextChoices):
        """电子原件 or not: made digital, or a scan of paper (see ``selectors.originals``)."""

        BORN_DIGITAL = "born_digital", _("电子原件 electronic original")
        DIGITIZED = "digitized", _("纸质扫描件 scanned from paper")

    class Status(models.TextChoices):
        RECEIVED = "received", _("已接收 received")
        CHECKED = "checked", _("检测通过 checks passed")
        CHECK_FAILED = "check_failed", _("检测未通过 checks failed")
        APPROVED = "approved", _("审核通过 approved")
        RETURNED = "returned", _("退回修改 returned")
        SUPERSEDED = "superseded", _("已被新版本替代 superseded")
        WITHDRAWN = "withdrawn", _("已撤回 withdrawn by the owner")

    CHECKABLE = (Status.RECEIVED, Status.CHECKED, Status.CHECK_FAILED)
    # Versions that are no longer the record: replaced by a newer one, or taken back.
    NOT_CURRENT = (Status.SUPERSEDED, Status.WITHDRAWN)
    # A review returns the whole set; on resubmission the files the owner kept as they were are
    # checked and reviewed again with the replacements, instead of staying returned for good.
    RECHECKABLE = (*CHECKABLE, Status.RETURNED)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="materials")
    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, null=True, blank=True, related_name="materials"
    )
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=material_upload_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    # Record metadata (著录项目, after GB/T 18894) shown in the volume catalog (卷内目录).
    title = models.CharField(_("title 题名"), max_length=300, blank=True)
    document_number = models.CharField(_("document number 文号/图号"), max_length=80, blank=True)
    responsible_party = models.CharField(_("responsible party 责任者"), max_length=200, blank=True)
    formed_on = models.DateField(_("date formed 形成日期"), null=True, blank=True)
    size = models.PositiveBigIntegerField()
    # The content's address in storage and the key duplicates are found by: always SHA-256.
    sha256 = models.CharField(max_length=64)
    # The fixity digest taken at intake under the configured algorithm, labelled
    # (``workflows.digests``: bare hex SHA-256, "sm3:..." SM3); empty on versions stored before
    # the choice, whose fixity digest is their SHA-256 (``intake_digest``).
    digest = models.CharField(max_length=72, blank=True)
    format_kind = models.CharField(max_length=16, choices=FormatKind.choices)
    detected_format = models.CharField(max_length=16, blank=True)
    # As the owner declared it at upload; empty: judged from the file (``selectors.originals``).
    origin = models.CharField(_("origin 来源"), max_length=16, choices=Origin.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = FSMField(default=Status.RECEIVED, choices=Status.choices, protected=True)
    check_report = models.JSONField(default=dict, blank=True)
    # When a check of this version last started; a report older than this means it is running
    # (``selectors.checks.material_check_state``).
    check_started_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    # The last fixity audit of the stored file (SHA-256 recomputed against ``sha256``).
    fixity_checked_at = models.DateTimeField(null=True, blank=True)
    fixity_ok = models.BooleanField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        constraints = [
            # Taken back by the owner, a file may be uploaded again (the withdrawn row is kept).
            models.UniqueConstraint(
                fields=("case", "sha256"),
                condition=~models.Q(status="withdrawn"),
                name="acceptance_material_unique_sha",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.version}"

    @property
    def intake_digest(self) -> str:
        """The digest fixity is checked against, labelled with its algorithm."""
        return self.digest or self.sha256

    @transition(field=status, source=RECHECKABLE, target=Status.CHECKED)
    def pass_checks(self, report: dict) -> None:
        self.check_report = report

    @transition(field=status, source=RECHECKABLE, target=Status.CHECK_FAILED)
    def fail_checks(self, report: dict) -> None:
        self.check_report = report

    @transition(field=status, source=Status.CHECKED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.CHECKED, Status.CHECK_FAILED, Status.APPROVED],
        target=Status.RETURNED,
    )
    def return_for_correction(self, comment: str) -> None:
        self.review_comment = comment

    @transition(field=status, source="*", target=Status.SUPERSEDED)
    def supersede(self) -> None:
        pass

    # Only before anyone reviewed it; the file itself is kept (evidence is never deleted).
    @transition(field=status, source=CHECKABLE, target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        pass
