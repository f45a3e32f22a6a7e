"""Benchmark 6: 24-megapixel photos through the photo intake, against Pillow's draft-mode floor.

The intake of one photo (what ``check_media`` does per file, without the database): SHA-256 and
the four-property checks of ``check_file`` (sniffing, size, fixity, name), then
``examine_photo`` (one draft-mode decode, EXIF, resolution, orientation, perceptual hash,
upright preview and thumbnail), and both derivatives encoded as JPEG and written to disk.
The floor is what no intake can beat: ``Image.open``, ``draft()`` with the aspect-correct size,
``thumbnail((1024, 1024))`` of the same files. Both run on one worker process and on two
(``multiprocessing``, spawned), alternating, best of two rounds each; the ratio is intake time
over floor time at the same worker count; the CPU-time ratio (process time summed over the
workers) is the steadier figure on a loaded machine.

Memory: one fresh worker takes in 100, then 300, then 1,000 photos (cumulative) and reports its
peak RSS at each point; flat figures mean nothing accumulates per photo.

The photos are camera-like (a generated site scene with sensor noise, so they compress like real
photos: about 6–9 MB each); a pool of distinct files is generated once and cycled through.
Generation is not timed.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .report import table

SIZE = (6000, 4000)  # 24 megapixels, 3:2
FLOOR_THUMBNAIL = 1024
ROUNDS = 2


def make_pool(folder: Path, count: int) -> list[Path]:
    """``count`` distinct 24-megapixel JPEGs with EXIF and sensor-like noise."""
    import numpy as np
    from PIL import Image

    from acceptance.samples import make_site_photo

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    rng = np.random.default_rng(24)
    for index in range(count):
        path = folder / f"site-{index:02d}.jpg"
        make_site_photo(
            path,
            taken_at=datetime(2025, 5, 1, 8, 0) + timedelta(hours=index),
            size=SIZE,
            label=f"基准 #{index}",
        )
        with Image.open(path) as clean:
            exif = clean.getexif()
            pixels = np.asarray(clean, dtype=np.int16)
        noise = rng.normal(0, 6, pixels.shape).astype(np.int16)
        noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
        noisy.save(path, "JPEG", quality=90, exif=exif)
        paths.append(path)
    return paths


def intake_one(path: Path, out: Path) -> bool:
    """One photo through the checks and derivatives; True when it passed."""
    from acceptance.checks import CheckResult, FileKind, check_file
    from acceptance.media.photos import PhotoRules, examine_photo

    examinations = []

    def examine(file: Path, fmt: str):
        examinations.append(examine_photo(file, fmt, PhotoRules()))
        return examinations[-1].outcomes

    report = check_file(path, declared_kind=FileKind.PHOTO, name=path.name, image_check=examine)
    (examination,) = examinations
    examination.preview.save(out / f"{path.stem}-preview.jpg", "JPEG", quality=82)
    examination.thumbnail.save(out / f"{path.stem}-thumb.jpg", "JPEG", quality=82)
    return all(o.result is not CheckResult.FAIL for o in report.outcomes)


def floor_one(path: Path) -> None:
    """Pillow's cheapest way to a 1024 px thumbnail of a JPEG."""
    from PIL import Image

    from acceptance.media.photos import aspect_fit

    with Image.open(path) as image:
        image.draft("RGB", aspect_fit(image.size, FLOOR_THUMBNAIL))
        image.thumbnail((FLOOR_THUMBNAIL, FLOOR_THUMBNAIL))


def _worker(job: tuple[str, list[str], str]) -> tuple[float, int, int, float]:
    """Run one worker's share: (seconds, photos passed, peak RSS in KiB, CPU seconds)."""
    kind, paths, out = job
    passed = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for path in map(Path, paths):
        if kind == "intake":
            passed += intake_one(path, Path(out))
        else:
            floor_one(path)
    seconds = time.perf_counter() - start
    return seconds, passed, peak_rss_kib(), time.process_time() - cpu


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM), in KiB.

    Not ``getrusage``'s ru_maxrss: Linux carries that over fork and exec, so a spawned worker
    would report its parent's peak (the photo generation) instead of its own.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass
