"""Anyone recomputes a published draw offline: the management command and the standalone script
(plain ``python3``, standard library only) print the same selection."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

import supervision
from supervision import verify_draw
from supervision.services import plan_draw

SCRIPT = Path(supervision.__file__).with_name("verify_draw.py")


@pytest.fixture
def draw_file(world, tmp_path):
    plan = world.ready()
    draw = plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(draw.document, ensure_ascii=False), encoding="utf-8")
    return path, draw


def run_script(path: Path) -> subprocess.CompletedProcess:
    # -I: isolated, so nothing of the product or its virtual environment can be imported.
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(path)], capture_output=True, text=True, cwd="/"
    )


def test_the_script_and_the_command_print_the_same_selection_as_published(draw_file):
    path, draw = draw_file
    out = StringIO()
    call_command("verify_draw", str(path), stdout=out)
    script = run_script(path)

    assert script.returncode == 0, script.stderr
    assert script.stdout.strip() == out.getvalue().strip()
    first = draw.result[0]
    assert f"1. {first['target']} [{first['stratum']}] ← {', '.join(first['inspectors'])}" in (
        script.stdout
    )
    assert "与公布结果一致 The published result recomputes identically" in script.stdout


def test_the_script_imports_only_the_standard_library():
    imported = {
        line.split()[1].split(".")[0]
        for line in SCRIPT.read_text().splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_a_changed_result_is_reported_and_fails(draw_file):
    path, _ = draw_file
    document = json.loads(path.read_text())
    document["result"][0]["target"] = "YS-2026-0099"
    path.write_text(json.dumps(document, ensure_ascii=False))

    script = run_script(path)
    with pytest.raises(CommandError):
        call_command("verify_draw", str(path), stdout=StringIO())

    assert script.returncode == 1
    assert "与公布结果不一致 The published result DIFFERS" in script.stdout


def test_an_exclusion_dropped_from_the_file_fails(draw_file):
    """Swapping which coded inspector may inspect a target changes the publication digest."""
    path, draw = draw_file
    document = json.loads(path.read_text())
    document["exclusions"] = {draw.result[0]["target"]: {draw.result[0]["inspectors"][0]: "x"}}
    path.write_text(json.dumps(document, ensure_ascii=False))

    script = run_script(path)
    with pytest.raises(CommandError):
        call_command("verify_draw", str(path), stdout=StringIO())

    assert script.returncode == 1
    assert "与公布结果不一致 The published result DIFFERS" in script.stdout


def test_a_seed_not_matching_its_commitment_fails_with_a_bilingual_answer(draw_file):
    path, _ = draw_file
    document = json.loads(path.read_text())
    document["seed"] = "11" * 32
    path.write_text(json.dumps(document, ensure_ascii=False))

    script = run_script(path)

    assert script.returncode == 1
    assert "公开的随机种子与抽取前公布的承诺值不符" in script.stdout
    assert "does not match the commitment" in script.stdout


def test_a_population_changed_after_publication_fails(draw_file):
    path, _ = draw_file
    document = json.loads(path.read_text())
    document["population"].pop()
    path.write_text(json.dumps(document, ensure_ascii=False))

    assert "名录已被改动" in run_script(path).stdout


def test_largest_remainder_allocation_gives_every_unit_once():
    assert verify_draw.allocate(4, {"building": 8, "municipal": 4}) == {
        "building": 3,
        "municipal": 1,
    }
    assert verify_draw.allocate(3, {"a": 1, "b": 1, "c": 1, "d": 1}) == {
        "a": 1,
        "b": 1,
        "c": 1,
        "d": 0,
    }
