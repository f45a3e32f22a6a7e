from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API 接口")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import events

        events.connect()
