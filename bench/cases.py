"""Benchmark 1: whole acceptance cases per second, driven through ``acceptance.demo.Demo``.

The demo is prepared once (migrate, deploy, catalog, users); each case then runs the whole story
(register, prefile, review, decide, fulfil, finish) with a silent ``say``. A case's time includes
generating its sample files, the checks on them and rendering both certificates; with a worker it
also includes the demo's polling for results (every 0.2 s).

A case that fails (an incident, a timeout, an unfinished process or a broken journal) is recorded
with its reason and left out of the per-case figures; the next case still runs.

Each case's time is split into file work (``FILE_WORK``: generating the sample files, the checks
on them with their previews and derivatives, rendering and signing the certificates, writing and
checking, writing and verifying the archival package, its replay included), the demo's waits for the worker (distributed mode only) and the
rest: the engine, the database and the services around them. Only the outermost file-work call
is timed, so a check inside a package export is not counted twice.
"""

from __future__ import annotations

import cProfile
import importlib
import io
import pstats
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from types import SimpleNamespace

from .report import table

# Where a case works on files, as (module, attribute) looked up at call time: wrapped for the run.
FILE_WORK = {
    "generating sample files": (("acceptance.demo", "make_sample_record"),),
    "file checks, derivatives": (
        ("acceptance.services.material_checks", "media_intake"),
        ("acceptance.services.material_checks", "drawing_check"),
        ("acceptance.services.material_checks", "material_rules_check"),
    ),
    "drawing previews": (("acceptance.tasks", "drawing_preview_render"),),
    "certificate and commitment PDF, OFD, signing": (
        ("certificates.pdf", "render_certificate_pdf"),
        ("certificates.ofd", "sealed_certificate_ofd"),
        ("acceptance.exports.commitment", "commitment_pdf"),
        ("acceptance.exports.commitment", "sealed_commitment_ofd"),
        ("signing.signers.PadesSigner", "sign"),
        ("signing.signers.PadesSigner", "sign_detached"),
    ),
    "archival package checked, written, verified": (
        ("acceptance.tasks", "archival_package_make"),
        ("acceptance.demo", "verify_bundle"),
    ),
}


# The demo's calls into the product, as names looked up in ``acceptance.demo`` and wrapped for
# the run: each case step's statements, transactions and time (file work excluded) are counted
# under its kind. Everything a case does outside these and outside file work is the demo's own
# reading (``case_open_task`` polling, selectors, counts for its messages).
CASE_STEPS = {
    "project and case opened": ("project_register", "case_open"),
    "material uploads": ("material_upload",),
    "user task completions": ("case_task_complete",),
    "media review (gallery)": ("media_review", "media_review_finish"),
    "decision": ("decision_submit",),
    "commitment delivery": ("commitment_deliver",),
    "the demo's task look-ups": ("case_open_task", "case_instance"),
}
# The demo's own checks once a case is finished (``Demo.finish``): an auditor's verification of
# the journal and its replay, not work the case's users wait for. Timed apart from the rest.
DEMO_CHECKS = {"the demo's journal verification and replay": ("verify_chain", "replay_instance")}
# Where time is charged when no wrapped call is running: the demo's own code between steps.
DEMO_OTHER = "the demo's reads between steps"


@dataclass
class StepCount:
    """What one kind of step cost over the completed cases (file work inside it excluded)."""

    calls: int = 0
    seconds: float = 0.0
    statements: int = 0
    savepoints: int = 0
    transactions: int = 0

    def add(self, other: StepCount) -> None:
        self.calls += other.calls
        self.seconds += other.seconds
        self.statements += other.statements
        self.savepoints += other.savepoints
        self.transactions += other.transactions


