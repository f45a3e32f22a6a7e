"""Celery entry points of the acceptance domain: thin, safe to run twice."""

from celery import shared_task

from .archive.package import archival_package_export
from .models import Case, Material
from .selectors.checks import material_check_state
from .services.commitments import commitments_sweep
from .services.fixity import fixity_audit
from .services.intake import material_intake_check


@shared_task(name="acceptance.fixity_audit")
def run_fixity_audit() -> dict:
    """The periodic fixity audit over all stored files (scheduled by Celery beat)."""
    report = fixity_audit()
    return {"checked": report.checked, "problems": len(report.problems)}


@shared_task(name="acceptance.export_archival_package", acks_late=True)
def export_archival_package(case_id: int) -> str:
    """The archival information package of a completed case; a second run finds it made."""
    return str(archival_package_export(case=Case.objects.get(pk=case_id)))


@shared_task(name="acceptance.commitments_sweep")
def run_commitments_sweep() -> dict:
    """Deadlines the BPMN timer missed, escalations and reminders (scheduled by Celery beat)."""
    result = commitments_sweep()
    return {"overdue": result.overdue, "escalated": result.escalated, "reminders": result.reminders}


@shared_task(name="acceptance.check_material", acks_late=True)
def check_material(material_id: int) -> str:
    """The intake checks of one stored file, recorded on it; a second run checks it again."""
    material = Material.objects.select_related("case__project", "catalog_item").get(pk=material_id)
    material_intake_check(material=material)
    return material_check_state(Material.objects.get(pk=material_id)).value


@shared_task(name="acceptance.render_drawing_preview", acks_late=True)
def render_drawing_preview(material_id: int) -> int:
    """Previews of one drawing version, after its checks; a second run renders them again."""
    from .services.drawings import drawing_preview_render

    return len(drawing_preview_render(material=Material.objects.get(pk=material_id)))
