"""Celery entry points of the acceptance domain: thin, safe to run twice."""

from celery import shared_task

from signing.validation import detached_signature_problem
from workflows.jobs.worker import job_task

from .media.sets import CHUNK_TASK, media_check_chunk
from .models import Case, Commitment, Material
from .models.commitment import RENDER_COMMITMENT_OFD_TASK
from .services.commitments import commitment_ofd_store, commitments_sweep
from .services.drawings import drawing_preview_render
from .services.fixity import fixity_audit
from .services.intake import material_intake_check
from .services.property_checks import archival_package_make, storage_checks


@shared_task(name="acceptance.fixity_audit")
def run_fixity_audit() -> dict:
    """The periodic fixity audit over all stored files, then the 长期保存 four-property checks
    of each archived case (scheduled by Celery beat)."""
    report = fixity_audit()
    storage = storage_checks(check_signature=detached_signature_problem)
    return {
        "checked": report.checked,
        "problems": len(report.problems),
        "storage_reports": len(storage),
        "storage_failed": sum(not r.passed for r in storage),
    }


@job_task("acceptance.export_archival_package", soft_time_limit=1800)
def export_archival_package(case_id: int) -> None:
    """The archival package of a completed case and its 归档/移交 checks; a second run finds them."""
    archival_package_make(case=Case.objects.get(pk=case_id))


@shared_task(name="acceptance.commitments_sweep")
def run_commitments_sweep() -> dict:
    """Deadlines the BPMN timer missed, escalations and reminders (scheduled by Celery beat)."""
    result = commitments_sweep()
    return {"overdue": result.overdue, "escalated": result.escalated, "reminders": result.reminders}


@job_task("acceptance.render_drawing_preview", soft_time_limit=300)
def render_drawing_preview(material_id: int) -> None:
    """Previews of one drawing version, after its checks; a second run renders them again."""
    drawing_preview_render(material=Material.objects.get(pk=material_id))


@job_task("acceptance.check_material", soft_time_limit=900)
def check_material(material_id: int) -> None:
    """The intake checks of one stored file, recorded on it; a second run finds it checked."""
    material_intake_check(material_id=material_id)


@job_task(RENDER_COMMITMENT_OFD_TASK, soft_time_limit=300)
def render_commitment_ofd(commitment_id: int) -> None:
    """The signed commitment's sealed OFD, after the signature committed; a repeat finds it."""
    commitment_ofd_store(commitment=Commitment.objects.get(pk=commitment_id))


# The chunk counts its own tries against the AV check's (``media.sets``): past them, an incident.
@job_task(CHUNK_TASK, soft_time_limit=900, attempts=None)
def check_media_chunk(chunk_id: int) -> None:
    """Some photos and recordings of the process's AV check; the last chunk completes the set."""
    media_check_chunk(chunk_id)
