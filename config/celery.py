import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("archive_acceptance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    # A connected receiver keeps Celery from installing its own text handlers: workers then log
    # as the web process does (config/settings.py LOGGING), at the level they were started with.
    @setup_logging.connect
    def site_logging(loglevel=None, **kwargs) -> None:
        import logging.config

        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
        if loglevel:
            logging.getLogger().setLevel(loglevel)
