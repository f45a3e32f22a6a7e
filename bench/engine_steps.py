"""Benchmark 2: what the plugin costs per engine step, against bare SpiffWorkflow.

Both sides walk the path the demo takes through ``bpmn/completion_acceptance.bpmn`` (six nodes,
the first asking for one more record; one drawing sheet returned and resubmitted; a conditional
decision, the commitment signed, the tolerated items delivered by message and approved), with
every service operation answered at once by the same canned results, asynchronous ones included.

* raw: ``workflows.spiff.parse_bpmn``/``build_specs`` once, then per run a new ``BpmnWorkflow``
  with an ``InstanceScriptEngine`` (the same sandbox the plugin uses) whose dispatcher answers
  services; user tasks are completed with ``set_data``/``run``/``do_engine_steps`` and the message
  is sent with ``send_event``. Nothing is saved.
* floor: raw SpiffWorkflow's time per input plus one INSERT + COMMIT of a journal-sized row on the
  plugin's own database connection (the least an input that is kept can cost).
* plugin: ``workflows.engine.instance_start``/``task_complete``/``message_send`` on the deployed
  definition, against a model row (the bench owner's user row), with the process's operations
  re-registered in ``workflows.services.registry`` as synchronous canned handlers for the run and
  the real handlers restored afterwards. A canned handler takes a savepoint where the real one
  would: a synchronous handler that writes runs in one, a read-only one and an asynchronous one
  (whose work is a job outside the input) do not. Every input locks, loads, fires due timers, advances,
  journals, serializes, digests and re-projects the inbox, as in production.

An engine step is one user task completion, one service call or one message. Both sides count
them independently and must agree; the time of a run also includes starting the instance.
"""

from __future__ import annotations

import hashlib
import io
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .report import table

BPMN_PATH = Path(__file__).resolve().parent.parent / "bpmn" / "completion_acceptance.bpmn"
PROCESS_ID = "completion_acceptance"
OWNER = "bench_owner"
REVIEWER = "bench_reviewer"
NODES = ("piles", "enclosure", "main_structure", "steel_structure", "fit_out", "completion")
TOLERATED = ["C6-P3", "E3-2"]
FAR_FUTURE = "2999-12-31T00:00:00+00:00"
# What the demo's completeness check reported (its journal), so the state carries realistic data.
# fmt: off
PRESENT = [
    "A1-1", "A1-2", "A1-3", "A1-4", "A2-1", "A2-2", "A2-4", "A2-5", "A2-6", "A3-1", "A3-4",
    "A3-5", "A3-7", "A3-8", "A4-2", "A4-4", "A4-6", "A5-1", "A5-2", "A7-1", "A7-2", "A7-3",
    "A7-4", "B1-1", "B1-10", "B1-2", "B1-6", "B3-1", "B5-1", "B6-1", "C1-1", "C2-5", "C2-6",
    "C2-7", "C4-R1", "C5-1", "C5-12", "C5-4", "C5-9", "C6-P1", "C6-P2", "C7-3", "C7-4", "C8-2",
    "C8-3", "D-1", "D-10", "D-11", "D-12", "D-2", "D-3", "D-4", "D-6", "D-7", "D-8", "D-9",
    "E1-1", "E1-10", "E1-11", "E1-12", "E1-13", "E1-14", "E1-2", "E1-3", "E1-4", "E1-5", "E1-7",
    "E1-8", "E1-9", "E3-1",
]
# fmt: on


# -- the path -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserStep:
    task: str
    actor: str
    form: dict = field(default_factory=dict)  # what a user submits (the plugin validates it)
    actor_variable: str = ""  # set by the plugin from the user; the raw side sets it itself

    def raw_data(self) -> dict:
        data = dict(self.form)
        if self.actor_variable:
            data[self.actor_variable] = self.actor
        return data


@dataclass(frozen=True)
class MessageStep:
    name: str
    actor: str
    payload: dict


def _guidance(verdict: str, comment: str = "") -> UserStep:
    return UserStep("node_guidance", REVIEWER, {"guidance": verdict, "guidance_comment": comment})


def _node_submit() -> UserStep:
    return UserStep("node_submit", OWNER, {"declared_files": 2})


