"""Readiness (``workflows.health``): the signing key can be loaded, so documents can be signed."""

from __future__ import annotations

from workflows.health import Check, register_check

from .signers import PadesSigner, get_signer


def signing_key() -> Check:
    signer = get_signer()
    if isinstance(signer, PadesSigner):
        signer.cms_signer()  # loads the key (cached until the file changes)
    # No detail: the answer is public, and where the key lives is not.
    return Check.ok()


register_check("signing_key", signing_key)
