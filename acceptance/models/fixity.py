from django.db import models
from django.utils.translation import gettext_lazy as _


class FixityAudit(models.Model):
    """One run of the fixity audit: every stored file's SHA-256 recomputed and compared."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    checked = models.PositiveIntegerField(_("files checked"))
    mismatches = models.JSONField(_("files whose digest changed"), default=list, blank=True)
    missing = models.JSONField(_("files missing or unreadable"), default=list, blank=True)

    class Meta:
        verbose_name = _("fixity audit")
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.checked} files, {len(self.mismatches) + len(self.missing)} problems"

    @property
    def intact(self) -> bool:
        return not self.mismatches and not self.missing
