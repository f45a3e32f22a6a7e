"""Backups (``workflows.backup``) keep the signing key and the CA certificates it chains to.

The PKCS#12 file is encrypted with ``CERTIFICATES_PKCS12_PASSWORD``, which is not backed up: keep
it in the archive's secret store, apart from the backups.
"""

from __future__ import annotations

from pathlib import Path

from workflows.backup import register_files

from .conf import setting


def signing_files() -> list[Path]:
    return [
        Path(setting("CERTIFICATES_PKCS12_PATH")),
        *(Path(root) for root in setting("CERTIFICATES_TRUST_ROOTS") or () if root),
    ]


register_files("signing", signing_files)
