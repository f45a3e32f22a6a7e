from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExternalProjectReference(models.Model):
    """An external platform's own number for a project it created through the API.

    Creation is idempotent on (platform, external_reference). The row is written before the
    project (``project`` empty) so that two simultaneous calls cannot both create one.
    """

    platform = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="external_project_references",
        verbose_name=_("platform account"),
    )
    external_reference = models.CharField(_("external reference"), max_length=100)
    project = models.ForeignKey(
        "acceptance.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="external_references",
        verbose_name=_("project"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("external project reference")
        constraints = [
            models.UniqueConstraint(
                fields=("platform", "external_reference"),
                name="api_external_reference_unique_per_platform",
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.external_reference} → {self.project or '…'}"
