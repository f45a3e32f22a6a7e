"""SM3 or SHA-256, chosen by a setting: each record says which made it, and mixed chains verify."""

from __future__ import annotations

import importlib
import subprocess
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from tests.conftest import run_sql
from workflows.anchors import journal_anchor, verify_anchors
from workflows.digests import digest_bytes, digest_file
from workflows.engine import task_complete
from workflows.journal import journal_append, verify_chain
from workflows.models import JournalEntry

from .helpers import open_task

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
ANCHOR_TRIGGER = importlib.import_module("workflows.migrations.0003_journal_anchor")

pytestmark = pytest.mark.django_db


def openssl_sm3(path) -> str:
    """The SM3 of a file as the openssl command line computes it: a tool the product is not."""
    out = subprocess.run(
        ["openssl", "dgst", "-sm3", "-r", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return out.split()[0]


def append(chain: str, count: int, start: int = 1) -> list[JournalEntry]:
    return [
        journal_append(chain=chain, kind=f"test.step{n}", payload={"n": n})
        for n in range(start, start + count)
    ]


def switch_midway(settings, chain: str) -> list[JournalEntry]:
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sha256"
    before = append(chain, 2)
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    return before + append(chain, 2, start=3)


def test_sm3_digests_agree_with_openssl(tmp_path):
    sample = tmp_path / "sample.bin"
    sample.write_bytes(bytes(range(256)) * 5000 + "竣工图".encode())

    assert digest_file(sample, "sm3") == "sm3:" + openssl_sm3(sample)
    assert digest_bytes(sample.read_bytes(), "sm3") == "sm3:" + openssl_sm3(sample)


def test_sha256_digests_stay_bare_hex_as_every_record_before_the_choice(tmp_path):
    sample = tmp_path / "sample.bin"
    sample.write_bytes(b"abc")

    assert digest_file(sample, "sha256") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_a_chain_started_under_sha256_and_switched_to_sm3_verifies(settings):
    entries = switch_midway(settings, "D-1")

    assert [e.entry_hash.startswith("sm3:") for e in entries] == [False, False, True, True]
    assert len(entries[0].entry_hash) == 64
    # The first SM3 entry links to the last SHA-256 one as it was written.
    assert entries[2].previous_hash == entries[1].entry_hash
    assert verify_chain("D-1").intact
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sha256"  # verification does not depend on the setting
    verdict = verify_chain("D-1")
    assert verdict.intact
    # The verdict says which algorithms the chain took up, in order.
    assert verdict.algorithms == ("sha256", "sm3")
    assert verdict.algorithm_labels == "SHA-256 → SM3"


@pytest.mark.parametrize(("sequence", "algorithm"), [(2, "SHA-256"), (4, "SM3")])
def test_a_tampered_entry_is_caught_under_either_algorithm(
    settings, without_append_only_trigger, sequence, algorithm
):
    switch_midway(settings, "D-1")
    run_sql(
        "UPDATE workflows_journalentry SET payload = %s WHERE chain = %s AND sequence = %s",
        '{"n": 99}',
        "D-1",
        sequence,
    )

    verdict = verify_chain("D-1")

    assert verdict.broken_sequence == sequence, algorithm
    assert verdict.reason.startswith(f"content of test.step{sequence} was altered")


def test_an_sm3_entry_relabelled_as_sha256_is_caught(settings, without_append_only_trigger):
    entries = switch_midway(settings, "D-1")
    run_sql(
        "UPDATE workflows_journalentry SET entry_hash = %s WHERE chain = %s AND sequence = 4",
        entries[3].entry_hash.removeprefix("sm3:"),
        "D-1",
    )

    assert verify_chain("D-1").broken_sequence == 4


def test_anchors_taken_before_and_after_a_switch_verify(settings):
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sha256"
    append("D-1", 2)
    first = journal_anchor()
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    append("D-1", 1, start=3)

    second = journal_anchor()

    assert len(first.digest) == 64 and second.digest.startswith("sm3:")
    assert second.previous_digest == first.digest
    assert verify_anchors().intact


@pytest.fixture
def without_anchor_trigger(db):
    vendor = connection.vendor.upper()
    run_sql(getattr(ANCHOR_TRIGGER, f"{vendor}_DOWN"))
    yield
    run_sql(getattr(ANCHOR_TRIGGER, f"{vendor}_UP"))


def test_an_altered_sm3_anchor_is_named(settings, without_anchor_trigger):
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    append("D-1", 2)
    anchor = journal_anchor()
    run_sql(
        "UPDATE workflows_journalanchor SET heads = %s WHERE id = %s",
        '{"D-1": [1, "x"]}',
        anchor.pk,
    )

    assert any("was altered" in problem for problem in verify_anchors().problems)


def test_verify_journal_replays_an_instance_whose_chain_switched_to_sm3(
    settings, deploy, start, make_user
):
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sha256"
    deploy("timers.bpmn")
    with time_machine.travel(NOW, tick=False):
        instance = start("wf_timers", key="CASE-SM3", deadline_after="P1D")
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        task_complete(task_id=open_task(instance, "work").task_id, user=make_user("c", "clerks"))
    hashes = list(
        JournalEntry.objects.filter(chain="CASE-SM3")
        .order_by("sequence")
        .values_list("entry_hash", flat=True)
    )
    out = StringIO()

    call_command("verify_journal", "CASE-SM3", "--replay", stdout=out)

    assert [h.startswith("sm3:") for h in hashes] == [False, True, True]
    assert "CASE-SM3: intact, 3 entries" in out.getvalue()
    assert "verified" in out.getvalue()


def test_an_unknown_algorithm_setting_is_refused_by_name(settings):
    settings.WORKFLOWS_DIGEST_ALGORITHM = "md5"

    with pytest.raises(ImproperlyConfigured, match="WORKFLOWS_DIGEST_ALGORITHM"):
        append("D-1", 1)


def test_verify_journal_names_a_tampered_sm3_entry(settings, without_append_only_trigger):
    switch_midway(settings, "D-1")
    run_sql("UPDATE workflows_journalentry SET actor = 'mallory' WHERE sequence = 3")

    with pytest.raises(CommandError):
        call_command("verify_journal", "D-1", stdout=(out := StringIO()))

    assert "D-1: BROKEN at entry #3: content of test.step3 was altered" in out.getvalue()
