"""Anchors: periodic signed checkpoints of every journal chain's head.

The hash chain of one business key proves its entries were not edited one by one; it cannot
prove the whole chain was not rewritten from its first entry with freshly computed hashes. An
anchor records every chain's (sequence, hash) at a moment, links to the previous anchor, and is
signed by a key kept outside the database. Verification checks the anchors' own links and
signatures, then that each anchored entry still carries the anchored hash.

The signer and verifier are dotted paths in settings (``WORKFLOWS_ANCHOR_SIGNER``: bytes ->
signature bytes; ``WORKFLOWS_ANCHOR_VERIFIER``: (bytes, signature) -> None when valid, else what
is wrong), so the plugin needs no key of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .canonical import canonical_json
from .digests import digest_bytes, digest_matches
from .models import JournalAnchor, JournalEntry, JournalHead


def _setting_callable(name: str):
    path = getattr(settings, name, None)
    return import_string(path) if path else None


def anchor_content(heads: dict, previous_digest: str, created_at) -> bytes:
    """The bytes an anchor's digest and signature cover."""
    return canonical_json(
        {"heads": heads, "previous": previous_digest, "created_at": created_at.isoformat()}
    ).encode()


def journal_anchor() -> JournalAnchor:
    """Write a new anchor over every chain's current head; returns it."""
    sign = _setting_callable("WORKFLOWS_ANCHOR_SIGNER")
    with transaction.atomic():
        previous = JournalAnchor.objects.select_for_update().order_by("-created_at", "-pk").first()
        heads = {
            head.chain: [head.sequence, head.entry_hash]
            for head in JournalHead.objects.order_by("chain")
        }
        created_at = timezone.now()
        previous_digest = previous.digest if previous else ""
        content = anchor_content(heads, previous_digest, created_at)
        return JournalAnchor.objects.create(
            created_at=created_at,
            heads=heads,
            previous_digest=previous_digest,
            digest=digest_bytes(content),
            signature=sign(content) if sign else b"",
            signer=getattr(settings, "WORKFLOWS_ANCHOR_SIGNER", "") or "",
        )


@dataclass(frozen=True)
class AnchorVerdict:
    anchors: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        if self.intact:
            return f"anchors: {self.anchors} checkpoints agree with the journal / 锚点一致"
        return "anchors: " + "; ".join(self.problems)


def verify_anchors() -> AnchorVerdict:
    """Check every anchor's link, digest and signature, and the journal against each anchor."""
    verify = _setting_callable("WORKFLOWS_ANCHOR_VERIFIER")
    problems: list[str] = []
    previous_digest = ""
    anchors = list(JournalAnchor.objects.order_by("created_at", "pk"))
    for anchor in anchors:
        label = f"anchor of {timezone.localtime(anchor.created_at):%Y-%m-%d %H:%M:%S}"
        content = anchor_content(anchor.heads, anchor.previous_digest, anchor.created_at)
        if anchor.previous_digest != previous_digest:
            problems.append(f"{label} does not follow the anchor before it")
        if not digest_matches(anchor.digest, content):
            problems.append(f"{label} was altered")
        if verify is not None:
            problem = (
                verify(content, bytes(anchor.signature)) if anchor.signature else "it is not signed"
            )
            if problem:
                problems.append(f"{label}: signature: {problem}")
        previous_digest = anchor.digest
        for chain, (sequence, entry_hash) in anchor.heads.items():
            current = (
                JournalEntry.objects.filter(chain=chain, sequence=sequence)
                .values_list("entry_hash", flat=True)
                .first()
            )
            if current != entry_hash:
                problems.append(
                    f"{chain} entry #{sequence} differs from {label}: the chain was rewritten "
                    f"or cut / 日志链 {chain} 与锚点不符"
                )
    return AnchorVerdict(len(anchors), tuple(problems))
