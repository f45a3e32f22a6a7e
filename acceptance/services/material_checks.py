"""Which checks a material gets: the one definition, used by every check of a file.

The intake job (``services.intake``), the node check, the completeness check, the drawing review
and the AV intake (``handlers``) and a commitment's delivery all check through ``materials_check``.
Each kind always gets the same checks, so a result recorded by one of them is the result the
others would record: it is reused (``services.materials.material_check_reusable``) and each
version of a file is checked once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ..conf import file_rules
from ..media.services import MEDIA_CHECKS, media_intake
from ..models import FormatKind, Material
from .drawings import drawing_check, drawing_rules
from .materials import checks_signature, material_rules_check, materials_check_each

MEDIA_KINDS = (FormatKind.PHOTO, FormatKind.VIDEO)


def material_check_for(material: Material) -> tuple[list[str], Callable[[Material], bool]]:
    """How ``material`` is checked: the names of its checks and the check itself.

    Photos and recordings: the four properties decoded once, with derivatives and the case's
    photo rules (``media_intake``). Drawings: the four properties and the drawing review bound
    to the case's project, then a preview. Everything else: the four properties and the rules
    configured for its kind (``ACCEPTANCE_FILE_RULES``).
    """
    kind = material.format_kind
    if kind in MEDIA_KINDS:
        return MEDIA_CHECKS, media_intake
    if kind == FormatKind.DRAWING:
        rules = drawing_rules(material.case)
        return checks_signature(rules), partial(drawing_check, rules=rules)
    rules = file_rules(kind)
    return checks_signature(rules), partial(material_rules_check, rules=rules)


def materials_check(materials, *, statuses=None) -> list[Material]:
    """Check each of ``materials`` by its kind unless its content was so checked; the failed.

    The rows are locked in the one lock order (``services.materials.materials_lock``) before any
    check runs. A reused result that failed counts as failed. ``statuses``: only rows still in
    one of them once locked are checked.
    """
    return materials_check_each(materials, material_check_for, statuses=statuses)
