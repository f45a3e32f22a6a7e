from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcceptanceConfig(AppConfig):
    name = "acceptance"
    verbose_name = _("竣工档案验收 Completion archive acceptance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from workflows.signals import calendar_changed

        from .services.commitments import commitments_recompute_deadlines

        # A changed holiday calendar moves the open commitments' working-day deadlines.
        calendar_changed.connect(commitments_recompute_deadlines, dispatch_uid="acceptance")
