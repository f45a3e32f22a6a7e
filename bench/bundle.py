"""Evidence-bundle export: MB/s of ``bundle_export`` against a plain copy of the same files.

One demo case is run, then its bundle is exported several times (signed, as the archive step
does) and the case's stored files (materials and certificates) are copied with ``shutil`` into a
fresh folder as the floor. The bundle also writes the journal, the metadata and two SHA-256
manifests, and signs one of them.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .report import table


@dataclass(frozen=True)
class BundleFigures:
    megabytes: float
    files: int
    copy_seconds: float
    export_seconds: float

    @property
    def ratio(self) -> float:
        return self.export_seconds / self.copy_seconds


def _stored_files(case) -> list[Path]:
    files = [Path(material.file.path) for material in case.materials.all()]
    files += [Path(certificate.pdf.path) for certificate in case.certificates.all()]
    return files


def measure(workdir: Path, runs: int = 5) -> BundleFigures:
    from acceptance.archive.bundle import bundle_export
    from acceptance.demo import Demo
    from signing.signers import get_signer

    workdir.mkdir(parents=True, exist_ok=True)
    demo = Demo(lambda _line: None, workdir, wait_seconds=120)
    demo.prepare()
    case = demo.register()
    demo.prefile(case)
    demo.review(case)
    demo.decide(case)
    demo.fulfil(case)
    demo.finish(case)
    files = _stored_files(case)
    size = sum(path.stat().st_size for path in files)
    sign = get_signer().sign_detached
    copies, exports = [], []
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        for run in range(runs):
            target = Path(tmp) / f"copy-{run}"
            started = time.perf_counter()
            target.mkdir()
            for index, path in enumerate(files):
                shutil.copyfile(path, target / f"{index}-{path.name}")
            copies.append(time.perf_counter() - started)
            started = time.perf_counter()
            bundle_export(case=case, target=Path(tmp) / f"bundle-{run}", sign=sign)
            exports.append(time.perf_counter() - started)
    return BundleFigures(
        size / 1e6, len(files), statistics.median(copies), statistics.median(exports)
    )


def report(figures: BundleFigures) -> str:
    rows = [
        ("plain copy of the stored files", f"{figures.copy_seconds:.3f}",
         f"{figures.megabytes / figures.copy_seconds:.1f}", "1.00x"),
        ("bundle_export (signed)", f"{figures.export_seconds:.3f}",
         f"{figures.megabytes / figures.export_seconds:.1f}", f"{figures.ratio:.2f}x"),
    ]  # fmt: skip
    header = f"evidence bundle of one demo case: {figures.files} files, {figures.megabytes:.2f} MB"
    return header + "\n" + table(["", "seconds (median)", "MB/s", "time / copy"], rows)
