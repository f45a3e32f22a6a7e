"""Anchors: signed checkpoints that catch a journal chain rewritten from its first entry."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from tests.conftest import run_sql
from workflows.anchors import journal_anchor, verify_anchors
from workflows.journal import journal_append, verify_chain
from workflows.models import JournalAnchor, JournalEntry, JournalHead

pytestmark = pytest.mark.django_db


def append(chain: str, count: int, word: str = "step") -> None:
    for n in range(1, count + 1):
        journal_append(chain=chain, kind=f"test.{word}{n}", payload={"n": n})


def rewrite_from_scratch(chain: str, count: int) -> None:
    """What an attacker with database access does: a new chain, every hash recomputed."""
    JournalEntry.objects.filter(chain=chain).delete()
    JournalHead.objects.filter(chain=chain).delete()
    append(chain, count, word="forged")


def test_an_anchor_records_every_chain_head_and_is_signed(settings):
    append("A-1", 3)
    append("A-2", 1)

    anchor = journal_anchor()

    assert anchor.heads == {
        "A-1": [3, JournalHead.objects.get(chain="A-1").entry_hash],
        "A-2": [1, JournalHead.objects.get(chain="A-2").entry_hash],
    }
    assert anchor.signature and anchor.signer == settings.WORKFLOWS_ANCHOR_SIGNER
    assert verify_anchors().intact


def test_anchors_link_to_each_other():
    append("A-1", 1)
    first = journal_anchor()
    append("A-1", 1)

    second = journal_anchor()

    assert second.previous_digest == first.digest
    assert verify_anchors().describe().startswith("anchors: 2 checkpoints agree")


def test_a_chain_rewritten_from_scratch_verifies_alone_but_not_against_the_anchor(
    without_append_only_trigger,
):
    append("A-1", 4)
    journal_anchor()

    rewrite_from_scratch("A-1", 4)

    assert verify_chain("A-1").intact  # consistent by itself...
    verdict = verify_anchors()
    assert not verdict.intact  # ...but not with the signed checkpoint taken before
    assert "A-1 entry #4 differs from anchor" in verdict.problems[0]


def test_a_chain_cut_short_after_an_anchor_is_named(without_append_only_trigger):
    append("A-1", 5)
    journal_anchor()
    JournalEntry.objects.filter(chain="A-1", sequence__gte=4).delete()
    JournalHead.objects.filter(chain="A-1").update(
        sequence=3, entry_hash=JournalEntry.objects.get(chain="A-1", sequence=3).entry_hash
    )

    verdict = verify_anchors()

    assert verify_chain("A-1").intact
    assert "A-1 entry #5 differs" in verdict.problems[0]


def test_anchors_cannot_be_updated_in_the_database():
    append("A-1", 1)
    anchor = journal_anchor()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        run_sql("UPDATE workflows_journalanchor SET heads = '{}' WHERE id = %s", anchor.pk)


def test_an_anchor_whose_signature_is_not_trusted_is_reported(settings):
    append("A-1", 1)
    journal_anchor()
    settings.CERTIFICATES_TRUST_ROOTS = []

    verdict = verify_anchors()

    assert "signature: 签名证书不属于信任根" in verdict.problems[0]


def test_an_unsigned_anchor_is_reported_when_anchors_are_verified(settings):
    append("A-1", 1)
    settings.WORKFLOWS_ANCHOR_SIGNER = None
    anchor = journal_anchor()

    assert anchor.signature == b""
    assert "it is not signed" in verify_anchors().problems[0]


def test_verify_journal_fails_when_an_anchor_disagrees(without_append_only_trigger):
    append("A-1", 2)
    call_command("anchor_journal", stdout=StringIO())
    rewrite_from_scratch("A-1", 2)
    out = StringIO()

    with pytest.raises(CommandError, match="anchor check"):
        call_command("verify_journal", stdout=out)

    assert "A-1: intact" in out.getvalue()
    assert "A-1 entry #2 differs" in out.getvalue()
    assert JournalAnchor.objects.count() == 1
