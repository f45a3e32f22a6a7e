from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("查档利用 Records access")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certificates.verify import register_verifiable

        from .catalog import receivers
        from .verification import EXTRACTS

        # Extracts are verified on the certificates' public page, which imports no domain.
        register_verifiable(EXTRACTS)
        receivers.connect()
