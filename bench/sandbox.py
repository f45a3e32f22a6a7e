"""Benchmark: what a limit on BPMN scripts costs per expression, by mechanism, against plain eval.

Every condition, timer and service parameter of ``bpmn/completion_acceptance.bpmn`` (read with
``workflows.spiff.task_spec_expressions``, as deploy reads them) and two short scripts is
evaluated against a realistic task data dict by five mechanisms, each timed per evaluation:

* **plain eval** (the floor): the code compiled once, run with ``eval``/``exec`` in a copy of a
  small globals dict plus the task data, as SpiffWorkflow's ``TaskDataEnvironment`` does.
* **RestrictedPython only**: RestrictedPython's compile and guards, no limits (the sandbox before
  limits existed).
* **sandbox (chosen)**: ``workflows.sandbox.SandboxedEnvironment``: RestrictedPython plus ticks,
  size guards and the task-data check after each script.
* **sandbox under the engine's lock**: the same, as the engine runs it while it holds its locks
  (``ScriptMemo(under_lock=True)``): an evaluation with guards first pickles its data, so that
  one running past 10 ms can be evaluated again with no lock held.
* **settrace budget**: RestrictedPython plus an opcode-counting ``sys.settrace`` tracer (an
  instruction budget enforced by the interpreter's trace hook).
* **child process**: a persistent child with ``RLIMIT_CPU``/``RLIMIT_AS`` that receives the
  expression and the task data through a pipe and sends the result back (the round trip only;
  a real one would also need a watchdog and a fresh child after each kill).

A second table runs one loop (10,000 rounds) as a script under plain exec and the sandbox: the
cost of a tick per round. A third table gives how long each hostile case takes to be stopped
under the default limits. Numbers are printed, never asserted.
"""

from __future__ import annotations

import copy
import datetime
import multiprocessing
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .report import table

BPMN_PATH = Path(__file__).resolve().parent.parent / "bpmn" / "completion_acceptance.bpmn"
# Every variable the process's expressions read, with values shaped like a demo case's.
DATA = {
    "comment": "请补充桩基检测报告",
    "commitment": {"deadline": "2030-01-31T00:00:00+00:00", "paused": False},
    "completeness": {"acceptable": True, "missing": [], "present": ["A1-1"] * 70},
    "decided_by": "reviewer",
    "decision": "conditional",
    "declared_bytes": 52_428_800,
    "declared_files": 12,
    "delivery_verdict": "approve",
    "drawing_comment": "",
    "drawing_id": 17,
    "drawing_results": [{"sheet": "A-101", "passed": True}],
    "drawing_verdict": "approve",
    "guidance": "approve",
    "media_comment": "",
    "media_verdict": "approve",
    "node": "piles",
    "recorded": 3,
    "review_sla": "P5D",
    "signed_by": "owner",
    "started": datetime.datetime(2030, 1, 1, 8, 0),
    "tolerated_items": ["C6-P3", "E3-2"],
    "withdrawal": False,
}
# The process has no script tasks; two short scripts of the plugin's own test processes stand in.
SCRIPTS = [("recorded += 1", "exec"), ("due = started + timedelta(days=30)", "exec")]
LOOP_SCRIPT = "total = 0\nfor i in range(10000):\n    total += i * i\n"
HOSTILE = [
    ("busy loop (`while True: pass`)", "exec", "while True:\n    pass"),
    ("huge power (`10 ** 10 ** 10`)", "eval", "10 ** 10 ** 10"),
    ("10 GB string (`'x' * 10 * 1024 ** 3`)", "exec", "text = 'x' * (10 * 1024 ** 3)"),
    ("doubling string in a loop", "exec", "text = 'x'\nwhile True:\n    text = text + text"),
    ("100 MB of task data", "exec", "rows = ['x' * 1024] * (100 * 1024)"),
]


@dataclass
class Mechanism:
    name: str
    micros: float  # median µs per evaluation, over the expressions


@dataclass
class SandboxFigures:
    expressions: int
    kinds: dict
    mechanisms: list[Mechanism]
    loop_plain_ms: float
    loop_sandbox_ms: float
    hostile: list[tuple[str, float, str]]


def _expressions() -> list[tuple[str, str]]:
    from workflows.spiff import (
        build_specs,
        executable_process_ids,
        parse_bpmn,
        task_spec_expressions,
    )

    parser = parse_bpmn(BPMN_PATH.read_bytes(), BPMN_PATH.name)
    found = []
    for process_id in executable_process_ids(parser):
        spec, subprocess_specs = build_specs(parser, process_id)
        for process_spec in (spec, *subprocess_specs.values()):
            for task_spec in process_spec.task_specs.values():
                found += [(source, mode) for _, source, mode in task_spec_expressions(task_spec)]
    return sorted(set(found)) + SCRIPTS


def _per_call(run, rounds: int) -> float:
    """Median of five batches, in µs per call."""
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            run()
        batches.append((time.perf_counter() - start) / rounds * 1e6)
    return statistics.median(batches)


