"""The apps' modules import each other without circles, lazy imports inside functions included
(they were how the circles hid: a service importing its Celery task module to queue a job)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from acceptance.samples import AS_BUILT_STAMP_FIELDS, make_as_built_dxf

REPO = Path(__file__).resolve().parents[1]
APPS = (
    "workflows",
    "acceptance",
    "access",
    "webhooks",
    "certificates",
    "signing",
    "api",
    "supervision",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    target = node.module or ""
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        target = ".".join([*base, *([node.module] if node.module else [])])
    # ``from package import module`` imports the module.
    return [target, *(f"{target}.{alias.name}" for alias in node.names)]


def import_graph() -> dict[str, set[str]]:
    paths = {
        _module_name(path): path
        for app in APPS
        for path in (REPO / app).rglob("*.py")
        if "migrations" not in path.parts
    }
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _imported(node, name, path.name == "__init__.py"):
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_detector_finds_a_circle_through_a_lazy_import():
    graph = {"a.services": {"a.tasks"}, "a.tasks": {"a.services"}, "a.models": set()}
    assert circles(graph) == [["a.services", "a.tasks"]]


def test_no_module_of_the_apps_imports_itself_round_a_circle():
    assert circles(import_graph()) == []


# The layers, lowest first: an app imports only apps of its own layer or below. The domains sit
# on the shared services; the API and the host site (config/) sit on the domains.
ENGINE = ("workflows",)
SERVICES = ("signing", "certificates", "webhooks")
DOMAINS = ("acceptance", "access", "supervision")


def _app(module: str) -> str:
    return module.partition(".")[0]


def upward_imports(graph: dict[str, set[str]], lower: tuple[str, ...], upper: tuple[str, ...]):
    """{module of a lower app: the modules of upper apps it imports}, lazy imports included."""
    found = {
        module: sorted(target for target in targets if _app(target) in upper)
        for module, targets in graph.items()
        if _app(module) in lower
    }
    return {module: targets for module, targets in found.items() if targets}


def test_the_detector_finds_a_lower_app_reaching_up_into_a_domain():
    graph = {"certificates.issue": {"acceptance.models", "signing.signers"}, "acceptance.x": set()}
    assert upward_imports(graph, SERVICES, DOMAINS) == {"certificates.issue": ["acceptance.models"]}


def test_no_app_below_a_domain_imports_a_domain():
    graph = import_graph()
    assert upward_imports(graph, ENGINE + SERVICES, DOMAINS) == {}
    assert upward_imports(graph, ENGINE, SERVICES) == {}


def test_the_signing_service_knows_no_certificate():
    assert upward_imports(import_graph(), ("signing",), ("certificates",)) == {}


def _celery_tasks(module: str) -> bool:
    return module in {f"{app}.tasks" for app in APPS}


def test_services_never_import_celery_task_modules():
    """A job reaches a worker through the outbox, which names its task; nobody imports tasks."""
    graph = import_graph()
    importers = {
        module: sorted(target for target in targets if _celery_tasks(target))
        for module, targets in graph.items()
        if not _celery_tasks(module)
    }
    assert {module: tasks for module, tasks in importers.items() if tasks} == {}


# Libraries that each take a large share of Django's own start to load: imported where they are
# used, so that commands which do not need them start quickly (bench/startup.py times it).
HEAVY = {
    "SpiffWorkflow",
    "ezdxf",
    "numpy",
    "scipy",
    "imagehash",
    "reportlab",
    "openpyxl",
    "av",
    "pyhanko",
    "pypdf",
    "pillow_heif",
}


def site_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ARCHIVE_DATA_DIR": str(tmp_path),
    }


def heavy_libraries_loaded(tmp_path: Path, code: str, heavy: set[str] = HEAVY) -> set[str]:
    """The heavy libraries a fresh process of the site holds after Django's start and ``code``."""
    script = (
        f"import django, json, sys; django.setup(); {code}; "
        "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=site_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return heavy & set(json.loads(done.stdout.splitlines()[-1]))


def test_django_starts_without_the_heavy_libraries(tmp_path):
    assert heavy_libraries_loaded(tmp_path, "pass") == set()


def test_the_format_identifier_is_loaded_by_the_first_check_not_at_start(tmp_path):
    """siegfried reads its signatures (0.3 s) only when a file is identified."""
    assert heavy_libraries_loaded(tmp_path, "import acceptance.checks", {"pygfried"}) == set()


def test_check_files_on_a_sound_drawing_loads_none_of_them(tmp_path):
    drawing = make_as_built_dxf(
        tmp_path / "A-101.dxf",
        project_name="启动测试项目",
        drawing_number="A-101",
        sheet_title="一层平面图",
        stamp={tag: "张伟" for tag in AS_BUILT_STAMP_FIELDS},
    )
    command = f"from django.core.management import call_command; call_command('check_files', {str(drawing)!r})"

    assert heavy_libraries_loaded(tmp_path, command) == set()


def test_the_system_check_finds_every_service_handler_in_a_fresh_process(tmp_path):
    """The apps' handlers.py are imported on the first lookup (here the check's), not at start."""
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "ERROR"],
        cwd=REPO,
        env=site_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "workflows.E00" not in done.stdout + done.stderr