def demo_path() -> list[UserStep | MessageStep]:
    """The inputs ``acceptance.demo`` gives the process, in its order."""
    path: list[UserStep | MessageStep] = [
        _node_submit(),
        _guidance("more", "请补充 C6-P1 桩基检测报告"),
    ]
    for _node in NODES:
        path += [_node_submit(), _guidance("approve")]
    path += [
        UserStep("apply_acceptance", OWNER),
        UserStep(
            "drawing_review",
            REVIEWER,
            {"drawing_verdict": "return", "drawing_comment": "D-1 缺竣工图章，请加盖后重新提交"},
        ),
        UserStep("drawing_resubmit", OWNER),
        UserStep("drawing_review", REVIEWER, {"drawing_verdict": "approve", "drawing_comment": ""}),
        UserStep("media_review", REVIEWER, {"media_verdict": "approve", "media_comment": ""}),
        UserStep(
            "acceptance_decision",
            REVIEWER,
            {
                "decision": "conditional",
                "tolerated_items": TOLERATED,
                "comment": "主审要件齐全，同意容缺受理",
            },
            actor_variable="decided_by",
        ),
        UserStep("sign_commitment", OWNER, {"confirm": True}, actor_variable="signed_by"),
        MessageStep("commitment_delivered", OWNER, {"items": TOLERATED, "materials": [74, 75]}),
        UserStep(
            "check_delivery", REVIEWER, {"delivery_verdict": "approve", "delivery_comment": ""}
        ),
    ]
    return path


def initial_data() -> dict:
    """The process variables ``acceptance.services.cases.process_variables`` would give."""
    return {
        "case": "YS-BENCH",
        "owner": OWNER,
        "nodes": list(NODES),
        "node_results": [],
        "review_sla": "P5D",
    }


def canned_result(operation: str, params: dict) -> dict:
    """An instant answer shaped like the real handler's, steering the demo's path."""
    if operation == "acceptance.node_check":
        return {"node": params.get("node"), "failed": [], "missing": []}
    if operation == "acceptance.case_submit":
        return {"status": "under_review"}
    if operation == "acceptance.completeness_check":
        return {
            "acceptable": True,
            "complete": False,
            "missing_blocking": [],
            "missing_tolerable": list(TOLERATED),
            "present": list(PRESENT),
        }
    if operation == "acceptance.check_drawings":
        return {"checked": 11, "failed": []}
    if operation == "acceptance.drawings_to_check":
        return list(range(1, 12))
    if operation == "acceptance.check_drawing":
        material = params.get("material")
        return {"material": material, "checked": True, "passed": True, "name": f"{material}.dxf"}
    if operation == "acceptance.drawing_checks_summary":
        return {"checked": 11, "failed": []}
    if operation == "acceptance.check_media":
        return {"checked": 3, "failed": []}
    if operation == "acceptance.review_materials":
        return {"verdict": params.get("verdict"), "materials": 11}
    if operation == "acceptance.apply_decision":
        return {"outcome": params.get("decision"), "decision": 1, "commitment": 1}
    if operation == "acceptance.commitment_activate":
        return {"commitment": 1, "deadline": FAR_FUTURE}
    if operation == "certificates.issue":
        kind = params.get("kind")
        return {"number": f"BENCH-{kind}", "kind": kind, "pdf_sha256": "0" * 64}
    if operation == "acceptance.commitment_fulfil":
        return {"commitment": 1, "status": "fulfilled"}
    if operation == "acceptance.case_archive":
        return {"status": "archived"}
    raise RuntimeError(f"the demo's path does not call {operation!r}")


@dataclass(frozen=True)
class PathCounts:
    user_tasks: int
    services: int
    messages: int

    @property
    def steps(self) -> int:
        return self.user_tasks + self.services + self.messages


def _path_counts(path, services: int) -> PathCounts:
    messages = sum(isinstance(step, MessageStep) for step in path)
    return PathCounts(len(path) - messages, services, messages)


# -- raw SpiffWorkflow ----------------------------------------------------------------------------


class CannedDispatcher:
    def __init__(self) -> None:
        self.calls = 0

    def call_service(self, task, operation: str, params: dict) -> dict:
        self.calls += 1
        return canned_result(operation, params)


def raw_specs():
    from workflows.spiff import build_specs, parse_bpmn

    parser = parse_bpmn(BPMN_PATH.read_bytes(), BPMN_PATH.name)
    return build_specs(parser, PROCESS_ID)


@contextmanager
def _spiff_own_task_ids() -> Iterator[None]:
    from SpiffWorkflow.task import Task

    from workflows.spiff import SPIFF_TASK_INIT

    derived = Task.__init__
    Task.__init__ = SPIFF_TASK_INIT
    try:
        yield
    finally:
        Task.__init__ = derived


