"""The script sandbox: BPMN expressions can compute, but cannot reach the host."""

from __future__ import annotations

from datetime import datetime

import pytest

from workflows.exceptions import ScriptRejected
from workflows.models import Incident
from workflows.sandbox import SandboxedEnvironment, SandboxedScriptEngine

from .helpers import journal_kinds

DATA = {
    "decision": "accept",
    "commitment": {"deadline": "2030-01-31T00:00:00+00:00"},
    "items": ["drawings", "photos", "video"],
    "started": datetime(2030, 1, 1, 8, 0),
}


def evaluate(expression: str, **data):
    return SandboxedEnvironment().evaluate(expression, {**DATA, **data})


def execute(script: str, **data) -> dict:
    context = {**DATA, **data}
    SandboxedEnvironment().execute(script, context)
    return context


@pytest.mark.parametrize(
    ("expression", "refused"),
    [
        ("().__class__.__bases__[0].__subclasses__()", '"__subclasses__" is an invalid attribute'),
        ('__import__("os").system("id")', '"__import__" is an invalid variable name'),
        ('exec("import os")', "Exec calls are not allowed"),
        ('eval("1 + 1")', "Eval calls are not allowed"),
        ("(x for x in ()).gi_frame.f_back.f_globals", '"f_globals" is a restricted name'),
        ("decision.__class__", '"__class__" is an invalid attribute name'),
        ("breakpoint()", '"breakpoint" is a reserved name'),
    ],
    ids=["subclasses", "import", "exec", "eval", "frames", "dunder", "breakpoint"],
)
def test_an_object_internals_or_code_execution_escape_is_refused_before_it_runs(
    expression, refused
):
    with pytest.raises(ScriptRejected) as excinfo:
        evaluate(expression)

    error = excinfo.value
    assert error.code == "script_rejected"
    assert refused in error.message_en
    assert error.data == {"source": expression}


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ('open("/etc/passwd").read()', "open"),
        ('getattr(1, "__class__")', "getattr"),
        ('compile("1", "x", "eval")', "compile"),
        ("[exec][0]('import os')", "exec"),
        ("globals()", "globals"),
        ("type(1)", "type"),
    ],
)
def test_dangerous_builtins_simply_do_not_exist_in_the_sandbox(expression, name):
    with pytest.raises(NameError, match=f"name '{name}' is not defined"):
        evaluate(expression)


@pytest.mark.parametrize(
    "expression", ['"{0.__class__}".format(1)', '"{a.__class__}".format_map({"a": 1})']
)
def test_string_formatting_that_could_walk_object_internals_is_refused(expression):
    with pytest.raises(NotImplementedError, match="format\\*\\(\\) methods of `str` is not safe"):
        evaluate(expression)


def test_a_script_with_an_import_statement_cannot_import():
    with pytest.raises(ImportError, match="__import__ not found"):
        execute("import os")


def test_a_script_reaching_for_object_internals_is_refused():
    with pytest.raises(ScriptRejected) as excinfo:
        execute("kind = decision.__class__")

    assert excinfo.value.code == "script_rejected"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('decision == "accept"', True),
        ('decision == "return"', False),
        ('commitment["deadline"]', "2030-01-31T00:00:00+00:00"),
        ("len(items) > 2", True),
        ('"photos" in items and not "maps" in items', True),
        ("sorted(items)[0]", "drawings"),
        ("sum([len(i) for i in items])", 8 + 6 + 5),
        ("max(items, key=lambda i: len(i))", "drawings"),
        ("started + timedelta(days=30)", datetime(2030, 1, 31, 8, 0)),
        (
            'datetime.fromisoformat(commitment["deadline"]) - timedelta(hours=1)',
            datetime.fromisoformat("2030-01-30T23:00:00+00:00"),
        ),
        (
            'datetime.fromisoformat(commitment["deadline"]) > datetime(2029, 12, 31, tzinfo=timezone.utc)',
            True,
        ),
        ("datetime.now(timezone.utc).tzinfo == timezone.utc", True),
        ('"P%dD" % 5', "P5D"),
    ],
)
def test_ordinary_process_expressions_work(expression, expected):
    assert evaluate(expression) == expected


def test_a_script_can_compute_new_variables():
    context = execute(
        "total = 0\n"
        "for item in items:\n"
        "    total += len(item)\n"
        "due = started + timedelta(days=total)\n"
        "first, *rest = items\n"
    )

    assert context["total"] == 19
    assert context["due"] == datetime(2030, 1, 20, 8, 0)
    assert context["first"] == "drawings"
    assert context["rest"] == ["photos", "video"]
    # The sandbox's own names do not leak into the task data.
    assert "_getattr_" not in context
    assert "timedelta" not in context


def test_the_script_engine_evaluates_through_the_sandbox():
    engine = SandboxedScriptEngine()

    assert engine.environment.evaluate("len(items)", {"items": [1, 2]}) == 2
    with pytest.raises(ScriptRejected):
        engine.environment.evaluate("items.__len__()", {"items": [1, 2]})


@pytest.mark.django_db
def test_a_gateway_condition_trying_an_escape_becomes_an_incident_not_a_shell_command(
    deploy, start, tmp_path
):
    marker = tmp_path / "escaped"
    deploy("escape_gateway.bpmn")

    instance = start("wf_escape", key="ESCAPE-1", marker=str(marker))

    assert not marker.exists()
    assert instance.status == "incident"
    incident = Incident.objects.get(instance=instance)
    assert incident.error_type == "ScriptRejected"
    assert '"__import__" is an invalid variable name' in incident.message
    assert incident.task_name == "choose"
    assert journal_kinds("ESCAPE-1") == ["instance.started", "incident.raised"]
