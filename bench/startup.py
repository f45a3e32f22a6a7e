"""Command-line start-up: ``manage.py check_files`` on one small drawing, against Django's own start.

``python bench/startup.py [--runs N]`` times fresh processes (wall clock, the best and the median
of N) and prints each against the floor measured in the same run, ``django.setup()`` of this
site: what the command adds to starting Django is what the product's own imports cost. The
target on the 2-core development machine is ``check_files`` in at most 0.6 s. Numbers are
printed, never asserted.

Every process runs with Python's bytecode cache warm, as a person's second run has it: the cache
is written to a temporary folder (``PYTHONPYCACHEPREFIX``) by the untimed first run, even where
``PYTHONDONTWRITEBYTECODE`` is set (some sandboxes set it; each process then compiles the site's
own modules again, about a sixth of Django's start).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # ``python bench/startup.py`` puts bench/, not the repo, first
    sys.path.insert(0, str(REPO_ROOT))

TARGET_S = 0.6
SETUP = (
    "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
    "import django; django.setup()"
)


def small_drawing(folder: Path) -> Path:
    """A one-sheet as-built drawing (about 40 KB), as an owner uploads it."""
    from acceptance.samples import make_as_built_dxf

    return make_as_built_dxf(
        folder / "A-101.dxf",
        project_name="启动测试项目",
        drawing_number="A-101",
        sheet_title="一层平面图",
        stamp={"CONTRACTOR": "上海建工", "COMPILER": "张伟", "DATE": "2026-11-01"},
    )


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_runs(command: list[str], runs: int, env: dict[str, str]) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each run. CPU time moves less than wall time on a busy machine."""
    subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, check=False)  # warm
    times = []
    for _ in range(runs):
        start, cpu = time.perf_counter(), cpu_of_children()
        subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, check=False)
        times.append((time.perf_counter() - start, cpu_of_children() - cpu))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "ARCHIVE_DATA_DIR": folder,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPYCACHEPREFIX": str(Path(folder) / "pycache"),
        }
        drawing = small_drawing(Path(folder))
        python = sys.executable
        commands = {
            "python (interpreter alone)": [python, "-c", "pass"],
            "django.setup() of this site (floor)": [python, "-c", SETUP],
            f"manage.py check_files {drawing.name} ({drawing.stat().st_size // 1024} KB)": [
                python,
                "manage.py",
                "check_files",
                str(drawing),
            ],
        }
        results = {name: timed_runs(command, args.runs, env) for name, command in commands.items()}
    floor = min(wall for wall, _ in results["django.setup() of this site (floor)"])
    load = os.getloadavg()[0]
    print(
        f"\n## Command-line start-up ({args.runs} runs each, bytecode cache warm, "
        f"load average {load:.2f})\n"
    )
    print("| process | best s | median s | best / django.setup() | best CPU s |")
    print("|---|---|---|---|---|")
    for name, times in results.items():
        walls = [wall for wall, _ in times]
        print(
            f"| {name} | {min(walls):.3f} | {statistics.median(walls):.3f} "
            f"| {min(walls) / floor:.2f} | {min(cpu for _, cpu in times):.3f} |"
        )
    best = min(wall for wall, _ in results[list(results)[-1]])
    verdict = "within" if best <= TARGET_S else "over"
    print(f"\ncheck_files: best {best:.3f} s, {verdict} the {TARGET_S} s target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
