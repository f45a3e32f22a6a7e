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

import importlib
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
    "certificate PDF, OFD, signing": (
        ("certificates.pdf", "render_certificate_pdf"),
        ("certificates.ofd", "sealed_certificate_ofd"),
        ("signing.signers.PadesSigner", "sign"),
        ("signing.signers.PadesSigner", "sign_detached"),
    ),
    "archival package checked, written, verified": (
        ("acceptance.tasks", "archival_package_make"),
        ("acceptance.demo", "verify_bundle"),
    ),
}


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

    @property
    def completed(self) -> int:
        return len(self.case_seconds)

    @property
    def file_work_seconds(self) -> float:
        return sum(self.file_seconds.values())

    @property
    def rest_seconds(self) -> float:
        """Completed cases' time without file work and without waiting for the worker."""
        return sum(self.case_seconds) - self.file_work_seconds - self.wait_seconds


class _FileWorkClock:
    """Seconds spent in the outermost file-work call, per label (nested calls are not added)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(FILE_WORK, 0.0)
        self.waiting = 0.0
        self._depth = 0

    def timed(self, label: str, func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            self._depth += 1
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds[label] += time.perf_counter() - start

        return wrapper

    def sleep(self, seconds: float) -> None:
        start = time.perf_counter()
        time.sleep(seconds)
        self.waiting += time.perf_counter() - start

    def reset(self) -> None:
        self.seconds = dict.fromkeys(FILE_WORK, 0.0)
        self.waiting = 0.0


def _owner(dotted: str):
    """The module, or a class inside a module, that ``dotted`` names."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        module, _, name = dotted.rpartition(".")
        return getattr(importlib.import_module(module), name)


@contextmanager
def _file_work_clock() -> Iterator[_FileWorkClock]:
    """Wrap every FILE_WORK function, and the demo's polling sleep, for the run."""
    import acceptance.demo as demo_module

    clock = _FileWorkClock()
    originals = []
    for label, places in FILE_WORK.items():
        for dotted, attribute in places:
            owner = _owner(dotted)
            original = owner.__dict__[attribute]
            originals.append((owner, attribute, original))
            setattr(owner, attribute, clock.timed(label, original))
    originals.append((demo_module, "time", demo_module.time))
    demo_module.time = SimpleNamespace(monotonic=time.monotonic, sleep=clock.sleep)
    try:
        yield clock
    finally:
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
    count: int, *, workdir: Path, wait_seconds: float, in_process: bool = False
) -> CasesResult:
    """Run ``count`` demo cases one after another and time each from registration to finish.

    ``in_process``: the cases' jobs run in this process when their transaction commits (Celery
    eager), as in the embedded mode, whatever the database: one core's work, nothing waited for.
    """
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = eager or in_process
    try:
        return _run_cases(count, workdir=workdir, wait_seconds=wait_seconds)
    finally:
        app.conf.task_always_eager = eager


def _run_cases(count: int, *, workdir: Path, wait_seconds: float) -> CasesResult:
    from acceptance.demo import Demo

    workdir.mkdir(parents=True, exist_ok=True)
    demo = Demo(_quiet, workdir, wait_seconds)
    start = time.perf_counter()
    demo.prepare()
    result = CasesResult(attempted=count, prepare_seconds=time.perf_counter() - start)
    with _file_work_clock() as clock:
        for _ in range(count):
            _run_case(demo, result, clock)
    return result


def _run_case(demo, result: CasesResult, clock: _FileWorkClock) -> None:
    clock.reset()
    start = time.perf_counter()
    reference = "(not registered)"
    try:
        case = demo.register()
        reference = case.reference
        demo.prefile(case)
        demo.review(case)
        demo.decide(case)
        demo.fulfil(case)
        entries = _check(demo.finish(case))
    except Exception as exc:  # recorded and reported; one broken case must not hide the rest
        result.failures.append(f"{reference}: {_reason(exc)}")
    else:
        result.case_seconds.append(time.perf_counter() - start)
        result.journal_entries.append(entries)
        for label, seconds in clock.seconds.items():
            result.file_seconds[label] = result.file_seconds.get(label, 0.0) + seconds
        result.wait_seconds += clock.waiting
    result.wall_seconds += time.perf_counter() - start


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
            (
                "the rest: engine, database, services (s / case)",
                f"{result.rest_seconds / completed:.2f}",
            ),
        ]
    lines = [table(("cases end to end (acceptance.demo.Demo)", "value"), rows)]
    if seconds:
        # The line issue #19 reads: cases per second of this process's work, file work excluded.
        lines.append(
            f"cases/s with file work excluded: {result.completed / result.rest_seconds:.2f}"
        )
    lines += [f"FAILED case {failure}" for failure in result.failures]
    return "\n".join(lines)
