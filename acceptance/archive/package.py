"""The archival information package (事毕归档) written when a case completes."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from signing.signers import get_signer

from ..conf import setting
from ..models import Case
from .bundle import bundle_export


def archival_package_path(case: Case) -> Path:
    root = setting("ACCEPTANCE_ARCHIVE_ROOT") or Path(settings.MEDIA_ROOT) / "archive"
    return Path(root) / case.reference


def archival_package_export(*, case: Case) -> Path:
    """Write the case's signed evidence bundle to the archive once; later calls find it made."""
    target = archival_package_path(case)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        bundle_export(case=case, target=target, sign=get_signer().sign_detached)
    return target
