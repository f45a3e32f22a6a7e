"""Celery entry points of the certificates app: thin, safe to run twice."""

from workflows.jobs.worker import job_task

from .issue import certificate_ofd_store
from .models import RENDER_OFD_TASK, Certificate
from .pdf import CertificateContent


@job_task(RENDER_OFD_TASK, soft_time_limit=300)
def render_certificate_ofd(certificate_id: int, content: dict) -> None:
    """The certificate's sealed OFD, after its number's transaction committed; a repeat finds it."""
    certificate_ofd_store(
        certificate=Certificate.objects.get(pk=certificate_id),
        content=CertificateContent.from_json(content),
    )
