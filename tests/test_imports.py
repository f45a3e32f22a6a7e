"""The apps' modules import each other without circles, lazy imports inside functions included
(they were how the circles hid: a service importing its Celery task module to queue a job)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APPS = ("workflows", "acceptance", "webhooks", "certificates", "api")


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