@dataclass
class CasesResult:
    attempted: int
    prepare_seconds: float
    wall_seconds: float = 0.0  # all attempts, failed ones included
    case_seconds: list[float] = field(default_factory=list)  # completed cases only
    journal_entries: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Completed cases only, seconds per FILE_WORK label, and the demo's waits for the worker.
    file_seconds: dict[str, float] = field(default_factory=dict)
    wait_seconds: float = 0.0
    # Completed cases only: the rest per kind of step (CASE_STEPS, DEMO_OTHER) and the demo's
    # checks (DEMO_CHECKS), with their SQL statements, savepoints and transactions.
    steps: dict[str, StepCount] = field(default_factory=dict)
    checks: dict[str, StepCount] = field(default_factory=dict)
    # The statements of file work too: recording a check's result happens inside the check.
    file_counts: dict[str, StepCount] = field(default_factory=dict)
    profile: cProfile.Profile | None = None

    @property
    def completed(self) -> int:
        return len(self.case_seconds)

    @property
    def file_work_seconds(self) -> float:
        return sum(self.file_seconds.values())

    @property
    def checks_seconds(self) -> float:
        return sum(count.seconds for count in self.checks.values())

    @property
    def rest_seconds(self) -> float:
        """Completed cases' time without file work, the waits for the worker and the demo's
        checks."""
        return (
            sum(self.case_seconds)
            - self.file_work_seconds
            - self.wait_seconds
            - self.checks_seconds
        )

    @property
    def rest(self) -> StepCount:
        total = StepCount()
        for count in self.steps.values():
            total.add(count)
        return total


class _CaseClock:
    """Where a case's time and SQL go: each moment is charged to the innermost wrapped call.

    File work counts whole from its outermost call (a check inside a package export is the
    package's); steps and checks are charged their own time, file work inside them excluded.
    With ``profile`` a cProfile profiler runs only outside file work, waits and the demo's checks.
    """

    def __init__(self, profile: bool = False) -> None:
        self.profiler = cProfile.Profile() if profile else None
        self.running = False
        self._stack: list[str] = []
        self._profiling = False

    def start(self) -> None:
        """A new case: nothing counted yet."""
        self.counts: dict[str, StepCount] = {}
        self.running = True
        self._stack: list[str] = []
        self._since = time.perf_counter()
        self._profiling = False
        self._profile_rest()

    @property
    def _label(self) -> str:
        return self._stack[-1] if self._stack else DEMO_OTHER

    def _count(self) -> StepCount:
        return self.counts.setdefault(self._label, StepCount())

    def _switch(self) -> None:
        """Charge the time since the last switch to the current label."""
        now = time.perf_counter()
        self._count().seconds += now - self._since
        self._since = now

    def _profile_rest(self) -> None:
        if self.profiler is None:
            return
        resting = self.running and (self._label in CASE_STEPS or self._label == DEMO_OTHER)
        if resting and not self._profiling:
            self.profiler.enable()
        elif not resting and self._profiling:
            self.profiler.disable()
        self._profiling = resting

    def timed(self, label: str, func):
        file_work = label in FILE_WORK

        @wraps(func)
        def wrapper(*args, **kwargs):
            if not self.running or (file_work and self._label in FILE_WORK):
                return func(*args, **kwargs)
            self._switch()
            self._stack.append(label)
            self._count().calls += 1
            self._profile_rest()
            try:
                return func(*args, **kwargs)
            finally:
                self._switch()
                self._stack.pop()
                self._profile_rest()

        return wrapper

    def sleep(self, seconds: float) -> None:
        self._switch()
        self._stack.append("waiting")
        self._profile_rest()
        try:
            time.sleep(seconds)
        finally:
            self._switch()
            self._stack.pop()
            self._profile_rest()

    def stop(self) -> None:
        """The case is over: what runs after it (the bench's own checks) is not counted."""
        self._switch()
        self.running = False
        if self._profiling:
            self.profiler.disable()
            self._profiling = False

    def statement(self, execute, sql, params, many, context):
        if not self.running:
            return execute(sql, params, many, context)
        count = self._count()
        count.statements += 1
        if sql.lstrip()[:9].upper() in ("SAVEPOINT", "RELEASE S", "ROLLBACK "):
            count.savepoints += 1
        if not context["connection"].in_atomic_block:
            count.transactions += 1  # autocommit: the statement is a transaction of its own
        return execute(sql, params, many, context)

    def committed(self) -> None:
        if self.running:
            self._count().transactions += 1

    @property
    def file_seconds(self) -> dict[str, float]:
        return {label: self.counts.get(label, StepCount()).seconds for label in FILE_WORK}

    @property
    def waiting_seconds(self) -> float:
        return self.counts.get("waiting", StepCount()).seconds


