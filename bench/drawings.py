"""Drawing review cost: the streaming review against ezdxf's full ``readfile`` of the same file.

Drawings of about 1, 10 and 50 MB are generated (the demo's as-built sheet with its model space
filled by walls, polylines and Chinese room labels). Each measurement runs in its own fresh
Python process (``python -m bench.drawings --measure KIND PATH``) so its peak memory
(``VmHWM``, the process's resident high-water mark) is its own: ``idle`` imports the same modules and does nothing (the floor every
process pays), ``readfile`` is ``ezdxf.readfile``, ``review`` is every drawing rule
(:func:`acceptance.drawings.review.review_drawing`), ``check`` is what a stored drawing gets (the
four-property checks, then the rules; its time ratio is the "full check" column), ``preview`` renders every layout to SVG
and PNG. Ratios are review / readfile, for time and for peak memory, both absolute and above the
idle process.

A second table checks a flawed copy of each drawing (its ``$ACADVER`` removed, so ezdxf's
readers refuse it and a check that loads the document to repair it pays the full load): the
check's time against ``readfile`` and its peak memory against the idle process (target: under
1.5x idle plus the fixed buffer of ``ACCEPTANCE_DRAWING_AUDIT_MAX_BYTES`` worth of loading).
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.report import table

SIZES_MB = (1, 10, 50)
REPO_ROOT = Path(__file__).resolve().parent.parent


def generate(path: Path, megabytes: float) -> Path:
    """An as-built drawing of about ``megabytes``: the sample sheet plus model-space content."""
    import ezdxf

    from acceptance.samples import make_as_built_dxf

    stamp = {"CONTRACTOR": "上海建工", "COMPILER": "张伟", "DATE": "2026-01-10"}
    make_as_built_dxf(
        path, project_name="基准工程", drawing_number="JS-01", sheet_title="平面图", stamp=stamp
    )
    base = path.stat().st_size
    doc = ezdxf.readfile(path)
    msp = doc.modelspace()
    rnd = random.Random(7)
    # One round (a line, a polyline, a label) adds about 620 bytes of DXF.
    rounds = max(int((megabytes * 1024 * 1024 - base) / 620), 0)
    for n in range(rounds):
        x, y = rnd.uniform(0, 24000), rnd.uniform(0, 12000)
        msp.add_line((x, y), (x + 500, y + 300), dxfattribs={"layer": "A-WALL"})
        msp.add_lwpolyline([(x, y), (x + 100, y), (x + 100, y + 100)])
        msp.add_text(f"房间 {n}", height=250, dxfattribs={"style": "HZ", "insert": (x, y)})
    doc.saveas(path)
    return path


def without_acadver(source: Path, target: Path) -> Path:
    """Copy ``source`` line by line without its ``$ACADVER`` header variable (tag and value)."""
    text = {"encoding": "utf8", "errors": "surrogateescape", "newline": ""}
    with source.open(**text) as src, target.open("w", **text) as out:
        lines = iter(src)
        for code in lines:
            value = next(lines, "")
            if code.strip() == "9" and value.strip() == "$ACADVER":
                next(lines, "")  # the version's group code
                next(lines, "")  # the version
                continue
            out.write(code)
            out.write(value)
    return target


def _measure(kind: str, path: Path) -> dict:
    """Run inside the measuring process: one operation, its time and this process's peak."""
    import django

    django.setup()
    import ezdxf

    from acceptance.checks import FileKind, check_file
    from acceptance.drawings.preview import render_previews
    from acceptance.drawings.review import review_drawing

    start = time.perf_counter()
    if kind == "readfile":
        ezdxf.readfile(path)
    elif kind == "review":
        review_drawing(path)
    elif kind == "check":
        # What a stored drawing gets: the four-property checks, then the drawing rules.
        check_file(path, declared_kind=FileKind.DRAWING, name=path.name)
        review_drawing(path)
    elif kind == "preview":
        out = path.parent / f"{path.stem}-preview"
        findings = [f.as_dict() for f in review_drawing(path).findings]
        start = time.perf_counter()
        render_previews(path, out, findings)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mib": _peak_kib() / 1024}


