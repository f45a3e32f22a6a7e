"""The archival information package (事毕归档) written when a case completes."""

from __future__ import annotations

import shutil
import tempfile
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
        # Written aside and renamed when whole: a run that fails half-way must not leave a
        # folder that the next run takes for the finished package.
        partial = Path(tempfile.mkdtemp(prefix=f".{case.reference}-", dir=target.parent))
        try:
            bundle_export(case=case, target=partial / "bag", sign=get_signer().sign_detached)
            (partial / "bag").rename(target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return target
