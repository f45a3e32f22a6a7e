"""The script sandbox: every BPMN expression and script runs compiled by RestrictedPython, within
a CPU-time and a memory limit, and may leave only bounded, JSON-encodable task data.

SpiffWorkflow evaluates gateway conditions, timer expressions, service parameters and scripts
with plain ``eval``/``exec`` and full builtins, so a process file could read files or start
programs. Compiling with RestrictedPython refuses underscore names (the object-internals
escapes) at compile time, and its guards refuse unsafe attribute access at run time.

The limits are enforced in the process, not in a child process: ``bench/sandbox.py`` measured a
round trip to a resource-limited child at about a hundred times the cost of an expression, paid
by every gateway condition. Instead, the compiler adds a *tick* to every loop round, comprehension
item and function call; every 16th tick reads the thread's CPU time, the wall clock and the
process's resident memory. The wall clock bounds a script the CPU limit alone would let run for
seconds on a busy machine (a thread short of a core spends 1 s of CPU in 3 to 5 s). A single operation that could allocate or compute without bound in C (``**``, ``*``, ``+``
and ``%`` on sequences, ``<<``, ``range``, ``pow``, the padding and joining ``str`` methods) is
checked *before* it runs. The first limit exceeded stops the script for good: a script that
catches the error is stopped again at its next tick, and when it returns.
"""

from __future__ import annotations

import ast
import copy
import datetime
import hashlib
import math
import operator
import os
import pickle
import re
import resource
import time
from dataclasses import dataclass, field
from functools import lru_cache
from uuid import UUID

from django.conf import settings
from RestrictedPython import (
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
)
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .exceptions import ScriptDataRejected, ScriptLimitExceeded, ScriptRejected

# A number larger than this is refused before it is computed: one power or product of such size
# takes milliseconds; a thousand times larger, minutes in a single C call nothing can interrupt.
MAX_NUMBER_BITS = 1_000_000
# Task data nested deeper than this is refused (JSON cannot hold a list that contains itself).
MAX_DATA_DEPTH = 100
# Every 16th tick reads the clocks and the resident memory (a bit mask, not a modulo).
CHECK_MASK = 15
# An evaluation under the engine's lock that runs longer than this is stopped and done again with
# no lock held (``ScriptMemo``): what a script may keep everybody else waiting.
UNDER_LOCK_SECONDS = 0.01

_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("all", "any", "dict", "enumerate", "list", "max", "min", "set", "sorted", "sum")
}
# ``str`` methods refused outright: they can multiply a string's size by a table's content.
_REFUSED_METHODS = frozenset({"translate", "maketrans", "expandtabs"})
# Methods whose result size is checked before they run.
_SIZED_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "replace", "join", "extend"})
# A width or precision in a %-format, or a ``*`` taking one from the arguments.
_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


@dataclass(frozen=True)
class ScriptLimits:
    cpu_seconds: float
    memory_bytes: int
    data_bytes: int
    wall_seconds: float = 2.0

    @classmethod
    def from_settings(cls) -> ScriptLimits:
        return cls(
            cpu_seconds=float(getattr(settings, "WORKFLOWS_SCRIPT_CPU_SECONDS", 1.0)),
            memory_bytes=int(getattr(settings, "WORKFLOWS_SCRIPT_MEMORY_MB", 64)) * 1024 * 1024,
            data_bytes=int(getattr(settings, "WORKFLOWS_TASK_DATA_MAX_KB", 1024)) * 1024,
            wall_seconds=float(getattr(settings, "WORKFLOWS_SCRIPT_WALL_SECONDS", 2.0)),
        )


# -- compile time -------------------------------------------------------------------------------


def _call(name: str, *args: ast.expr, at: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])
    for node in (call, call.func):
        ast.copy_location(node, at)
    return call


