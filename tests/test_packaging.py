"""One list of runtime dependencies: pyproject.toml declares what the apps import, and
requirements.txt pins exactly that (plus the host site's extra)."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "workflows",
    "acceptance",
    "access",
    "certificates",
    "signing",
    "webhooks",
    "api",
    "supervision",
)


def declared() -> tuple[dict[str, Requirement], dict[str, Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    apps = [Requirement(line) for line in project["dependencies"]]
    site = [Requirement(line) for line in project["optional-dependencies"]["site"]]
    return (
        {canonicalize_name(r.name): r for r in apps},
        {canonicalize_name(r.name): r for r in site},
    )


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{line}: not an exact pin"
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_requirements_pin_exactly_the_declared_packages_within_their_ranges():
    apps, site = declared()
    pins = pinned()
    assert sorted(pins) == sorted(apps | site)
    outside = {
        name: pins[name]
        for name, requirement in (apps | site).items()
        if not requirement.specifier.contains(pins[name], prereleases=True)
    }
    assert outside == {}


def imported_top_level_modules() -> set[str]:
    modules = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - set(APPS)


def test_every_package_the_apps_import_is_declared():
    apps, _site = declared()
    distributions = packages_distributions()
    undeclared = {
        module: distributions.get(module)
        for module in imported_top_level_modules()
        if not any(canonicalize_name(d) in apps for d in distributions.get(module, []))
    }
    assert undeclared == {}
