"""Celery entry points of the access app: thin, safe to run twice."""

from workflows.jobs.worker import job_task

from .extract_ofd import extract_ofd_store
from .models import RENDER_EXTRACT_OFD_TASK, Extract


@job_task(RENDER_EXTRACT_OFD_TASK, soft_time_limit=300)
def render_extract_ofd(extract_id: int) -> None:
    """The extract's sealed OFD, after the extract committed; a repeat finds it made."""
    extract_ofd_store(extract=Extract.objects.get(pk=extract_id))