_GUARDED_OPERATORS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.Mod: "_mod_"}
_GUARDED_OPERATORS[ast.LShift] = "_lshift_"


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus ticks in loops and calls and guards on growing operators."""

    def visit_BinOp(self, node: ast.BinOp):
        node = self.node_contents_visit(node)
        guard = _GUARDED_OPERATORS.get(type(node.op))
        if guard is None:
            return node
        return _call(guard, node.left, node.right, at=node)

    @staticmethod
    def _ticked(node):
        node.body.insert(0, ast.copy_location(ast.Expr(_call("_tick_", at=node)), node))
        return node

    def visit_While(self, node: ast.While):
        return self._ticked(self.node_contents_visit(node))

    def visit_FunctionDef(self, node: ast.FunctionDef):
        return self._ticked(super().visit_FunctionDef(node))

    def visit_Lambda(self, node: ast.Lambda):
        node = super().visit_Lambda(node)
        # ``_tick_()`` returns None, so ``None or body`` is the body.
        node.body = ast.copy_location(
            ast.BoolOp(op=ast.Or(), values=[_call("_tick_", at=node.body), node.body]), node.body
        )
        return node

    def visit_Import(self, node: ast.Import):
        self.error(node, "Import statements are not allowed.")
        return node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef):
        self.error(node, "Class definitions are not allowed.")
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue):
        spec = node.format_spec
        if spec is not None:
            constant = all(isinstance(v, ast.Constant) for v in spec.values)
            text = "".join(str(v.value) for v in spec.values) if constant else ""
            if not constant or _widest(re.findall(r"\d+", text)) > 10_000:
                self.error(node, "An f-string width must be a number of at most 10000.")
        return self.node_contents_visit(node)


def _widest(numbers) -> int:
    return max((int(n) for n in numbers if n and n.isdigit()), default=0)


def _compiled(result, source: str):
    if result.errors or result.code is None:
        raise ScriptRejected(
            f"流程表达式或脚本使用了不允许的写法：{'; '.join(result.errors)}",
            f"the BPMN expression or script uses a construct the sandbox refuses: "
            f"{'; '.join(result.errors)}",
            source=source,
        )
    return result.code


@lru_cache(maxsize=2048)
def compile_expression(expression: str):
    return _compiled(compile_restricted_eval(expression, policy=SandboxPolicy), expression)


@lru_cache(maxsize=512)
def compile_script(script: str):
    return _compiled(compile_restricted_exec(script, policy=SandboxPolicy), script)


# -- run time -----------------------------------------------------------------------------------

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_statm: tuple[int, int] | None = None  # (pid, fd): a forked worker opens its own


def resident_bytes() -> int:
    """The process's resident memory now (Linux), or its peak so far elsewhere."""
    global _statm
    pid = os.getpid()
    if _statm is None or _statm[0] != pid:
        try:
            _statm = (pid, os.open("/proc/self/statm", os.O_RDONLY))
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return int(os.pread(_statm[1], 64, 0).split()[1]) * _PAGE_SIZE


def _exceeded(limit: str, zh: str, en: str) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(zh, en, limit=limit)


