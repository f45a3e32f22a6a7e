"""Time to first view of the drawing review page's viewer, in a real browser (Debian's Chromium).

Drawings of about 1, 10 and 50 MB are generated as :mod:`bench.drawings` makes them (the demo's
as-built sheet, its model space filled with walls, polylines and Chinese room labels). A local
HTTP server on 127.0.0.1 serves them with the page's own script (``drawing_review.js``), the
vendored dxf-viewer bundle and the CJK font, in the markup the page gives them. Each run is a
fresh browser: ``first view`` is the page's own figure (``data-first-view-ms``: from the request
for the page until the drawing is drawn, fetch, parse in the worker and WebGL included). The floor
is what no viewer can skip: the same browser fetching the same file and decoding its text
(``fetch`` + ``TextDecoder``). The server-side preview (ezdxf drawing add-on, SVG and PNG) of the
same file is timed too, up to ``--preview-max-mb``: what the reviewer waited for before.
"""

from __future__ import annotations

import functools
import json
import shutil
import statistics
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.drawings import REPO_ROOT, _run, generate
from bench.report import table
from workflows.fonts import CJK_FONT_PATH

SIZES_MB = (1, 10, 50)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
STATIC = REPO_ROOT / "acceptance" / "static" / "acceptance"

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="drawing_review.css"></head><body>
<div class="viewer-tools"><details class="layers"><summary>图层</summary>
<ul class="layer-list"></ul></details></div>
<div class="viewer" data-state="loading" style="width:1100px;height:640px">
<div class="viewer-canvas"></div><div class="viewer-marks"></div>
<p class="viewer-status" role="status"></p></div>
<script id="drawing-viewer-config" type="application/json">{config}</script>
<script src="dxf-viewer.js"></script><script src="drawing_review.js"></script>
</body></html>"""

FLOOR = """<!doctype html><html><body><script>
fetch("{name}").then(r => r.arrayBuffer()).then(b => {{
  new TextDecoder("utf-8").decode(b); window.floorMs = Math.round(performance.now());
}});
</script></body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _site(folder: Path, drawing: Path) -> None:
    for name in ("dxf-viewer.js", "dxf-worker.js"):
        shutil.copy(STATIC / "vendor" / "dxf-viewer" / name, folder / name)
    for name in ("drawing_review.js", "drawing_review.css"):
        shutil.copy(STATIC / name, folder / name)
    shutil.copy(CJK_FONT_PATH, folder / "font.ttf")
    config = {
        "file": drawing.name,
        "encoding": "utf-8",
        "fonts": ["font.ttf"],
        "worker": "dxf-worker.js",
        "marks": [],
    }
    (folder / f"{drawing.stem}.html").write_text(
        PAGE.format(config=json.dumps(config)), encoding="utf8"
    )
    (folder / f"{drawing.stem}-floor.html").write_text(
        FLOOR.format(name=drawing.name), encoding="utf8"
    )


def _in_browser(url: str, expression: str) -> float:
    """Open ``url`` in a fresh headless Chromium and return ``expression`` once it is truthy."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_function(expression, timeout=300_000)
        value = page.evaluate(expression)
        browser.close()
    return float(value)


@dataclass
class ViewerFigures:
    size_mb: float
    floor_ms: list[float]
    first_view_ms: list[float]
    preview_s: float | None


def measure(
    workdir: Path, sizes=SIZES_MB, runs: int = 3, preview_max_mb: float = 10, progress=print
) -> list[ViewerFigures]:
    workdir.mkdir(parents=True, exist_ok=True)
    server, base = _serve(workdir)
    figures = []
    try:
        for size in sizes:
            drawing = workdir / f"viewer-{size}mb.dxf"
            progress(f"generating a {size} MB drawing")
            generate(drawing, size)
            _site(workdir, drawing)
            floor, first = [], []
            for run in range(runs):
                progress(f"{drawing.name}: browser run {run + 1} of {runs}")
                floor.append(_in_browser(f"{base}/{drawing.stem}-floor.html", "window.floorMs"))
                first.append(
                    _in_browser(
                        f"{base}/{drawing.stem}.html",
                        "document.querySelector('.viewer').dataset.firstViewMs",
                    )
                )
            preview = None
            if size <= preview_max_mb:
                progress(f"{drawing.name}: server-side preview")
                preview = _run("preview", drawing)["seconds"]
            figures.append(ViewerFigures(drawing.stat().st_size / 1024**2, floor, first, preview))
    finally:
        server.shutdown()
    return figures


def report(figures: list[ViewerFigures]) -> str:
    rows = []
    for f in figures:
        floor = statistics.median(f.floor_ms)
        first = statistics.median(f.first_view_ms)
        rows.append(
            [
                f"{f.size_mb:.1f}",
                f"{floor:.0f}",
                f"{first:.0f}",
                f"{min(f.first_view_ms):.0f}-{max(f.first_view_ms):.0f}",
                f"{first / floor:.1f}x",
                f"{f.preview_s:.1f}" if f.preview_s is not None else "not run",
                f"{f.preview_s * 1000 / first:.0f}x" if f.preview_s is not None else "",
            ]
        )
    headers = [
        "MB",
        "floor ms",
        "first view ms",
        "min-max",
        "vs floor",
        "server preview s",
        "preview / view",
    ]
    return (
        "Drawing viewer: time to first view in Chromium (median of fresh browsers), against the "
        "floor (the same browser fetching and decoding the file) and the server-side preview\n"
        "target: a 10 MB drawing viewable within a few seconds (first view <= 5,000 ms)\n"
        + table(headers, rows)
    )
