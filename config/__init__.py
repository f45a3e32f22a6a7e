"""The repository's own host site: one Django project that installs the three apps."""

from .celery import app as celery_app

__all__ = ("celery_app",)