def _peak_kib() -> int:
    # VmHWM is this process image's own peak; ru_maxrss would also count the forked parent's
    # pages from before exec, which Linux carries over.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _run(kind: str, path: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.drawings", "--measure", kind, str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@dataclass
class DrawingFigures:
    size_mb: float
    readfile: dict
    review: dict
    check: dict
    preview: dict
    idle: dict
    flawed_check: dict


def measure(workdir: Path, sizes=SIZES_MB, progress=print) -> list[DrawingFigures]:
    workdir.mkdir(parents=True, exist_ok=True)
    figures = []
    for size in sizes:
        path = workdir / f"drawing-{size}mb.dxf"
        progress(f"generating a {size} MB drawing")
        generate(path, size)
        runs = {}
        for kind in ("idle", "readfile", "review", "check", "preview"):
            progress(f"{kind} of {path.name}")
            runs[kind] = _run(kind, path)
        flawed = without_acadver(path, workdir / f"drawing-{size}mb-flawed.dxf")
        progress(f"check of {flawed.name}")
        runs["flawed_check"] = _run("check", flawed)
        figures.append(DrawingFigures(path.stat().st_size / 1024**2, **runs))
    return figures


def report(figures: list[DrawingFigures]) -> str:
    rows = []
    for f in figures:
        read, review, idle = f.readfile, f.review, f.idle
        above_read = read["peak_mib"] - idle["peak_mib"]
        above_review = review["peak_mib"] - idle["peak_mib"]
        rows.append(
            [
                f"{f.size_mb:.1f}",
                f"{read['seconds']:.2f}",
                f"{review['seconds']:.2f}",
                f"{review['seconds'] / read['seconds']:.2f}x",
                f"{read['peak_mib']:.0f}",
                f"{review['peak_mib']:.0f}",
                f"{review['peak_mib'] / read['peak_mib']:.2f}x",
                f"{max(above_review, 0) / above_read:.2f}x" if above_read > 0 else "n/a",
                f"{f.check['seconds'] / read['seconds']:.2f}x",
                f"{f.preview['seconds']:.2f}",
            ]
        )
    headers = [
        "MB",
        "readfile s",
        "review s",
        "time ratio",
        "readfile MiB",
        "review MiB",
        "peak ratio",
        "above idle",
        "full check",
        "preview s",
    ]
    idle = ", ".join(f"{f.idle['peak_mib']:.0f}" for f in figures)
    flawed_rows = [
        [
            f"{f.size_mb:.1f}",
            f"{f.flawed_check['seconds']:.2f}",
            f"{f.flawed_check['seconds'] / f.readfile['seconds']:.2f}x",
            f"{f.flawed_check['peak_mib']:.0f}",
            f"{f.flawed_check['peak_mib'] / f.idle['peak_mib']:.2f}x",
        ]
        for f in figures
    ]
    flawed_headers = ["MB", "check s", "vs readfile", "check MiB", "peak / idle"]
    return (
        "Drawing review (all rules, one streaming pass) against ezdxf.readfile of the same file\n"
        "targets: time ratio <= 0.2x, peak memory ratio <= 0.3x; peak = VmHWM of a fresh "
        f"process (idle process with the same imports: {idle} MiB); 'above idle' compares the "
        "memory each adds to that floor\n"
        + table(headers, rows)
        + "\n\nFull check of a flawed copy (no $ACADVER: both ezdxf readers refuse it)\n"
        "target: peak / idle <= 1.5x (bounded whatever the size)\n"
        + table(flawed_headers, flawed_rows)
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        if str(REPO_ROOT) not in sys.path:
            sys.path.insert(0, str(REPO_ROOT))
        print(json.dumps(_measure(sys.argv[2], Path(sys.argv[3]))))
    else:
        sys.exit("usage: python -m bench.drawings --measure idle|readfile|review|preview PATH")