def _runner(kind: str, source: str, mode: str):
    """A zero-argument callable evaluating ``source`` once with mechanism ``kind``."""
    from RestrictedPython import compile_restricted_eval, compile_restricted_exec
    from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
    from RestrictedPython.Guards import safe_builtins, safer_getattr

    from workflows.sandbox import SANDBOX_GLOBALS, SandboxedEnvironment, ScriptMemo

    plain_globals = {"datetime": datetime.datetime, "timedelta": datetime.timedelta}
    restricted_globals = {
        **SANDBOX_GLOBALS,
        "__builtins__": {**safe_builtins, "sorted": sorted, "len": len},
        "_getattr_": safer_getattr,
        "_getiter_": default_guarded_getiter,
        "_getitem_": default_guarded_getitem,
        "_inplacevar_": lambda op, x, y: x + y,
    }
    if kind == "plain":
        code = compile(source, "<bpmn>", mode)
        return _scoped(code, mode, plain_globals)
    if kind in ("restricted", "settrace"):
        compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
        run = _scoped(compiled.code, mode, restricted_globals)
        return _traced(run) if kind == "settrace" else run
    if kind in ("sandbox", "sandbox-locked"):
        memo = ScriptMemo(under_lock=True) if kind == "sandbox-locked" else None
        environment = SandboxedEnvironment(memo=memo)
        if mode == "eval":
            return lambda: environment.evaluate(source, dict(DATA))
        return lambda: environment.execute(source, dict(DATA))
    raise ValueError(kind)


def _scoped(code, mode: str, globals_: dict):
    def run():
        scope = copy.copy(globals_)
        scope.update(DATA)
        return eval(code, scope) if mode == "eval" else exec(code, scope)

    return run


def _traced(run):
    """``run`` under an opcode-counting tracer with a budget, as an instruction limit would."""

    def run_traced():
        budget = [1_000_000]

        def tracer(frame, event, arg):
            frame.f_trace_opcodes = True
            budget[0] -= 1
            if budget[0] < 0:
                raise RuntimeError("instruction budget exceeded")
            return tracer

        sys.settrace(tracer)
        try:
            return run()
        finally:
            sys.settrace(None)

    return run_traced


def _child(connection) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
    while True:
        message = connection.recv()
        if message is None:
            return
        source, mode, data = message
        scope = {"datetime": datetime.datetime, "timedelta": datetime.timedelta, **data}
        try:
            result = eval(source, scope) if mode == "eval" else exec(source, scope)
        except Exception as exc:  # the parent only times the round trip
            result = repr(exc)
        connection.send(result)


def _child_round_trip(sources: list[tuple[str, str]], rounds: int) -> float:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=_child, args=(child,))
    process.start()
    try:
        timings = []
        for source, mode in sources:

            def run(source=source, mode=mode):
                parent.send((source, mode, DATA))
                return parent.recv()

            timings.append(_per_call(run, rounds))
        return statistics.median(timings)
    finally:
        parent.send(None)
        process.join(5)


def _hostile_times() -> list[tuple[str, float, str]]:
    from workflows.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment()
    rows = []
    for name, mode, source in HOSTILE:
        start = time.perf_counter()
        try:
            if mode == "eval":
                environment.evaluate(source, {})
            else:
                environment.execute(source, {})
            answer = "ran (not stopped)"
        except Exception as exc:
            answer = f"{type(exc).__name__} ({getattr(exc, 'data', {}).get('limit', '-')})"
        rows.append((name, time.perf_counter() - start, answer))
    return rows


def measure(rounds: int = 2000) -> SandboxFigures:
    sources = _expressions()
    mechanisms = []
    for kind, name in (
        ("plain", "plain eval (floor)"),
        ("restricted", "RestrictedPython only"),
        ("sandbox", "sandbox with limits (chosen)"),
        ("sandbox-locked", "sandbox under the engine's lock (chosen)"),
        ("settrace", "RestrictedPython + settrace budget"),
    ):
        timings = [_per_call(_runner(kind, source, mode), rounds) for source, mode in sources]
        mechanisms.append(Mechanism(name, statistics.median(timings)))
    mechanisms.append(
        Mechanism("child process with rlimits", _child_round_trip(sources, rounds // 10))
    )
    loop_plain = _per_call(_runner("plain", LOOP_SCRIPT, "exec"), 20) / 1000
    loop_sandbox = _per_call(_runner("sandbox", LOOP_SCRIPT, "exec"), 20) / 1000
    kinds = {
        "conditions and expressions": sum(1 for _, mode in sources if mode == "eval"),
        "scripts": sum(1 for _, mode in sources if mode == "exec"),
    }
    return SandboxFigures(
        expressions=len(sources),
        kinds=kinds,
        mechanisms=mechanisms,
        loop_plain_ms=loop_plain,
        loop_sandbox_ms=loop_sandbox,
        hostile=_hostile_times(),
    )


def report(figures: SandboxFigures) -> str:
    floor = figures.mechanisms[0].micros
    kinds = ", ".join(f"{count} {kind}" for kind, count in figures.kinds.items())
    lines = [
        f"## Script sandbox: cost per expression ({figures.expressions} expressions of "
        f"completion_acceptance.bpmn: {kinds}; median µs per evaluation)",
        "",
        table(
            ["mechanism", "µs / expression", "× plain eval"],
            [(m.name, f"{m.micros:.2f}", f"{m.micros / floor:.1f}") for m in figures.mechanisms],
        ),
        "",
        table(
            ["loop of 10,000 rounds (script)", "ms", "× plain exec"],
            [
                ("plain exec (floor)", f"{figures.loop_plain_ms:.2f}", "1.0"),
                (
                    "sandbox (a tick per round)",
                    f"{figures.loop_sandbox_ms:.2f}",
                    f"{figures.loop_sandbox_ms / figures.loop_plain_ms:.1f}",
                ),
            ],
        ),
        "",
        table(
            ["hostile case (default limits)", "s to stop", "answer (limit)"],
            [(name, f"{seconds:.2f}", answer) for name, seconds, answer in figures.hostile],
        ),
    ]
    return "\n".join(lines)
