"""The checks a file gets as soon as it is stored, recorded on it (not only shown).

An upload (page or API) queues ``acceptance.check_material`` once it commits; the job runs the
same checks the process runs for the file's kind and records them, so the result survives a
reload and the API's poll link and webhook (``material.checked``) tell it. The process's check
of the node or case reuses that result, and a job arriving after the process checked the file
finds it done: both check through ``services.material_checks``, so each version of a file is
checked once.
"""

from __future__ import annotations

from django.utils import timezone

from ..models import Material
from .material_checks import materials_check


def material_intake_check(*, material_id: int) -> None:
    """Check one stored version by its kind and record the result; a superseded one is left.

    Pages show the check running from here on: the start is saved before the row is locked
    (a lone row update that holds nothing else), and only on a version nobody checked yet. The
    row is then locked once, and checked if it is still one a check may record on.
    """
    Material.objects.filter(pk=material_id, status=Material.Status.RECEIVED).update(
        check_started_at=timezone.now()
    )
    materials_check(Material.objects.filter(pk=material_id), statuses=Material.RECHECKABLE)