class Throughput:
    workers: int
    photos: int
    intake_seconds: float
    floor_seconds: float
    passed: int
    peak_rss_kib: int
    intake_cpu: float
    floor_cpu: float

    @property
    def ratio(self) -> float:
        return self.intake_seconds / self.floor_seconds

    @property
    def cpu_ratio(self) -> float:
        return self.intake_cpu / self.floor_cpu


def _batch(pool: list[Path], photos: int) -> list[str]:
    return [str(pool[i % len(pool)]) for i in range(photos)]


def _run(context, kind: str, paths: list[str], workers: int, out: Path) -> tuple[float, ...]:
    shares = [(kind, paths[i::workers], str(out)) for i in range(workers)]
    with context.Pool(workers) as pool:
        # Warm each worker's imports and the page cache so neither side pays for them.
        pool.map(_worker, [(kind, paths[:1], str(out))] * workers)
        start = time.perf_counter()
        results = pool.map(_worker, shares)
        wall = time.perf_counter() - start
    return wall, sum(r[1] for r in results), max(r[2] for r in results), sum(r[3] for r in results)


def measure(workdir: Path, *, photos: int, pool_size: int, memory_points: tuple[int, ...]):
    """Throughput on 1 and 2 workers, then the memory series; returns both."""
    pool = make_pool(workdir / "pool", pool_size)
    out = workdir / "derivatives"
    out.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    paths = _batch(pool, photos)
    throughput = []
    for workers in (1, 2):
        # Alternate the two sides and keep each one's best round: the machine is shared.
        rounds = [
            (
                _run(context, "floor", paths, workers, out),
                _run(context, "intake", paths, workers, out),
            )
            for _round in range(ROUNDS)
        ]
        floor, _passed, _rss, floor_cpu = min((f for f, _i in rounds), key=lambda r: r[0])
        intake, passed, rss, intake_cpu = min((i for _f, i in rounds), key=lambda r: r[0])
        throughput.append(
            Throughput(workers, photos, intake, floor, passed, rss, intake_cpu, floor_cpu)
        )
    with context.Pool(1) as worker:
        memory = []
        done = 0
        for point in memory_points:
            seconds, _passed, rss, _cpu = worker.apply(
                _worker, (("intake", _batch(pool, point - done), str(out)),)
            )
            done = point
            memory.append((point, rss, seconds))
    return throughput, memory


def report(result) -> str:
    throughput, memory = result
    rows = [
        [
            f"{t.workers} worker{'s' if t.workers > 1 else ''}",
            str(t.photos),
            f"{t.photos / t.intake_seconds:.2f}",
            f"{t.intake_seconds / t.photos * 1000 * t.workers:.0f}",
            f"{t.photos / t.floor_seconds:.2f}",
            f"{t.floor_seconds / t.photos * 1000 * t.workers:.0f}",
            f"{t.ratio:.2f}×",
            f"{t.cpu_ratio:.2f}×",
            f"{t.passed}/{t.photos}",
            f"{t.peak_rss_kib / 1024:.0f}",
        ]
        for t in throughput
    ]
    first = table(
        (
            "24 MP photos: checks + derivatives",
            "photos",
            "intake photos / s",
            "ms / photo / worker",
            "floor photos / s",
            "floor ms / photo / worker",
            "ratio intake / floor (target ≤ 1.5×)",
            "CPU-time ratio",
            "passed",
            "peak RSS / worker MiB",
        ),
        rows,
    )
    base = memory[0][1]
    second = table(
        ("one worker, cumulative", "photos", "peak RSS MiB", "vs first point", "photos / s"),
        [
            [
                "intake",
                str(point),
                f"{rss / 1024:.0f}",
                f"{rss / base:.2f}×",
                f"{(point - (memory[i - 1][0] if i else 0)) / seconds:.2f}",
            ]
            for i, (point, rss, seconds) in enumerate(memory)
        ],
    )
    return first + "\n\n" + second
