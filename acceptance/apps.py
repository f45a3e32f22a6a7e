from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _recompute_deadlines(sender=None, **kwargs) -> int:
    # The commitments service loads the engine (and SpiffWorkflow): imported when the calendar
    # changes, not at Django's start.
    from .services.commitments import commitments_recompute_deadlines

    return commitments_recompute_deadlines(sender, **kwargs)


class AcceptanceConfig(AppConfig):
    name = "acceptance"
    verbose_name = _("竣工档案验收 Completion archive acceptance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certificates.verify import register_verifiable
        from workflows.signals import calendar_changed

        from .verification import COMMITMENTS, PROPERTY_REPORTS

        # Sealed commitments and reports are verified on the certificates' public page, which
        # imports no domain.
        register_verifiable(COMMITMENTS)
        register_verifiable(PROPERTY_REPORTS)

        # A changed holiday calendar moves the open commitments' working-day deadlines.
        calendar_changed.connect(_recompute_deadlines, dispatch_uid="acceptance")
