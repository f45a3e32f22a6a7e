"""A document made by a job, kept once on its row: the sealed OFD of a certificate's neighbours
(a commitment, an extract, a four-property report) is rendered outside any transaction (it is
slow), then stored under the row's lock so that a repeated job or a second request that made it
too keeps the first one, with its SHA-256 (the key the public verification page looks it up
by) and a journal entry naming it."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import models, transaction

from .journal import journal_append


def document_keep_once(
    row: models.Model,
    data: bytes,
    *,
    name: str,
    chain: str | None,
    kind: str,
    payload: dict | None = None,
    field: str = "ofd",
) -> models.Model:
    """Store ``data`` in ``row``'s file ``field`` and its SHA-256 in ``<field>_sha256`` unless
    it holds one already; journal the keeping on ``chain`` (none for a row outside a case).
    Returns the row as locked and read again."""
    digest_field = f"{field}_sha256"
    with transaction.atomic():
        # The base manager: a model's default manager may hide some of its rows.
        locked = type(row)._base_manager.select_for_update().get(pk=row.pk)
        if getattr(locked, field):
            return locked
        digest = hashlib.sha256(data).hexdigest()
        setattr(locked, digest_field, digest)
        getattr(locked, field).save(name, ContentFile(data), save=False)
        locked.save(update_fields=(field, digest_field))
        if chain is not None:
            journal_append(
                chain=chain, kind=kind, payload={**(payload or {}), digest_field: digest}
            )
    return locked
