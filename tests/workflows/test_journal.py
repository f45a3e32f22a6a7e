"""The journal: append-only, hash-chained, and any tampering is named by the verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import run_sql
from workflows.engine import task_complete
from workflows.journal import journal_append, journal_extend, verify_all_chains, verify_chain
from workflows.models import JournalEntry, JournalHead

from .helpers import open_task, reload

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def append(chain: str, count: int, actor=None) -> list[JournalEntry]:
    return [
        journal_append(chain=chain, kind=f"test.step{n}", actor=actor, payload={"n": n})
        for n in range(1, count + 1)
    ]


def test_entries_are_numbered_and_each_links_to_the_previous_one():
    entries = append("J-1", 3)

    assert [e.sequence for e in entries] == [1, 2, 3]
    assert entries[0].previous_hash == ""
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].previous_hash == entries[1].entry_hash
    assert len({e.entry_hash for e in entries}) == 3
    head = JournalHead.objects.get(chain="J-1")
    assert (head.sequence, head.entry_hash) == (3, entries[2].entry_hash)


def test_each_chain_is_numbered_on_its_own():
    append("J-A", 2)

    (first_of_b,) = append("J-B", 1)

    assert first_of_b.sequence == 1
    assert first_of_b.previous_hash == ""


def test_many_entries_on_several_chains_are_linked_in_order_by_three_statements():
    append("J-1", 2)
    records = [
        {"chain": chain, "kind": "test.batch", "payload": {"n": n}}
        for n, chain in enumerate(["J-2", "J-1", "J-2", "J-3", "J-1"])
    ]

    with CaptureQueriesContext(connection) as queries:
        entries = journal_extend(records)

    assert len(queries.captured_queries) == 3  # heads locked, entries inserted, heads moved
    assert [(e.chain, e.sequence) for e in entries] == [
        ("J-2", 1), ("J-1", 3), ("J-2", 2), ("J-3", 1), ("J-1", 4),
    ]  # fmt: skip
    assert entries[2].previous_hash == entries[0].entry_hash
    assert entries[4].previous_hash == entries[1].entry_hash
    assert [verify_chain(chain).entries for chain in ("J-1", "J-2", "J-3")] == [4, 2, 1]
    assert all(verify_chain(chain).intact for chain in ("J-1", "J-2", "J-3"))
    assert JournalHead.objects.get(chain="J-1").entry_hash == entries[4].entry_hash


def test_an_append_given_the_head_it_read_moves_it_in_one_statement_with_the_insert():
    (first,) = append("J-1", 1)

    with CaptureQueriesContext(connection) as queries:
        second = journal_append(chain="J-1", kind="test", head=(1, first.entry_hash))

    assert len(queries.captured_queries) == 2  # the head moved if still as read, the entry
    assert (second.sequence, second.previous_hash) == (2, first.entry_hash)
    assert JournalHead.objects.get(chain="J-1").entry_hash == second.entry_hash
    assert verify_chain("J-1").intact


def test_an_append_given_a_head_moved_since_links_to_the_last_entry_all_the_same():
    (first,) = append("J-1", 1)
    (moved_since,) = append("J-1", 1)

    entry = journal_append(chain="J-1", kind="test", head=(1, first.entry_hash))

    assert (entry.sequence, entry.previous_hash) == (3, moved_since.entry_hash)
    assert verify_chain("J-1").intact


def test_the_actor_is_stored_as_a_name(make_user):
    entry = journal_append(chain="J-1", kind="test", actor=make_user("archivist"))
    system = journal_append(chain="J-1", kind="test")
    named = journal_append(chain="J-1", kind="test", actor="celery-beat")

    assert [entry.actor, system.actor, named.actor] == ["archivist", "system", "celery-beat"]


def test_an_untouched_chain_verifies_intact():
    append("J-1", 3)

    verdict = verify_chain("J-1")

    assert verdict.intact is True
    assert verdict.entries == 3
    assert verdict.broken_sequence is None
    assert verdict.describe() == "J-1: intact, 3 entries / 完整，共 3 条"


def test_the_journal_of_a_running_instance_verifies_intact(deploy, start, make_user):
    deploy("timers.bpmn")
    with time_machine.travel(NOW, tick=False):
        instance = start("wf_timers", key="CASE-J", deadline_after="P1D")
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        task_complete(task_id=open_task(instance, "work").task_id, user=make_user("c", "clerks"))

    entries = list(JournalEntry.objects.filter(chain="CASE-J").order_by("sequence"))
    assert [e.kind for e in entries] == ["instance.started", "timer.fired", "task.completed"]
    assert entries[-1].state_digest == reload(instance).state_digest
    assert verify_chain("CASE-J").intact


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE workflows_journalentry SET payload = '{\"n\": 99}' WHERE sequence = 2",
        "UPDATE workflows_journalentry SET actor = 'someone else'",
    ],
)
def test_the_database_refuses_to_change_a_journal_entry(sql):
    append("J-1", 3)

    with pytest.raises(DatabaseError, match="the journal is append-only"), transaction.atomic():
        run_sql(sql)

    assert JournalEntry.objects.get(chain="J-1", sequence=2).payload == {"n": 2}
    assert verify_chain("J-1").intact


def test_the_orm_cannot_change_a_journal_entry_either():
    (entry,) = append("J-1", 1)
    entry.payload = {"n": 99}

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(kind="rewritten")

    assert verify_chain("J-1").intact


def test_an_altered_entry_is_named_by_the_verification(without_append_only_trigger):
    append("J-1", 4)
    run_sql(
        "UPDATE workflows_journalentry SET payload = %s WHERE chain = %s AND sequence = 2",
        '{"n": 99}',
        "J-1",
    )

    verdict = verify_chain("J-1")

    assert verdict.intact is False
    assert verdict.broken_sequence == 2
    assert verdict.reason == "content of test.step2 was altered / 记录内容被篡改"
    assert verdict.describe() == (
        "J-1: BROKEN at entry #2: content of test.step2 was altered / 记录内容被篡改"
    )


def test_an_entry_whose_hash_was_replaced_no_longer_matches_its_content(
    without_append_only_trigger,
):
    append("J-1", 3)
    run_sql(
        "UPDATE workflows_journalentry SET entry_hash = %s WHERE chain = %s AND sequence = 2",
        "f" * 64,
        "J-1",
    )

    verdict = verify_chain("J-1")

    assert verdict.broken_sequence == 2
    assert verdict.reason.startswith("content of test.step2 was altered")


def test_a_rewritten_entry_whose_hash_was_forged_consistently_breaks_the_next_link(
    without_append_only_trigger,
):
    from workflows.journal import entry_hash

    entries = append("J-1", 3)
    forged = entries[1]
    forged.payload = {"n": 99}
    forged_hash = entry_hash(forged)
    JournalEntry.objects.filter(pk=forged.pk).update(payload=forged.payload, entry_hash=forged_hash)

    verdict = verify_chain("J-1")

    assert verdict.broken_sequence == 3
    assert verdict.reason.startswith("link to the previous entry does not match")


def test_a_deleted_entry_in_the_middle_is_named_as_missing(without_append_only_trigger):
    append("J-1", 4)
    JournalEntry.objects.filter(chain="J-1", sequence=2).delete()

    verdict = verify_chain("J-1")

    assert verdict.intact is False
    assert verdict.broken_sequence == 2
    assert verdict.reason == "entry #2 is missing (found #3) / 缺少第 2 条"


def test_a_deleted_last_entry_is_detected_through_the_head(without_append_only_trigger):
    append("J-1", 4)
    JournalEntry.objects.filter(chain="J-1", sequence=4).delete()

    verdict = verify_chain("J-1")

    assert verdict.intact is False
    assert verdict.broken_sequence == 4
    assert verdict.reason.startswith("entries after the last one found were removed")


def test_verify_all_chains_reports_each_chain(without_append_only_trigger):
    append("J-GOOD", 2)
    append("J-BAD", 2)
    JournalEntry.objects.filter(chain="J-BAD", sequence=2).delete()

    verdicts = {v.chain: v for v in verify_all_chains()}

    assert verdicts["J-GOOD"].intact
    assert verdicts["J-BAD"].broken_sequence == 2


def test_verify_journal_command_prints_an_intact_chain():
    append("J-1", 3)
    out = StringIO()

    call_command("verify_journal", "J-1", stdout=out)

    assert out.getvalue().splitlines() == [
        "J-1: intact, 3 entries / 完整，共 3 条",
        "anchors: 0 checkpoints agree with the journal / 锚点一致",
    ]


def test_verify_journal_command_fails_naming_the_broken_entry(without_append_only_trigger):
    append("J-1", 3)
    run_sql("UPDATE workflows_journalentry SET actor = 'mallory' WHERE sequence = 3")
    out = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("verify_journal", "J-1", stdout=out)

    assert "J-1: BROKEN at entry #3: content of test.step3 was altered" in out.getvalue()
    assert "1 journal chain(s) broken" in str(excinfo.value)


def test_verify_journal_command_without_a_chain_checks_them_all(without_append_only_trigger):
    append("J-GOOD", 1)
    append("J-BAD", 2)
    JournalEntry.objects.filter(chain="J-BAD", sequence=2).delete()
    out = StringIO()

    with pytest.raises(CommandError, match="1 journal chain"):
        call_command("verify_journal", stdout=out)

    assert out.getvalue().splitlines() == [
        "J-BAD: BROKEN at entry #2: entries after the last one found were removed / 末尾记录被删除",
        "J-GOOD: intact, 1 entries / 完整，共 1 条",
        "anchors: 0 checkpoints agree with the journal / 锚点一致",
    ]


def test_verify_journal_command_reports_a_wiped_chain_as_broken(without_append_only_trigger):
    append("J-1", 3)
    JournalEntry.objects.filter(chain="J-1").delete()
    out = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("verify_journal", "J-1", stdout=out)

    assert "J-1: BROKEN at entry #1: entries after the last one found were removed" in (
        out.getvalue()
    )
    assert "1 journal chain(s) broken" in str(excinfo.value)


def test_verify_journal_command_refuses_an_unknown_chain():
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_journal", "NO-SUCH-CASE", stdout=StringIO())

    assert "no journal for NO-SUCH-CASE" in str(excinfo.value)
