"""Benchmark: database bytes per archived case, before and after compaction.

Demo cases are run to the end (archived, both certificates issued), then each of their process
instances is compacted (``workflows.compaction.instance_compact``). The database is measured three
times, each after a full vacuum so freed pages are not counted: before the cases, after them, and
after compacting them; a case's bytes are the growth over the first measure divided by the number
of cases. Bytes are what the tables and their indexes take on disk: ``pg_total_relation_size``
(TOAST included) on PostgreSQL, the pages of each table and index (``dbstat``) on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .report import table

# The live workflow rows compaction works on, and the journal it keeps.
LIVE = (
    "workflows_processinstance",
    "workflows_servicejob",
    "workflows_humantask",
    "workflows_incident",
    "workflows_instancemigration",
)
JOURNAL = "workflows_journalentry"


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL" if connection.vendor == "postgresql" else "VACUUM")


def table_bytes() -> dict[str, int]:
    """Bytes on disk of every table of the database, its indexes included."""
    from django.db import connection

    _vacuum()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
        else:
            cursor.execute(
                "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m "
                "ON m.name = d.name GROUP BY m.tbl_name"
            )
        return {name: int(size) for name, size in cursor.fetchall()}


@dataclass
class HistoryResult:
    cases: int
    empty: dict[str, int] = field(default_factory=dict)
    archived: dict[str, int] = field(default_factory=dict)
    compacted: dict[str, int] = field(default_factory=dict)
    instances: int = 0
    failures: list[str] = field(default_factory=list)

    def per_case(self, measure: dict[str, int], tables) -> float:
        grown = sum(measure.get(t, 0) - self.empty.get(t, 0) for t in tables)
        return grown / max(self.cases, 1)


def measure(count: int, *, workdir: Path, wait_seconds: float) -> HistoryResult:
    from acceptance.demo import Demo
    from workflows.compaction import instance_compact
    from workflows.models import ProcessInstance

    workdir.mkdir(parents=True, exist_ok=True)
    demo = Demo(lambda _line: None, workdir, wait_seconds)
    demo.prepare()
    result = HistoryResult(cases=count, empty=table_bytes())
    references = []
    for _ in range(count):
        case = demo.register()
        demo.prefile(case)
        demo.review(case)
        demo.decide(case)
        demo.fulfil(case)
        demo.finish(case)
        references.append(case.reference)
    result.archived = table_bytes()
    for pk in ProcessInstance.objects.filter(business_key__in=references).values_list(
        "pk", flat=True
    ):
        outcome = instance_compact(pk)
        result.instances += outcome.compacted
        if not outcome.compacted:
            result.failures.append(outcome.describe())
    result.compacted = table_bytes()
    return result


def _ratio(before: float, after: float) -> str:
    return f"{after / before:.3f}" if before else "-"


def report(result: HistoryResult) -> str:
    everything = set(result.empty) | set(result.archived) | set(result.compacted)
    rows = []
    for label, tables in (
        ("live workflow tables (compacted)", LIVE),
        ("journal (kept as is)", (JOURNAL,)),
        ("whole database", everything),
    ):
        before = result.per_case(result.archived, tables)
        after = result.per_case(result.compacted, tables)
        rows.append((label, f"{before:,.0f}", f"{after:,.0f}", _ratio(before, after)))
    for name in LIVE:
        before = result.per_case(result.archived, (name,))
        after = result.per_case(result.compacted, (name,))
        rows.append((f"  {name}", f"{before:,.0f}", f"{after:,.0f}", _ratio(before, after)))
    heading = (
        f"bytes per archived case ({result.cases} demo case(s), "
        f"{result.instances} instance(s) compacted)",
        "before",
        "after compaction",
        "after / before",
    )
    lines = [table(heading, rows)]
    lines += [f"NOT COMPACTED {failure}" for failure in result.failures]
    return "\n".join(lines)