class Budget:
    """The limits of one evaluation, and the guards its compiled code calls."""

    __slots__ = ("abort", "cpu_start", "limits", "rss_start", "ticks", "tripped", "wall_start")

    def __init__(self, limits: ScriptLimits, abort: EvaluateOutsideLock | None = None) -> None:
        self.limits = limits
        self.abort = abort
        self.ticks = 0
        self.cpu_start: float | None = None
        self.wall_start = 0.0
        self.rss_start = 0
        self.tripped: ScriptLimitExceeded | EvaluateOutsideLock | None = None

    def guards(self, names) -> dict:
        """The bound guards among ``names`` (those the compiled code refers to)."""
        return {name: getattr(self, GUARDS[name]) for name in names}

    # ticks: CPU time and resident memory, read every 16th tick
    def tick(self) -> None:
        self.ticks += 1
        if not self.ticks & CHECK_MASK:
            self.check()

    def getiter(self, iterable):
        # A local count is cheaper than the shared one; every 16th item checks all the same.
        for count, item in enumerate(iterable, 1):
            if not count & CHECK_MASK:
                self.check()
            yield item

    def start(self) -> None:
        # Loop-free expressions never pay for reading the clocks.
        self.cpu_start = time.thread_time()
        self.wall_start = time.monotonic()
        self.rss_start = resident_bytes()

    def check(self) -> None:
        if self.tripped is not None:
            raise self.tripped
        if self.cpu_start is None:
            self.start()
            return
        used = time.thread_time() - self.cpu_start
        if used > self.limits.cpu_seconds:
            self.trip(
                _exceeded(
                    "cpu",
                    f"脚本运行超过 CPU 时间上限 {self.limits.cpu_seconds:g} 秒，已被终止"
                    "（设置 WORKFLOWS_SCRIPT_CPU_SECONDS）",
                    f"the script exceeded its CPU-time limit of {self.limits.cpu_seconds:g} s "
                    f"and was stopped (setting WORKFLOWS_SCRIPT_CPU_SECONDS)",
                )
            )
        elapsed = time.monotonic() - self.wall_start
        if self.abort is not None and elapsed > UNDER_LOCK_SECONDS:
            self.trip(self.abort)
        if elapsed > self.limits.wall_seconds:
            self.trip(
                _exceeded(
                    "wall",
                    f"脚本运行超过时间上限 {self.limits.wall_seconds:g} 秒，已被终止"
                    "（设置 WORKFLOWS_SCRIPT_WALL_SECONDS）",
                    f"the script exceeded its wall-clock limit of {self.limits.wall_seconds:g} s "
                    f"and was stopped (setting WORKFLOWS_SCRIPT_WALL_SECONDS)",
                )
            )
        self.check_memory()

    def check_memory(self, pending: int = 0) -> None:
        if self.cpu_start is None:
            self.start()
        grown = resident_bytes() - self.rss_start + pending
        if grown > self.limits.memory_bytes:
            self.trip(self.memory_exceeded(f"it would grow the process by {grown // 2**20} MB"))

    def memory_exceeded(self, what: str) -> ScriptLimitExceeded:
        mb = self.limits.memory_bytes // 2**20
        return _exceeded(
            "memory",
            f"脚本超出内存上限 {mb} MB，已被终止（设置 WORKFLOWS_SCRIPT_MEMORY_MB）：{what}",
            f"the script exceeded its memory limit of {mb} MB and was stopped "
            f"(setting WORKFLOWS_SCRIPT_MEMORY_MB): {what}",
        )

    def trip(self, error: ScriptLimitExceeded | EvaluateOutsideLock):
        self.tripped = error
        raise error

    def finish(self) -> None:
        """A script that caught the limit's error and returned is still stopped."""
        if self.tripped is not None:
            raise self.tripped

    # sizes checked before an operation allocates
    def reserve(self, nbytes: int, what: str) -> None:
        if nbytes > self.limits.memory_bytes:
            self.trip(self.memory_exceeded(what))
        if nbytes > self.limits.memory_bytes >> 4:
            self.check_memory(pending=nbytes)

    def number(self, bits: int, what: str) -> None:
        if bits > MAX_NUMBER_BITS:
            self.trip(
                _exceeded(
                    "number",
                    f"脚本要计算的数过大（{what}，约 {bits:,} 位二进制），"
                    f"上限为 {MAX_NUMBER_BITS:,} 位",
                    f"the script asks for a number too large to compute ({what}, about "
                    f"{bits:,} bits; the limit is {MAX_NUMBER_BITS:,} bits)",
                )
            )

    def add(self, a, b):
        if type(a) in _NUMBERS:
            return a + b
        if isinstance(a, str | bytes | list | tuple) and isinstance(b, str | bytes | list | tuple):
            self.reserve(_size(a) + _size(b), "a concatenation")
        return a + b

    def mul(self, a, b):
        if isinstance(a, int) and isinstance(b, int):
            self.number(a.bit_length() + b.bit_length(), "a product")
        elif isinstance(a, str | bytes | list | tuple):
            self.reserve(_size(a) * _count(b), "a repeated sequence")
        elif isinstance(b, str | bytes | list | tuple):
            self.reserve(_size(b) * _count(a), "a repeated sequence")
        return a * b

    def pow(self, a, b, modulo=None):
        if modulo is None and isinstance(a, int) and isinstance(b, int) and b > 0:
            self.number(int(b * math.log2(abs(a))) + 1 if abs(a) > 1 else 1, "a power")
        return pow(a, b, modulo)

    def mod(self, a, b):
        if isinstance(a, str | bytes):
            specs = _PERCENT_WIDTH.findall(a if isinstance(a, str) else a.decode("latin-1"))
            if any("*" in spec for spec in specs):
                raise ScriptRejected(
                    "百分号格式中不允许用 * 指定宽度",
                    "a %-format may not take its width from the arguments (*)",
                    source=str(a),
                )
            self.reserve(_widest(n for spec in specs for n in spec) * 4, "a %-format width")
        return a % b

    def lshift(self, a, b):
        if isinstance(a, int) and isinstance(b, int) and b > 0:
            self.number(a.bit_length() + b, "a shift")
        return a << b

    def inplace(self, op: str, x, y):
        if op == "+=":
            return self.add(x, y)
        guarded = _INPLACE_GUARDED.get(op)
        if guarded is not None:
            return getattr(self, guarded)(x, y)
        operation = _INPLACE_PLAIN.get(op)
        if operation is None:
            raise ScriptRejected(f"不允许的运算符 {op}", f"operator {op} is not allowed")
        return operation(x, y)

    def range(self, *args):
        span = range(*args)
        self.reserve(len(span) * 8, f"a range of {len(span):,} numbers")
        return span

    def getattr(self, obj, name, *default):
        if name in _REFUSED_METHODS:
            raise ScriptRejected(
                f"沙箱不允许调用 {name}", f"the sandbox does not allow {name}", source=name
            )
        value = safer_getattr(obj, name, *default)
        if name in _SIZED_METHODS and isinstance(obj, str | bytes | list):
            return _SizedMethod(self, obj, name, value)
        return value


