"""The commitment deadline sweep over 1,000,000 commitments on PostgreSQL, 1,000 of them due.

The table is filled the way an archive's history looks: most commitments settled long ago
(fulfilled, late, withdrawn), some pending with deadlines ahead, and ``due`` pending ones whose
deadline has just passed. Rows are generated inside PostgreSQL (``generate_series``), with one
case and one decision per commitment's decision row, then ``VACUUM ANALYZE``d, as autovacuum
leaves a table whose history is settled. Measured:

- the floor: a bare indexed ``SELECT id`` of the due rows (raw SQL, no ORM);
- the sweep's own due query (``Commitment.every_kind.due``: deliveries and rectifications, by
  deadline, ids only) and its ``EXPLAIN`` plan;
- the reminders due (commitments ahead within their reminder offsets), sent on their own first;
- the whole first sweep, which marks the due commitments overdue (journal, suspension, notices);
- a second sweep that finds nothing left to do: the steady cost of the beat schedule.

Run it on a database of its own: it adds a million rows (``--only sweep --distributed`` with
``DATABASE_URL`` naming a dedicated database).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bench.report import table

SIZE = 1_000_000
DUE = 1_000
PENDING_AHEAD = 10_000  # commitments still within their period
REPEATS = 9


@dataclass
class SweepResult:
    rows: int
    due: int
    load_seconds: float
    bare_select: list[float]
    due_query: list[float]
    reminders_seconds: float
    reminders: int
    first_sweep: float
    overdue: int
    first_statements: int
    second_sweep: list[float]
    plan: str


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _load(size: int, due: int) -> float:
    """Generate the rows in PostgreSQL; returns the seconds it took."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from acceptance.models import Case, CatalogVersion, Organisation, Project

    started = time.perf_counter()
    owner = get_user_model().objects.create_user("sweep_bench_owner", email="owner@example.org")
    organisation = Organisation.objects.create(name="巡检基准建设单位")
    organisation.members.add(owner)
    project = Project.objects.create(
        reference="SWEEP-BENCH", name="巡检基准工程", location="上海", works_type="building",
        owner=organisation, created_by=owner,
    )  # fmt: skip
    version = CatalogVersion.objects.current() or CatalogVersion.objects.create(number=1)
    case = Case.objects.create(
        reference="SWEEP-BENCH-1", project=project, owner_user=owner, catalog_version=version
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO acceptance_decision (case_id, outcome, comment, decided_by_id, decided_at)
            SELECT %s, 'conditional', '', %s, now() - interval '400 days'
            FROM generate_series(1, %s)
            """,
            [case.pk, owner.pk, size],
        )
        cursor.execute(
            """
            INSERT INTO acceptance_commitment (case_id, decision_id, kind, period, status, deadline,
                initial_deadline, terms, signed_by_id, signed_at, reason, document,
                document_sha256, ofd, ofd_sha256)
            SELECT %(case)s, d.id, 'delivery', 'P3M',
                CASE WHEN n <= %(due)s THEN 'pending'
                     WHEN n <= %(due)s + %(ahead)s THEN 'pending'
                     WHEN n %% 10 = 0 THEN 'fulfilled_late'
                     WHEN n %% 17 = 0 THEN 'withdrawn'
                     ELSE 'fulfilled' END,
                CASE WHEN n <= %(due)s THEN now() - (n || ' seconds')::interval
                     WHEN n <= %(due)s + %(ahead)s
                         THEN now() + ((n %% 180) + 1 || ' days')::interval
                     ELSE now() - ((n %% 1500) + 1 || ' days')::interval END,
                NULL,
                '{"day_count": "calendar", "reminder_offsets": [30, 7, 1],
                  "pause_on_return": false, "escalate_after_days": 30}'::jsonb,
                %(owner)s, now() - interval '100 days', '', '', '', '', ''
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n
                  FROM acceptance_decision WHERE case_id = %(case)s) AS d
            """,
            {"case": case.pk, "owner": owner.pk, "due": due, "ahead": PENDING_AHEAD},
        )
        cursor.execute("VACUUM ANALYZE acceptance_decision")
        cursor.execute("VACUUM ANALYZE acceptance_commitment")
        cursor.execute("SELECT count(*) FROM acceptance_commitment")
        (rows,) = cursor.fetchone()
    if rows != size:
        raise RuntimeError(f"expected {size} commitments, found {rows}")
    return time.perf_counter() - started


def measure(size: int = SIZE, due: int = DUE) -> SweepResult:
    from django.db import connection
    from django.utils import timezone

    from acceptance.models import Commitment
    from acceptance.services.commitments import commitment_reminders, commitments_sweep

    if connection.vendor != "postgresql":
        raise RuntimeError("the sweep benchmark runs on PostgreSQL: use --distributed")
    if Commitment.every_kind.exists():
        raise RuntimeError("the sweep benchmark needs a database of its own with no commitments")
    load = _load(size, due)
    now = timezone.now()

    def bare() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM acceptance_commitment WHERE status = 'pending' AND deadline <= %s",
                [now],
            )
            return len(cursor.fetchall())

    due_query = Commitment.every_kind.due(now).order_by("deadline")

    def orm() -> int:
        return len(list(due_query.values_list("pk", flat=True)))

    bare_times, orm_times = [], []
    for _ in range(REPEATS):
        for work, times in ((bare, bare_times), (orm, orm_times)):
            started = time.perf_counter()
            found = work()
            times.append(time.perf_counter() - started)
            if found != due:
                raise RuntimeError(f"expected {due} due commitments, found {found}")
    plan = due_query.values_list("pk", flat=True).explain()
    # The reminders due now first, on their own, so the sweep's time is the deadline work.
    started = time.perf_counter()
    reminders = commitment_reminders(now)
    reminders_seconds = time.perf_counter() - started
    # Its statements counted too, by a wrapper (Django's query log keeps only the last 9,000).
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        first = commitments_sweep(now)
        first_seconds = time.perf_counter() - started
    again = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = commitments_sweep(now)
        again.append(time.perf_counter() - started)
        if result.overdue:
            raise RuntimeError("a second sweep found something to do")
    return SweepResult(
        rows=size,
        due=due,
        load_seconds=load,
        bare_select=bare_times,
        due_query=orm_times,
        reminders_seconds=reminders_seconds,
        reminders=reminders,
        first_sweep=first_seconds,
        overdue=first.overdue,
        first_statements=statements,
        second_sweep=again,
        plan=plan,
    )


def report(result: SweepResult) -> str:
    floor = _median(result.bare_select)
    rows = [
        ("bare indexed SELECT of the due rows (floor)", floor * 1000, 1.0),
        ("sweep's due query (ORM)", _median(result.due_query) * 1000,
         _median(result.due_query) / floor),
        (f"reminders alone: {result.reminders} sent", result.reminders_seconds * 1000,
         result.reminders_seconds / floor),
        (f"first sweep: {result.overdue} marked overdue", result.first_sweep * 1000,
         result.first_sweep / floor),
        ("per overdue commitment", result.first_sweep / max(result.overdue, 1) * 1000,
         result.first_sweep / max(result.overdue, 1) / floor),
        ("second sweep: nothing left to do", _median(result.second_sweep) * 1000,
         _median(result.second_sweep) / floor),
    ]  # fmt: skip
    scan = "index scan" if "Index" in result.plan and "Seq Scan" not in result.plan else "SEQ SCAN"
    return "\n".join(
        [
            f"## Commitment deadline sweep: {result.rows:,} commitments, {result.due:,} due "
            f"(loaded in {result.load_seconds:.1f} s; medians of {REPEATS} runs)",
            "",
            table(
                ["step", "ms", "× floor"],
                [(name, f"{ms:.2f}", f"{ratio:.1f}") for name, ms, ratio in rows],
            ),
            "",
            f"SQL statements of the first sweep: {result.first_statements:,} "
            f"({result.first_statements / max(result.overdue, 1):.2f} per overdue commitment)",
            "",
            f"Plan of the due query ({scan}):",
            *(f"    {line}" for line in result.plan.splitlines()),
        ]
    )
