"""Benchmark 1: whole acceptance cases per second, driven through ``acceptance.demo.Demo``.

The demo is prepared once (migrate, deploy, catalog, users); each case then runs the whole story
(register, prefile, review, decide, fulfil, finish) with a silent ``say``. A case's time includes
generating its sample files, the checks on them and rendering both certificates; with a worker it
also includes the demo's polling for results (every 0.2 s).

A case that fails (an incident, a timeout, an unfinished process or a broken journal) is recorded
with its reason and left out of the per-case figures; the next case still runs.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .report import table


@dataclass
class CasesResult:
    attempted: int
    prepare_seconds: float
    wall_seconds: float = 0.0  # all attempts, failed ones included
    case_seconds: list[float] = field(default_factory=list)  # completed cases only
    journal_entries: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return len(self.case_seconds)


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


def run_cases(count: int, *, workdir: Path, wait_seconds: float) -> CasesResult:
    """Run ``count`` demo cases one after another and time each from registration to finish."""
    from acceptance.demo import Demo

    workdir.mkdir(parents=True, exist_ok=True)
    demo = Demo(_quiet, workdir, wait_seconds)
    start = time.perf_counter()
    demo.prepare()
    result = CasesResult(attempted=count, prepare_seconds=time.perf_counter() - start)
    for _ in range(count):
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
        result.wall_seconds += time.perf_counter() - start
    return result


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
    lines = [table(("cases end to end (acceptance.demo.Demo)", "value"), rows)]
    lines += [f"FAILED case {failure}" for failure in result.failures]
    return "\n".join(lines)
