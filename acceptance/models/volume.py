from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case
from .catalog import Retention
from .material import Material


class Volume(models.Model):
    """案卷: a bound group of a case's records, with its own catalog (卷内目录).

    Volumes are arranged from the case's current records during pre-filing (预立卷) and arranged
    again as records arrive; the records themselves are never touched.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="volumes")
    number = models.PositiveIntegerField(_("volume number"))
    group = models.CharField(_("group"), max_length=16)
    part = models.PositiveIntegerField(_("part of the group"), default=1)
    title = models.CharField(_("title"), max_length=300)
    retention = models.CharField(_("retention"), max_length=16, choices=Retention.choices)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    item_count = models.PositiveIntegerField(_("records"), default=0)
    date_start = models.DateField(_("earliest record"), null=True, blank=True)
    date_end = models.DateField(_("latest record"), null=True, blank=True)
    arranged_at = models.DateTimeField(_("arranged at"), default=timezone.now)

    class Meta:
        verbose_name = _("volume")
        ordering = ("case", "number")
        constraints = [
            models.UniqueConstraint(fields=("case", "number"), name="acceptance_volume_number"),
            models.UniqueConstraint(
                fields=("case", "group", "part"), name="acceptance_volume_group_part"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} 第 {self.number} 卷 {self.title}"

    @property
    def archival_code(self) -> str:
        """案卷号 within the case: the case number and the volume's number."""
        return f"{self.case.reference}-{self.number:03d}"


class VolumeEntry(models.Model):
    """One line of a volume catalog (卷内目录): one record version with its page range."""

    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="entries")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("sequence number"))
    pages = models.PositiveIntegerField(_("pages"))
    start_page = models.PositiveIntegerField(_("first page"))
    end_page = models.PositiveIntegerField(_("last page"))

    class Meta:
        verbose_name = _("volume catalog entry")
        ordering = ("volume", "position")
        constraints = [
            models.UniqueConstraint(
                fields=("volume", "position"), name="acceptance_volumeentry_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volume.archival_code} #{self.position} {self.material.original_name}"
