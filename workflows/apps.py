from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "BPMN workflows 流程引擎"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks, labels  # noqa: F401  (registers the system checks, the labels)
        from .workdays import calendar_seed_from_package

        # After every migrate, and every flush between tests, like auth's permissions.
        post_migrate.connect(calendar_seed_from_package, sender=self)

        # Labels (``workflows.labels``): each app's labels.py registers its words. The apps'
        # handlers.py modules are found by the service registry on its first lookup.
        autodiscover_modules("labels")
