"""The journal: the one writer of append-only, hash-chained records, and their verification.

Each chain (one per business key, e.g. one acceptance case) is a sequence of entries where each
entry's hash covers its own content and the previous entry's hash. Editing, deleting or reordering
any entry breaks every hash after it; ``verify_chain`` names the first broken link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .canonical import canonical_json, normalize_payload
from .digests import LABELS, algorithm_of, digest_bytes, digest_matches
from .models import JournalEntry, JournalHead

SYSTEM_ACTOR = "system"

# A chain's last link: its sequence number and its entry's hash ((0, "") before the first).
Head = tuple[int, str]


def actor_label(actor) -> str:
    if actor is None:
        return SYSTEM_ACTOR
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def entry_content(entry: JournalEntry) -> dict:
    """Every field of an entry that its hash covers, as JSON values."""
    return {
        "chain": entry.chain,
        "sequence": entry.sequence,
        "kind": entry.kind,
        "recorded_at": entry.recorded_at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "instance_id": entry.instance_id,
        "task_id": str(entry.task_id) if entry.task_id else None,
        "task_name": entry.task_name,
        "payload": entry.payload,
        "state_digest": entry.state_digest,
        "previous_hash": entry.previous_hash,
    }


def entry_hash(entry: JournalEntry, algorithm: str | None = None) -> str:
    """The hash of an entry's content and of its link to the previous entry, labelled with its
    algorithm (``workflows.digests``; by default the configured one): a chain may change
    algorithm between two entries, each entry verifies under its own."""
    return digest_bytes(_hashed_bytes(entry), algorithm)


def _hashed_bytes(entry: JournalEntry) -> bytes:
    return canonical_json(entry_content(entry)).encode()


def journal_append(
    *,
    chain: str,
    kind: str,
    actor=None,
    payload: dict | None = None,
    instance_id: int | None = None,
    task_id: UUID | str | None = None,
    task_name: str = "",
    state_digest: str = "",
    recorded_at: datetime | None = None,
    head: Head | None = None,
) -> JournalEntry:
    """Append one entry to ``chain``; call inside the transaction of the change it records.

    ``head``: the chain's head as read earlier in this transaction (``journal_head_columns``),
    if known; see ``journal_extend``.
    """
    (entry,) = journal_extend(
        [
            {
                "chain": chain,
                "kind": kind,
                "actor": actor,
                "payload": payload,
                "instance_id": instance_id,
                "task_id": task_id,
                "task_name": task_name,
                "state_digest": state_digest,
                "recorded_at": recorded_at,
            }
        ],
        head=head,
    )
    return entry


def journal_extend(records: Sequence[dict], *, head: Head | None = None) -> list[JournalEntry]:
    """Append ``records`` (each the keyword arguments of ``journal_append``) in their order, on
    one chain or many: three statements whatever their number (the heads locked and read by one
    upsert, the entries inserted by one, the heads moved by one). Call inside the transaction of
    the changes they record.

    ``head``, the (sequence, hash) of the one chain of ``records`` read earlier in the
    transaction without a lock, saves a statement: the entries are linked to it and the head is
    locked and moved by one UPDATE that applies only if the head is still the one read. Should
    another append have moved it since (the UPDATE waits for that append to commit), the head is
    read again under lock and the entries linked to it, as without ``head``.
    """
    if not records:
        return []
    # Inside the change's transaction no savepoint of its own: a failure here fails the change.
    in_transaction = transaction.get_connection().in_atomic_block
    with nullcontext() if in_transaction else transaction.atomic():
        chains = sorted({record["chain"] for record in records})
        now = timezone.now()
        if head is not None and len(chains) == 1:
            entries, moved = _linked(records, {chains[0]: head}, now)
            ((chain, (sequence, last_hash)),) = moved.items()
            if JournalHead.objects.filter(chain=chain, sequence=head[0], entry_hash=head[1]).update(
                sequence=sequence, entry_hash=last_hash
            ):
                JournalEntry.objects.bulk_create(entries)
                return entries
        entries, moved = _linked(records, _lock_heads(chains), now)
        JournalEntry.objects.bulk_create(entries)
        if len(moved) == 1:  # the common case, as a plain UPDATE rather than CASE expressions
            ((chain, (sequence, last_hash)),) = moved.items()
            JournalHead.objects.filter(chain=chain).update(sequence=sequence, entry_hash=last_hash)
        else:
            JournalHead.objects.bulk_update(
                [
                    JournalHead(chain=chain, sequence=sequence, entry_hash=last_hash)
                    for chain, (sequence, last_hash) in moved.items()
                ],
                ["sequence", "entry_hash"],
            )
    return entries


def _linked(
    records: Sequence[dict], heads: dict[str, Head], now: datetime
) -> tuple[list[JournalEntry], dict[str, Head]]:
    """The entries of ``records``, each linked to the one before on its chain, starting from
    ``heads``; and the heads they leave."""
    heads = dict(heads)
    entries = []
    for record in records:
        sequence, previous_hash = heads[record["chain"]]
        entry = JournalEntry(
            chain=record["chain"],
            sequence=sequence + 1,
            kind=record["kind"],
            recorded_at=record.get("recorded_at") or now,
            actor=actor_label(record.get("actor")),
            instance_id=record.get("instance_id"),
            task_id=record.get("task_id"),
            task_name=record.get("task_name", ""),
            payload=normalize_payload(record.get("payload")),
            state_digest=record.get("state_digest", ""),
            previous_hash=previous_hash,
        )
        entry.entry_hash = entry_hash(entry)
        heads[entry.chain] = (entry.sequence, entry.entry_hash)
        entries.append(entry)
    return entries, heads


def journal_head_columns(chain: str) -> dict:
    """Annotations that read, in the statement that reads the row of a chain's owner, the head of
    the chain named by its field ``chain`` (not locked); ``known_head`` gives it back."""
    heads = JournalHead.objects.filter(chain=OuterRef(chain))
    return {
        "journal_head_sequence": Subquery(heads.values("sequence")[:1]),
        "journal_head_hash": Subquery(heads.values("entry_hash")[:1]),
    }


def known_head(row) -> Head | None:
    """The head read with ``row`` by ``journal_head_columns``; None if the chain has none yet."""
    sequence = getattr(row, "journal_head_sequence", None)
    return None if sequence is None else (sequence, row.journal_head_hash)


def _lock_heads(chains: list[str]) -> dict[str, Head]:
    """Each chain's last sequence and hash, its head row created if new and locked until commit.

    One statement: the upsert takes the row locks, in the (sorted) order given, so two appends
    on the same chains never wait for each other in a cycle; a concurrent append waits for the
    commit and then reads the head as that commit left it.
    """
    table = connection.ops.quote_name(JournalHead._meta.db_table)
    rows = ", ".join(["(%s, 0, '')"] * len(chains))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (chain, sequence, entry_hash) VALUES {rows} "
            f"ON CONFLICT (chain) DO UPDATE SET sequence = {table}.sequence "
            "RETURNING chain, sequence, entry_hash",
            chains,
        )
        return {chain: (sequence, last_hash) for chain, sequence, last_hash in cursor.fetchall()}


@dataclass(frozen=True)
class ChainVerdict:
    chain: str
    entries: int
    intact: bool
    broken_sequence: int | None = None
    reason: str = ""
    # The algorithms the entries were hashed with, in the order the chain took them up: a chain
    # switched to SM3 partway reads ("sha256", "sm3").
    algorithms: tuple[str, ...] = ()

    @property
    def algorithm_labels(self) -> str:
        return " → ".join(LABELS.get(algorithm, algorithm) for algorithm in self.algorithms)

    def describe(self) -> str:
        if self.intact:
            return f"{self.chain}: intact, {self.entries} entries / 完整，共 {self.entries} 条"
        return f"{self.chain}: BROKEN at entry #{self.broken_sequence}: {self.reason}"


def verify_entries(
    chain: str, entries: Iterable[JournalEntry], head_hash: str | None
) -> ChainVerdict:
    """Check links, hashes and numbering of ``entries`` (ordered by sequence)."""
    previous_hash = ""
    count = 0
    algorithms: list[str] = []
    for expected_sequence, entry in enumerate(entries, start=1):
        count = expected_sequence
        if (algorithm := algorithm_of(entry.entry_hash)) not in algorithms:
            algorithms.append(algorithm)
        if entry.sequence != expected_sequence:
            return ChainVerdict(
                chain, count, False, expected_sequence,
                f"entry #{expected_sequence} is missing (found #{entry.sequence}) / 缺少第 {expected_sequence} 条",
            )  # fmt: skip
        if entry.previous_hash != previous_hash:
            return ChainVerdict(
                chain, count, False, entry.sequence,
                "link to the previous entry does not match / 与上一条记录的链接不符",
            )  # fmt: skip
        if not digest_matches(entry.entry_hash, _hashed_bytes(entry)):
            return ChainVerdict(
                chain, count, False, entry.sequence,
                f"content of {entry.kind} was altered / 记录内容被篡改",
            )  # fmt: skip
        previous_hash = entry.entry_hash
    if head_hash is not None and head_hash != previous_hash:
        return ChainVerdict(
            chain, count, False, count + 1,
            "entries after the last one found were removed / 末尾记录被删除",
        )  # fmt: skip
    return ChainVerdict(chain, count, True, algorithms=tuple(algorithms))


def verify_chain(chain: str) -> ChainVerdict:
    entries = JournalEntry.objects.filter(chain=chain).order_by("sequence")
    head = JournalHead.objects.filter(chain=chain).first()
    return verify_entries(chain, entries.iterator(), head.entry_hash if head else None)


def verify_all_chains() -> list[ChainVerdict]:
    chains = set(JournalHead.objects.values_list("chain", flat=True))
    chains.update(JournalEntry.objects.values_list("chain", flat=True).distinct())
    return [verify_chain(chain) for chain in sorted(chains)]


def chain_entries(chain: str):
    return JournalEntry.objects.filter(chain=chain).order_by("sequence")
