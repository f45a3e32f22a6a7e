from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("双随机一公开 Random-sample supervision")
    default_auto_field = "django.db.models.BigAutoField"
