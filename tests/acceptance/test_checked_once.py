"""Each stored version of a file is checked once, from its upload through the reviews.

The intake job checks a file as soon as it is stored; the node check, the drawing review and
the AV intake then find the same checks recorded on the same content and keep them. What a user
sees: the check report's time does not move, and a drawing checked at upload with findings still
shows them at the node guidance (it is not re-judged by fewer rules).
"""

from __future__ import annotations

from collections import Counter

import pytest

from acceptance.models import FormatKind, Material
from acceptance.services import materials as material_services
from acceptance.services.drawings import RENDER_PREVIEW_TASK
from workflows.models import OutboxJob

from .conftest import CORE_DRAWING

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def check_runs(monkeypatch) -> Counter:
    """How many times each file name was actually checked (the checks' file reader ran)."""
    runs: Counter = Counter()
    real_check_file = material_services.check_file

    def check_file(path, **options):
        runs[options["name"]] += 1
        return real_check_file(path, **options)

    monkeypatch.setattr(material_services, "check_file", check_file)
    return runs


def checked_at(flow) -> dict[str, str]:
    return {
        material.original_name: material.check_report["checked_at"]
        for material in flow.case.materials.current()
    }


def test_drawings_photos_and_documents_are_checked_once_from_upload_to_the_reviews(
    open_case, check_runs, settings
):
    settings.ACCEPTANCE_DRAWING_PREVIEWS = True
    flow = open_case(upload=False)
    flow.upload_required()
    materials = list(flow.case.materials.current())
    kinds = Counter(material.format_kind for material in materials)
    assert kinds[FormatKind.DRAWING] and kinds[FormatKind.PHOTO] and kinds[FormatKind.DOCUMENT]
    at_upload = checked_at(flow)

    flow.prefile()
    flow.apply()
    drawing_check = flow.task("drawing_review").context["drawing_check"]
    media_check = flow.task("media_review").context["media_check"]
    flow.approve_reviews()

    assert flow.task("acceptance_decision") is not None
    assert check_runs == Counter({material.original_name: 1 for material in materials})
    assert checked_at(flow) == at_upload
    drawings = [m.pk for m in materials if m.format_kind == FormatKind.DRAWING]
    previews = Counter(job.args[0] for job in OutboxJob.objects.filter(task=RENDER_PREVIEW_TASK))
    assert previews == Counter({pk: 1 for pk in drawings})
    assert drawing_check["checked"] == len(drawings) and drawing_check["failed"] == []
    assert media_check["failed"] == []


def test_an_unstamped_drawing_keeps_its_findings_from_upload_to_the_node_guidance(
    open_case, check_runs
):
    flow = open_case(unstamped=[CORE_DRAWING])
    drawing = flow.current(CORE_DRAWING)
    assert drawing.status == Material.Status.CHECK_FAILED
    at_upload = drawing.check_report["checked_at"]

    flow.complete("node_submit")

    drawing = Material.objects.get(pk=drawing.pk)
    assert drawing.status == Material.Status.CHECK_FAILED
    assert drawing.check_report["checked_at"] == at_upload
    assert check_runs[drawing.original_name] == 1
    node_check = flow.task("node_guidance").context["node_check"]
    assert drawing.original_name in node_check["failed"]
    (finding,) = [f for f in node_check["findings"] if f["file"] == drawing.original_name]
    assert any(check["code"].startswith("drawing.stamp") for check in finding["checks"])