# The names compiled code calls, and the ``Budget`` method behind each.
GUARDS = {
    "_tick_": "tick",
    "_getiter_": "getiter",
    "_getattr_": "getattr",
    "_inplacevar_": "inplace",
    "_add_": "add",
    "_mul_": "mul",
    "_pow_": "pow",
    "_mod_": "mod",
    "_lshift_": "lshift",
    "range": "range",
    "pow": "pow",
}
_INPLACE_GUARDED = {"*=": "mul", "%=": "mod"}
_NUMBERS = frozenset({int, float, bool})
_INPLACE_PLAIN = {"-=": operator.sub, "/=": operator.truediv, "//=": operator.floordiv}


@lru_cache(maxsize=4096)
def guards_used(code) -> frozenset[str]:
    """The guards ``code`` (and the functions it defines) refers to: an expression that uses
    none, like most conditions, runs without a budget at all."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= guards_used(constant)
    return frozenset(names & GUARDS.keys())


def _count(value) -> int:
    try:
        return max(operator.index(value), 0)
    except TypeError:  # the operation itself will say what is wrong
        return 0


def _size(value) -> int:
    """Bytes a sequence takes, roughly: a character or byte each, a pointer per item."""
    return len(value) if isinstance(value, str | bytes) else len(value) * 8


class _SizedMethod:
    """A padding, replacing, joining or extending method whose result size is checked first."""

    __slots__ = ("budget", "method", "name", "obj")

    def __init__(self, budget: Budget, obj, name: str, method) -> None:
        self.budget, self.obj, self.name, self.method = budget, obj, name, method

    def __call__(self, *args, **kwargs):
        obj, name = self.obj, self.name
        if name == "join":
            items = list(self.budget.getiter(args[0]))
            total = sum(_size(i) for i in items) + _size(obj) * max(len(items) - 1, 0)
            self.budget.reserve(total, "a join")
            return self.method(items)
        if name == "extend":
            items = args[0] if isinstance(args[0], list | tuple | str) else list(args[0])
            self.budget.reserve(_size(obj) + _size(items), "an extended list")
            return self.method(items)
        if name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            count = obj.count(old) if len(args) < 3 or args[2] < 0 else args[2]
            self.budget.reserve(_size(obj) + count * max(len(new) - len(old), 0), "a replace")
        elif args and isinstance(args[0], int):  # ljust, rjust, center, zfill: a width
            self.budget.reserve(args[0], f"a width of {args[0]:,}")
        return self.method(*args, **kwargs)


SANDBOX_GLOBALS = {
    "__builtins__": {**safe_builtins, **_EXTRA_BUILTINS},
    "_getitem_": default_guarded_getitem,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "timedelta": datetime.timedelta,
    "timezone": datetime.timezone,
}


# -- the data a script leaves -------------------------------------------------------------------

# Leaves SpiffWorkflow's serializer stores as they are (it converts datetime, timedelta and UUID).
_SCALARS = (str, int, float, bool, type(None), datetime.datetime, datetime.timedelta, UUID)


def check_task_data(data: dict, limit_bytes: int) -> None:
    """Refuse task data JSON cannot hold, or larger than ``limit_bytes`` once encoded.

    One walk, stopping as soon as the estimate passes the limit: a script that left 100 MB is
    refused after reading about ``limit_bytes`` of it, not after serialising all of it.
    """
    total = 0
    # (value, the top-level variable it belongs to, depth)
    stack: list = [(value, name, 1) for name, value in data.items()]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DATA_DEPTH:
            raise _data_rejected(
                path, f"嵌套超过 {MAX_DATA_DEPTH} 层", f"nested deeper than {MAX_DATA_DEPTH} levels"
            )
        # A container's share is counted before its items are pushed: a list of a million
        # references to one big list is refused without a million entries on the stack.
        if isinstance(value, dict):
            total = _within(total + 2 + 4 * len(value), limit_bytes)
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _data_rejected(
                        path,
                        "键不是文字",
                        f"a key {type(key).__name__} is not text (JSON keys are)",
                    )
                total += len(key)
                stack.append((item, path, depth + 1))
        elif isinstance(value, list | tuple):
            total = _within(total + 2 + len(value), limit_bytes)
            stack.extend((item, path, depth + 1) for item in value)
        elif isinstance(value, str):
            total = _within(total + len(value) + 2, limit_bytes)
        elif isinstance(value, _SCALARS):
            total = _within(total + 8, limit_bytes)
        else:
            raise _data_rejected(
                path,
                f"类型 {type(value).__name__} 无法保存为 JSON",
                f"a {type(value).__name__} cannot be stored as JSON (use a list, a dict, text or "
                "a number)",
            )


def _within(total: int, limit_bytes: int) -> int:
    if total > limit_bytes:
        kb = limit_bytes // 1024
        raise ScriptLimitExceeded(
            f"脚本留下的任务数据超过上限 {kb} KB（设置 WORKFLOWS_TASK_DATA_MAX_KB）",
            f"the script left more task data than the limit of {kb} KB "
            "(setting WORKFLOWS_TASK_DATA_MAX_KB)",
            limit="data",
        )
    return total


def _data_rejected(path: str, zh: str, en: str) -> ScriptDataRejected:
    where = path or "(task data)"
    return ScriptDataRejected(
        f"脚本留下的变量 {where} 无法保存：{zh}",
        f"the script left a variable {where} that cannot be saved: {en}",
        variable=where,
    )


# -- the environment SpiffWorkflow calls --------------------------------------------------------


class EvaluateOutsideLock(BaseException):
    """An evaluation under the engine's lock ran past ``UNDER_LOCK_SECONDS``: the engine gives its
    locks back, evaluates ``source`` on ``snapshot`` (the pickled data) with none held, keeps the
    outcome in its ``ScriptMemo`` and runs the change again.

    A ``BaseException``: SpiffWorkflow turns every ``Exception`` of a script into a task error
    (and the engine into an incident); this must reach the engine untouched.
    """

    def __init__(self, kind: str, source: str, snapshot: bytes) -> None:
        super().__init__(source)
        self.kind, self.source, self.snapshot = kind, source, snapshot


@dataclass
class ScriptMemo:
    """The outcomes of slow evaluations, computed with no lock held, for one change.

    ``under_lock``: the engine holds its locks (the instance row; on SQLite the database's write
    lock), so an evaluation running past ``UNDER_LOCK_SECONDS`` is stopped with
    ``EvaluateOutsideLock``. ``evaluate_outside`` then runs it, within every limit, while nothing
    is locked, and keeps its outcome (result, task data or error) with the data it ran on; the
    engine's next try takes that outcome instead of running it again. An evaluation is a function
    of its data in the sandbox, so the kept outcome is the outcome; on other data it runs again.
    """

    under_lock: bool = True
    outcomes: dict[tuple[str, bytes], tuple[bool, object]] = field(default_factory=dict)

    @staticmethod
    def _snapshot(context: dict, external_context) -> bytes | None:
        try:
            return pickle.dumps((context, external_context), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # data the sandbox would refuse anyway: evaluate it under the lock
            return None

    @staticmethod
    def _key(source: str, snapshot: bytes) -> tuple[str, bytes]:
        return source, hashlib.blake2b(snapshot, digest_size=20).digest()

    def prepare(self, kind: str, source: str, context: dict, external_context):
        """(a kept outcome or None, the abort to arm or None) for this evaluation."""
        snapshot = None
        if self.outcomes or self.under_lock:
            snapshot = self._snapshot(context, external_context)
        if snapshot is None:
            return None, None
        kept = self.outcomes.get(self._key(source, snapshot))
        if kept is not None or not self.under_lock:
            return kept, None
        return None, EvaluateOutsideLock(kind, source, snapshot)

    def evaluate_outside(self, slow: EvaluateOutsideLock, limits: ScriptLimits | None = None):
        """Run the stopped evaluation on its data, no lock held, and keep its outcome."""
        environment = SandboxedEnvironment(limits)
        context, external_context = pickle.loads(slow.snapshot)
        try:
            if slow.kind == "exec":
                environment.execute(slow.source, context, external_context)
                outcome = (True, context)
            else:
                outcome = (True, environment.evaluate(slow.source, context, external_context))
        except Exception as exc:
            outcome = (False, exc)
        self.outcomes[self._key(slow.source, slow.snapshot)] = outcome


def _taken(kept: tuple[bool, object]):
    succeeded, outcome = kept
    if not succeeded:
        raise outcome
    return copy.deepcopy(outcome)


class SandboxedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment with the sandbox in place of eval/exec."""

    def __init__(self, limits: ScriptLimits | None = None, memo: ScriptMemo | None = None) -> None:
        super().__init__(SANDBOX_GLOBALS)
        self.limits = limits or ScriptLimits.from_settings()
        self.memo = memo

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        used = guards_used(code)
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        if not used:
            # No loop, call or growing operator: nothing to bound, nothing slow.
            return eval(code, scope)
        abort = None
        if self.memo is not None:
            kept, abort = self.memo.prepare("eval", expression, context, external_context)
            if kept is not None:
                return _taken(kept)
        budget = Budget(self.limits, abort)
        scope.update(budget.guards(used))
        try:
            return eval(code, scope)
        except MemoryError:
            raise budget.memory_exceeded("an allocation failed") from None
        finally:
            budget.finish()

    def check_for_overwrite(self, context, external_context):
        super().check_for_overwrite(context, {**external_context, **dict.fromkeys(GUARDS)})

    def execute(self, script, context, external_context=None):
        code = compile_script(script)
        self.check_for_overwrite(context, external_context or {})
        abort = None
        if self.memo is not None:
            kept, abort = self.memo.prepare("exec", script, context, external_context)
            if kept is not None:
                after = _taken(kept)
                context.clear()
                context.update(after)
                return True
        budget = Budget(self.limits, abort)
        before = dict(context)
        context.update(self.globals)
        context.update(budget.guards(guards_used(code)))
        context.update(external_context or {})
        try:
            try:
                exec(code, context)
            except MemoryError:
                raise budget.memory_exceeded("an allocation failed") from None
            finally:
                self._remove_globals_and_functions_from_context(context, external_context)
                budget.finish()
            check_task_data(context, self.limits.data_bytes)
        except Exception:
            _restore(context, before, self.limits.data_bytes)
            raise
        return True


def _restore(context: dict, before: dict, limit_bytes: int) -> None:
    """A failed script leaves the task data as it found it, so the instance can still be saved
    with its incident: its variables are undone, and a variable it broke in place is dropped."""
    context.clear()
    context.update(before)
    for name in list(context):
        try:
            check_task_data({name: context[name]}, limit_bytes)
        except (ScriptDataRejected, ScriptLimitExceeded):
            del context[name]


class SandboxedScriptEngine(PythonScriptEngine):
    def __init__(self, limits: ScriptLimits | None = None, memo: ScriptMemo | None = None) -> None:
        super().__init__(environment=SandboxedEnvironment(limits, memo))