def run_raw(specs, path) -> tuple[float, PathCounts]:
    from SpiffWorkflow.bpmn import BpmnEvent
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    from workflows.spiff import BpmnWorkflow, InstanceScriptEngine, TaskState

    # The floor is the library as shipped: SpiffWorkflow's own task constructor, not the
    # plugin's derived task ids (workflows.spiff), which cost the plugin's side a few per cent.
    with _spiff_own_task_ids():
        spec, subprocess_specs = specs
        dispatcher = CannedDispatcher()
        start = time.perf_counter()
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.script_engine = InstanceScriptEngine(dispatcher=dispatcher)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(initial_data())
        workflow.do_engine_steps()
        for step in path:
            if isinstance(step, MessageStep):
                workflow.send_event(BpmnEvent(MessageEventDefinition(step.name), step.payload))
            else:
                ready = [
                    task
                    for task in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if task.task_spec.name == step.task
                ]
                if not ready:
                    raise RuntimeError(f"raw run: {step.task} is not ready")
                ready[0].set_data(**step.raw_data())
                ready[0].run()
            workflow.do_engine_steps()
        seconds = time.perf_counter() - start
    if not workflow.is_completed():
        raise RuntimeError("raw run: the workflow did not complete")
    return seconds, _path_counts(path, dispatcher.calls)


# -- the plugin -----------------------------------------------------------------------------------