def _owner(dotted: str):
    """The module, or a class inside a module, that ``dotted`` names."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        module, _, name = dotted.rpartition(".")
        return getattr(importlib.import_module(module), name)


@contextmanager
def _case_clock(profile: bool = False) -> Iterator[_CaseClock]:
    """Wrap every FILE_WORK function, the demo's steps and checks, its polling sleep, and count
    the statements and commits of the default database for the run."""
    from django.db import connection

    import acceptance.demo as demo_module

    clock = _CaseClock(profile)
    originals = []
    for label, places in FILE_WORK.items():
        for dotted, attribute in places:
            owner = _owner(dotted)
            original = owner.__dict__[attribute]
            originals.append((owner, attribute, original))
            setattr(owner, attribute, clock.timed(label, original))
    for label, names in {**CASE_STEPS, **DEMO_CHECKS}.items():
        for name in names:
            original = getattr(demo_module, name)
            originals.append((demo_module, name, original))
            setattr(demo_module, name, clock.timed(label, original))
    originals.append((demo_module, "time", demo_module.time))
    demo_module.time = SimpleNamespace(monotonic=time.monotonic, sleep=clock.sleep)
    # Commits of an atomic block; a statement outside one is counted by ``statement``.
    connection.ensure_connection()
    commit = connection.commit

    def counted_commit():
        clock.committed()
        return commit()

    connection.commit = counted_commit
    try:
        with connection.execute_wrapper(clock.statement):
            yield clock
    finally:
        del connection.commit
        for owner, attribute, original in reversed(originals):
            setattr(owner, attribute, original)


def _quiet(_message: str) -> None:
    pass


def _check(result) -> int:
    """The end-of-case checks of ``run_demo``: a failed case must not count as a fast one."""
    from acceptance.models import Commitment
    from acceptance.selectors.cases import case_instance

    instance = case_instance(result.case)
    if not result.journal.intact or instance.status != instance.Status.COMPLETED:
        raise RuntimeError(f"process {instance.status}, journal {result.journal.describe()}")
    if Commitment.objects.filter(case=result.case).open().exists():
        raise RuntimeError("the commitment is still open")
    return result.journal.entries


def _reason(exc: Exception) -> str:
    first_line = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"


def run_cases(
    count: int,
    *,
    workdir: Path,
    wait_seconds: float,
    in_process: bool = False,
    profile: bool = False,
) -> CasesResult:
    """Run ``count`` demo cases one after another and time each from registration to finish.

    ``in_process``: the cases' jobs run in this process when their transaction commits (Celery
    eager), as in the embedded mode, whatever the database: one core's work, nothing waited for.
    ``profile``: a cProfile profile of the rest (file work, waits and the demo's checks left out)
    of the completed cases, in ``CasesResult.profile``.
    """
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = eager or in_process
    try:
        return _run_cases(count, workdir=workdir, wait_seconds=wait_seconds, profile=profile)
    finally:
        app.conf.task_always_eager = eager


def _run_cases(count: int, *, workdir: Path, wait_seconds: float, profile: bool) -> CasesResult:
    from acceptance.demo import Demo

    workdir.mkdir(parents=True, exist_ok=True)
    demo = Demo(_quiet, workdir, wait_seconds)
    start = time.perf_counter()
    demo.prepare()
    result = CasesResult(attempted=count, prepare_seconds=time.perf_counter() - start)
    with _case_clock(profile) as clock:
        for _ in range(count):
            _run_case(demo, result, clock)
    result.profile = clock.profiler
    return result


def _run_case(demo, result: CasesResult, clock: _CaseClock) -> None:
    clock.start()
    start = time.perf_counter()
    reference = "(not registered)"
    try:
        try:
            case = demo.register()
            reference = case.reference
            demo.prefile(case)
            demo.review(case)
            demo.decide(case)
            demo.fulfil(case)
            finished = demo.finish(case)
        finally:
            clock.stop()
            seconds = time.perf_counter() - start
        entries = _check(finished)
    except Exception as exc:  # recorded and reported; one broken case must not hide the rest
        result.failures.append(f"{reference}: {_reason(exc)}")
    else:
        result.case_seconds.append(seconds)
        result.journal_entries.append(entries)
        for label, spent in clock.file_seconds.items():
            result.file_seconds[label] = result.file_seconds.get(label, 0.0) + spent
        result.wait_seconds += clock.waiting_seconds
        for label, count in clock.counts.items():
            if label == "waiting":
                continue
            into = result.steps
            if label in DEMO_CHECKS:
                into = result.checks
            elif label in FILE_WORK:
                into = result.file_counts
            into.setdefault(label, StepCount()).add(count)
    result.wall_seconds += seconds


def report(result: CasesResult) -> str:
    seconds = result.case_seconds
    rows: list[tuple[str, object]] = [
        ("cases completed / attempted", f"{result.completed} / {result.attempted}"),
        ("prepare, once (s)", f"{result.prepare_seconds:.2f}"),
        ("wall time for all attempts (s)", f"{result.wall_seconds:.2f}"),
        ("cases / second (completed / wall time)", f"{result.completed / result.wall_seconds:.3f}"),
    ]
    if seconds:
        rows += [
            ("mean s / case", f"{statistics.fmean(seconds):.2f}"),
            ("median s / case", f"{statistics.median(seconds):.2f}"),
            ("min / max s / case", f"{min(seconds):.2f} / {max(seconds):.2f}"),
            ("each completed case (s)", " ".join(f"{s:.2f}" for s in seconds)),
            (
                "journal entries / case, all intact",
                " / ".join(map(str, sorted(set(result.journal_entries)))),
            ),
        ]
        completed = result.completed
        rows += [
            (f"file work: {label} (s / case)", f"{spent / completed:.2f}")
            for label, spent in result.file_seconds.items()
        ]
        rows += [
            ("file work, all (s / case)", f"{result.file_work_seconds / completed:.2f}"),
            ("waiting for the worker (s / case)", f"{result.wait_seconds / completed:.2f}"),
            *(
                (f"{label} (s / case, not the case's work)", f"{count.seconds / completed:.2f}")
                for label, count in result.checks.items()
            ),
            (
                "the rest: engine, database, services (s / case)",
                f"{result.rest_seconds / completed:.2f}",
            ),
        ]
    lines = [table(("cases end to end (acceptance.demo.Demo)", "value"), rows)]
    if seconds:
        lines += ["", _steps_table(result)]
        # The line issue #19 reads: cases per second of this process's work, file work excluded.
        lines.append(
            f"cases/s with file work excluded: {result.completed / result.rest_seconds:.2f}"
        )
        if result.profile is not None:
            lines += ["", _profile_text(result.profile)]
    lines += [f"FAILED case {failure}" for failure in result.failures]
    return "\n".join(lines)


def _steps_table(result: CasesResult) -> str:
    """The rest per kind of step, per completed case: where its time and its SQL go."""
    completed = result.completed

    def row(label: str, count: StepCount) -> tuple[str, ...]:
        return (
            label,
            f"{count.calls / completed:.0f}",
            f"{count.seconds / completed:.2f}",
            f"{count.transactions / completed:.0f}",
            f"{count.statements / completed:.0f}",
            f"{count.savepoints / completed:.0f}",
        )

    ordered = sorted(result.steps.items(), key=lambda item: -item[1].seconds)
    apart = [row(f"(file work: {label})", count) for label, count in result.file_counts.items()] + [
        row(f"({label})", count) for label, count in result.checks.items()
    ]
    return table(
        ("the rest, per case", "calls", "s", "transactions", "statements", "savepoints"),
        [*(row(label, count) for label, count in ordered), row("all", result.rest), *apart],
    )


def _profile_text(profiler: cProfile.Profile, limit: int = 40) -> str:
    """The rest's profile: the functions with the most time of their own, then cumulative."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()
