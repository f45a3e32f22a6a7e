"""The script sandbox: every BPMN expression and script runs compiled by RestrictedPython.

SpiffWorkflow evaluates gateway conditions, timer expressions, service parameters and scripts
with plain ``eval``/``exec`` and full builtins, so a process file could read files or start
programs. Compiling with RestrictedPython refuses underscore names (the object-internals
escapes) at compile time, and its guards refuse unsafe attribute access at run time. It does not
bound CPU or memory: deploying a process file is a privileged act of archive staff.
"""

from __future__ import annotations

import copy
import datetime
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .exceptions import ScriptRejected

_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("all", "any", "dict", "enumerate", "list", "max", "min", "set", "sorted", "sum")
}


def _inplace(op: str, x, y):
    operations = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
    }
    if op not in operations:
        raise ScriptRejected(f"不允许的运算符 {op}", f"operator {op} is not allowed")
    return operations[op](x, y)


SANDBOX_GLOBALS = {
    "__builtins__": {**safe_builtins, **_EXTRA_BUILTINS},
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplace,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "timedelta": datetime.timedelta,
    "timezone": datetime.timezone,
}


def _rejected(source: str, errors: tuple[str, ...]) -> ScriptRejected:
    return ScriptRejected(
        f"流程表达式或脚本使用了不允许的写法：{'; '.join(errors)}",
        f"the BPMN expression or script uses a construct the sandbox refuses: {'; '.join(errors)}",
        source=source,
    )


@lru_cache(maxsize=2048)
def compile_expression(expression: str):
    result = compile_restricted_eval(expression)
    if result.errors or result.code is None:
        raise _rejected(expression, result.errors)
    return result.code


@lru_cache(maxsize=512)
def compile_script(script: str):
    result = compile_restricted_exec(script)
    if result.errors or result.code is None:
        raise _rejected(script, result.errors)
    return result.code


class SandboxedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment with RestrictedPython in place of eval/exec."""

    def __init__(self) -> None:
        super().__init__(SANDBOX_GLOBALS)

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = compile_script(script)
        self.check_for_overwrite(context, external_context or {})
        context.update(copy.copy(self.globals))
        context.update(external_context or {})
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


class SandboxedScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SandboxedEnvironment())
