"""Benchmark 4: intake throughput, files through upload + SHA-256 + the four-property checks.

A mix of generated PDFs (one to a few pages, CJK text) and site photos (2048×1536 JPEG with EXIF)
is uploaded into one case with ``material_upload`` (chunked SHA-256, size limit, duplicate check,
content-addressed storage, journal entry) and checked with ``materials_check`` (sniffing, fixity,
name and metadata, package and structure checks, opening the PDF with pypdf or decoding the whole
image with Pillow, the report saved on the material). The floor is the bare SHA-256 of the same
bytes read from the same files; the ratio says how many times that the whole intake costs.

Sample generation and the case's setup are not timed.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .report import table

CHUNK = 1024 * 1024


@dataclass
class KindResult:
    kind: str
    files: int = 0
    bytes: int = 0
    intake_seconds: list[float] = field(default_factory=list)
    upload_seconds: float = 0.0
    check_seconds: float = 0.0
    sha_seconds: float = 0.0
    failed: int = 0

    @property
    def intake_total(self) -> float:
        return self.upload_seconds + self.check_seconds


def _samples(folder: Path, pdfs: int, photos: int) -> list[tuple[str, str, Path]]:
    from acceptance.samples import make_pdf_document, make_site_photo

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for index in range(pdfs):
        lines = [f"浦东新区示范中学新建工程 第 {index} 份文件"] + [
            f"第 {n} 段：施工记录、检验批质量验收记录与隐蔽工程验收记录。" * 3
            for n in range(8 + index % 24)
        ]
        path = make_pdf_document(
            folder / f"record-{index:03d}.pdf", title=f"记录 {index}", lines=lines
        )
        files.append(("pdf", "A1-1", path))
    for index in range(photos):
        path = make_site_photo(
            folder / f"photo-{index:03d}.jpg",
            taken_at=datetime(2025, 3, 1, 9, 0) + timedelta(hours=index),
            label=f"现场 #{index}",
        )
        files.append(("photo", "E3-1", path))
    return files


def bench_case():
    """A new case of a new project, owned by the bench's owner; the processes deployed."""
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from acceptance.models import Organisation
    from acceptance.services.cases import case_open
    from acceptance.services.catalog import catalog_seed
    from acceptance.services.projects import project_register

    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    catalog_seed()
    user, _ = get_user_model().objects.get_or_create(username="bench_intake_owner")
    organisation = Organisation.objects.create(name="基准测试建设单位")
    organisation.members.add(user)
    project = project_register(
        user=user, owner=organisation, name="基准测试项目", location="上海", works_type="building"
    )
    return case_open(project=project, user=user), user


def _bare_sha256(path: Path) -> float:
    start = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    digest.hexdigest()
    return time.perf_counter() - start


def measure(pdfs: int, photos: int, *, workdir: Path) -> dict[str, KindResult]:
    from django.core.files import File

    from acceptance.services.material_checks import materials_check
    from acceptance.services.materials import material_upload

    files = _samples(workdir, pdfs, photos)
    case, user = bench_case()
    items = {item.code: item for item in case.catalog_version.items.all()}
    node = case.project.nodes.order_by("position").last()
    results = {kind: KindResult(kind) for kind in ("pdf", "photo")}
    # Warm the page cache and the imports so the first file is not charged for them.
    for _, _, path in files:
        path.read_bytes()
    for kind, code, path in files:
        result = results[kind]
        result.files += 1
        result.bytes += path.stat().st_size
        result.sha_seconds += _bare_sha256(path)
        start = time.perf_counter()
        with path.open("rb") as handle:
            material = material_upload(
                case=case,
                user=user,
                catalog_item=items[code],
                node=node,
                file=File(handle),
                name=path.name,
            )
        uploaded = time.perf_counter()
        failed = materials_check([material])
        done = time.perf_counter()
        result.upload_seconds += uploaded - start
        result.check_seconds += done - uploaded
        result.intake_seconds.append(done - start)
        result.failed += len(failed)
    return results


def _row(result: KindResult) -> list[str]:
    files_per_s = result.files / result.intake_total
    sha_files_per_s = result.files / result.sha_seconds
    return [
        result.kind,
        str(result.files),
        f"{result.bytes / result.files / 1024:.0f}",
        f"{files_per_s:.1f}",
        f"{result.bytes / result.intake_total / 1024**2:.1f}",
        f"{statistics.median(result.intake_seconds) * 1000:.1f}",
        f"{result.upload_seconds / result.files * 1000:.1f}",
        f"{result.check_seconds / result.files * 1000:.1f}",
        f"{sha_files_per_s:,.0f}",
        f"{result.intake_total / result.sha_seconds:,.0f}×",
        str(result.failed),
    ]


def report(results: dict[str, KindResult]) -> str:
    total = KindResult("all")
    for result in results.values():
        total.files += result.files
        total.bytes += result.bytes
        total.intake_seconds += result.intake_seconds
        total.upload_seconds += result.upload_seconds
        total.check_seconds += result.check_seconds
        total.sha_seconds += result.sha_seconds
        total.failed += result.failed
    rows = [_row(r) for r in (*results.values(), total) if r.files]
    headers = (
        "intake (upload + SHA-256 + four-property checks)",
        "files",
        "KiB / file",
        "files / s",
        "MiB / s",
        "median ms / file",
        "upload ms / file",
        "checks ms / file",
        "bare SHA-256 files / s",
        "ratio intake / bare SHA-256",
        "failed checks",
    )
    return table(headers, rows)
