from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case


class PropertyCheckReport(models.Model):
    """四性检测报告: the four-property checks of one case's records at one stage (DA/T 70).

    ``items`` holds each check item's result: what was checked (a file or the package), the
    property, pass / warn / fail and the finding in Chinese and English.
    """

    class Stage(models.TextChoices):
        ARCHIVING = "archiving", _("归档 archiving")
        TRANSFER = "transfer", _("移交 transfer")
        RECEIPT = "receipt", _("接收 receipt")
        STORAGE = "storage", _("长期保存 long-term storage")

    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    # A package received from elsewhere may be of a case this archive does not hold.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="property_checks"
    )
    subject = models.CharField(_("case number or package identifier"), max_length=200)
    source = models.CharField(_("package checked"), max_length=500, blank=True)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    checked_by = models.CharField(_("checked by"), max_length=150)
    items = models.JSONField(_("check items"), default=list)
    properties = models.JSONField(_("worst result per property"), default=dict)
    passed = models.BooleanField(_("passed"))
    # The report as OFD with the archive's SM2 seal, made once at its first download and kept,
    # so every copy is the same file and the public verification page knows it.
    ofd = models.FileField(upload_to="property-checks/%Y/", max_length=300, blank=True)
    ofd_sha256 = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("four-property check report")
        ordering = ("-checked_at", "-pk")

    def __str__(self) -> str:
        return f"{self.subject} {self.get_stage_display()} {self.checked_at:%Y-%m-%d %H:%M}"