class _Stopwatch:
    """Stands in for a callable and adds up the time spent in it."""

    def __init__(self, func) -> None:
        self.func = func
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.func(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


@contextmanager
def _stopwatches() -> Iterator[dict[str, _Stopwatch]]:
    """Time the plugin's parts where ``workflows.engine`` calls them (not nested in each other)."""
    import workflows.engine as engine

    targets = {
        "serialize_json": (engine, "dump_state"),
        "deserialize_json": (engine, "instance_workflow"),
        "state_digest": (engine, "state_digest"),
        "journal_append": (engine, "journal_append"),
        "project_user_tasks": (engine, "project_user_tasks"),
    }
    saved = {}
    watches = {}
    for label, (owner, name) in targets.items():
        saved[label] = (name in vars(owner), getattr(owner, name))
        watches[label] = _Stopwatch(getattr(owner, name))
        setattr(owner, name, watches[label])
    try:
        yield watches
    finally:
        for label, (owner, name) in targets.items():
            own_attribute, original = saved[label]
            if own_attribute:
                setattr(owner, name, original)
            else:
                delattr(owner, name)


@contextmanager
def canned_services(operations: set[str]) -> Iterator[CannedDispatcher]:
    """Swap the registered handlers of ``operations`` for synchronous canned ones, then restore.

    A canned handler writes nothing, but it stands for the real one: it is registered
    ``read_only`` (no SAVEPOINT + RELEASE around it) only where the real handler is read-only or
    asynchronous (its work runs in a job, outside the input), so the path pays the savepoints
    production pays.
    """
    from workflows.services import registry

    counter = CannedDispatcher()

    def handler(call, **params):
        return counter.call_service(None, call.operation, params)

    saved = {name: registry.get(name) for name in operations if name in registry}
    for name in operations:
        real = saved.get(name)
        registry.unregister(name)
        registry.register(
            name,
            handler,
            asynchronous=False,
            read_only=real is None or real.asynchronous or real.read_only,
        )
    try:
        yield counter
    finally:
        for name in operations:
            registry.unregister(name)
            if name in saved:
                registry.register(
                    name,
                    saved[name].handler,
                    asynchronous=saved[name].asynchronous,
                    read_only=saved[name].read_only,
                )


@dataclass
class PluginRun:
    seconds: float
    counts: PathCounts
    inputs: int
    parts: dict[str, float]
    state_bytes: int


@dataclass
class PluginSetup:
    users: dict
    business_object: object
    operations: set[str]


def plugin_setup() -> PluginSetup:
    """Deploy the process (as the demo does), and create one user per lane."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from workflows.definitions import latest_definition, load_specs
    from workflows.spiff import service_operations

    call_command("migrate", verbosity=0)
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    definition = latest_definition(PROCESS_ID)
    if definition.content_sha256 != hashlib.sha256(BPMN_PATH.read_bytes()).hexdigest():
        raise RuntimeError(f"the deployed {definition} is not {BPMN_PATH}")
    roles = getattr(settings, "WORKFLOWS_LANE_ROLES", {})
    users = {}
    for username, lane in ((OWNER, "owner"), (REVIEWER, "reviewer")):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.groups.add(Group.objects.get_or_create(name=roles.get(lane, lane))[0])
        users[username] = user
    return PluginSetup(
        users=users,
        business_object=users[OWNER],
        operations=service_operations(*load_specs(definition)),
    )


def run_plugin(setup: PluginSetup, path, counter: CannedDispatcher) -> PluginRun:
    from workflows.engine import instance_start, message_send, task_complete
    from workflows.journal import verify_chain
    from workflows.models import HumanTask

    counter.calls = 0
    business_key = f"BENCH-{uuid.uuid4().hex[:12].upper()}"
    users = setup.users
    with _stopwatches() as watches:
        start = time.perf_counter()
        instance = instance_start(
            process_id=PROCESS_ID,
            business_object=setup.business_object,
            business_key=business_key,
            data=initial_data(),
            actor=users[OWNER],
        )
        for step in path:
            if isinstance(step, MessageStep):
                message_send(
                    instance_id=instance.pk,
                    name=step.name,
                    payload=step.payload,
                    actor=users[step.actor],
                )
                continue
            row = (
                HumanTask.objects.open()
                .filter(instance=instance, task_name=step.task)
                .order_by("created_at")
                .first()
            )
            if row is None:
                raise RuntimeError(f"plugin run: no open {step.task} task on {business_key}")
            task_complete(task_id=row.task_id, user=users[step.actor], data=step.form)
        seconds = time.perf_counter() - start
    instance.refresh_from_db()
    if instance.status != instance.Status.COMPLETED or instance.incidents.exists():
        raise RuntimeError(f"plugin run: {business_key} ended {instance.status}")
    verdict = verify_chain(business_key)
    if not verdict.intact:
        raise RuntimeError(f"plugin run: {verdict.describe()}")
    return PluginRun(
        seconds=seconds,
        counts=_path_counts(path, counter.calls),
        inputs=1 + len(path),
        parts={label: watch.seconds for label, watch in watches.items()},
        state_bytes=len(instance.state.encode()),
    )


# -- measuring and reporting ----------------------------------------------------------------------


@dataclass
class QueryCounts:
    """SQL statements of one plugin run, in all and for each user task completion."""

    total: int
    per_completion: list[int]


def count_queries(setup: PluginSetup, path, counter: CannedDispatcher) -> QueryCounts:
    """SQL statements of one plugin run, counted in an extra run that is not timed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import workflows.engine as engine

    per_completion = []
    complete = engine.task_complete

    def counted_complete(**kwargs):
        before = len(queries.captured_queries)
        try:
            return complete(**kwargs)
        finally:
            per_completion.append(len(queries.captured_queries) - before)

    engine.task_complete = counted_complete
    try:
        with CaptureQueriesContext(connection) as queries:
            run_plugin(setup, path, counter)
    finally:
        engine.task_complete = complete
    return QueryCounts(len(queries.captured_queries), per_completion)


FLOOR_TABLE = "bench_floor_commit"
FLOOR_ROW = "x" * 1024  # about the size of a journal entry


def measure_commit_floor(rounds: int = 200) -> float:
    """Median seconds of one INSERT + COMMIT of a journal-sized row, on the plugin's database.

    Straight through the driver (no ORM, no savepoint): the least a database write costs that
    survives a crash. The table is made for the measurement and dropped after it.
    """
    from django.db import connection

    serial = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (id {serial} PRIMARY KEY, body TEXT NOT NULL)")
    placeholder = "%s" if connection.vendor == "postgresql" else "?"
    insert = f"INSERT INTO {FLOOR_TABLE} (body) VALUES ({placeholder})"
    driver = connection.connection
    seconds = []
    connection.set_autocommit(False)
    try:
        cursor = driver.cursor()
        for _ in range(rounds):
            start = time.perf_counter()
            cursor.execute(insert, (FLOOR_ROW,))
            driver.commit()
            seconds.append(time.perf_counter() - start)
        cursor.close()
    finally:
        connection.set_autocommit(True)
        with connection.cursor() as cleanup:
            cleanup.execute(f"DROP TABLE {FLOOR_TABLE}")
    return statistics.median(seconds)


@dataclass
class EngineResult:
    counts: PathCounts
    raw_seconds: list[float]
    plugin_runs: list[PluginRun]
    warmup: int
    queries: QueryCounts
    commit_seconds: float

    @property
    def median_plugin_run(self) -> PluginRun:
        ordered = sorted(self.plugin_runs, key=lambda run: run.seconds)
        return ordered[(len(ordered) - 1) // 2]


def measure(runs: int, warmup: int) -> EngineResult:
    path = demo_path()
    specs = raw_specs()
    raw_seconds = []
    raw_counts = None
    for index in range(warmup + runs):
        seconds, raw_counts = run_raw(specs, path)
        if index >= warmup:
            raw_seconds.append(seconds)

    setup = plugin_setup()
    plugin_runs = []
    with canned_services(setup.operations) as counter:
        for index in range(warmup + runs):
            run = run_plugin(setup, path, counter)
            if index >= warmup:
                plugin_runs.append(run)
        queries = count_queries(setup, path, counter)
    commit_seconds = measure_commit_floor()
    mismatched = [run.counts for run in plugin_runs if run.counts != raw_counts]
    if mismatched:
        raise RuntimeError(f"the two sides took different paths: {raw_counts} vs {mismatched[0]}")
    return EngineResult(raw_counts, raw_seconds, plugin_runs, warmup, queries, commit_seconds)


def report(result: EngineResult) -> str:
    counts = result.counts
    steps = counts.steps
    raw = statistics.median_low(result.raw_seconds)
    median_run = result.median_plugin_run
    plugin = median_run.seconds
    runs = len(result.raw_seconds)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f}"

    summary = table(
        ("engine step cost", "raw SpiffWorkflow", "plugin (workflows.engine)"),
        [
            ("whole path, median (ms)", ms(raw), ms(plugin)),
            (
                "whole path, min / max (ms)",
                f"{ms(min(result.raw_seconds))} / {ms(max(result.raw_seconds))}",
                f"{ms(min(r.seconds for r in result.plugin_runs))} / "
                f"{ms(max(r.seconds for r in result.plugin_runs))}",
            ),
            ("ms / step", f"{raw * 1000 / steps:.3f}", f"{plugin * 1000 / steps:.3f}"),
            ("ratio plugin / raw", "1.0x", f"{plugin / raw:.1f}x"),
            ("ms / input (transaction)", "-", f"{plugin * 1000 / median_run.inputs:.2f}"),
            ("SQL queries / input", "-", f"{result.queries.total / median_run.inputs:.1f}"),
        ],
    )
    inputs = median_run.inputs
    floor = raw / inputs + result.commit_seconds
    completions = result.queries.per_completion
    floor_lines = [
        f"floor per input: raw SpiffWorkflow {ms(raw / inputs)} ms + one INSERT + COMMIT "
        f"{ms(result.commit_seconds)} ms on the same database = {ms(floor)} ms",
        f"engine plugin/floor: {plugin / inputs / floor:.2f}×",
        f"engine statements/input: {result.queries.total / inputs:.1f}",
        f"engine statements/user task completion: median "
        f"{statistics.median_low(completions)}, max {max(completions)}",
    ]
    parts = median_run.parts
    serialization = parts["serialize_json"] + parts["deserialize_json"]
    accounted = sum(parts.values())
    breakdown_rows = [
        ("dump_state (save)", parts["serialize_json"]),
        ("instance_workflow (load)", parts["deserialize_json"]),
        ("  serialization, both", serialization),
        ("state_digest (journal + save)", parts["state_digest"]),
        ("journal_append", parts["journal_append"]),
        ("project_user_tasks (inbox)", parts["project_user_tasks"]),
        ("everything else", plugin - accounted),
        ("whole plugin step", plugin),
    ]
    breakdown = table(
        ("plugin step, median run", "ms / step", "share"),
        [
            (label, f"{seconds * 1000 / steps:.3f}", f"{seconds / plugin:.1%}")
            for label, seconds in breakdown_rows
        ],
    )
    notes = [
        f"path: {steps} steps per run = {counts.user_tasks} user tasks + {counts.services} "
        f"service calls + {counts.messages} message; the plugin takes them in "
        f"{median_run.inputs} inputs, one transaction each (start + {counts.user_tasks} "
        f"completions + {counts.messages} message)",
        f"median (lower median for an even count) of {runs} runs per side after "
        f"{result.warmup} warm-up run(s); the breakdown is the plugin's median run; SQL counted "
        f"in one extra untimed run ({result.queries.total} queries); saved state at the end: "
        f"{median_run.state_bytes / 1024:.1f} KB of JSON",
        "'everything else' = SpiffWorkflow itself, row locking, timer refresh, form cleaning, "
        "status queries, the task lookup, savepoints, commits",
    ]
    return "\n".join([summary, "", *floor_lines, "", breakdown, *notes])
