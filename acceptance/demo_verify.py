"""The demo's closing check: everything it made verifies, across its switch from SHA-256 to SM3.

Every journal chain of the database (each entry under the algorithm it names), the archival
package of each completed demo case (BagIt, signature, SM3 manifest, EEP, journal, materials,
replay: ``verify_bundle``), every certificate of those cases as PDF (its PAdES signature) and as
OFD (its SM2 seal), and every file the packages and certificates hold identified by PRONOM id,
or the reason it has none.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from certificates.models import Certificate
from certificates.verify import certificate_file_verify_path
from signing.validation import detached_signature_problem
from workflows.digests import LABELS
from workflows.journal import ChainVerdict, verify_all_chains
from workflows.models import OutboxJob

from .archive.package import archival_package_path
from .archive.verify import BundleVerdict, verify_bundle
from .checks.pronom import FormatIdentity, identify, is_ofd
from .models import Case, Material


@dataclass(frozen=True)
class CertificateCheck:
    number: str
    pdf: Path
    pdf_genuine: bool
    ofd: Path | None
    ofd_genuine: bool

    @property
    def ok(self) -> bool:
        return self.pdf_genuine and self.ofd is not None and self.ofd_genuine


@dataclass
class DemoVerification:
    chains: list[ChainVerdict] = field(default_factory=list)
    packages: list[tuple[Path, BundleVerdict]] = field(default_factory=list)
    certificates: list[CertificateCheck] = field(default_factory=list)
    # Every file of the packages and certificates: (path, its PRONOM identity).
    files: list[tuple[Path, FormatIdentity]] = field(default_factory=list)
    # Materials whose check results record neither a PRONOM id nor the reason there is none.
    unrecorded: list[str] = field(default_factory=list)
    # Background jobs of the demo that failed ("task: error"): a failure there is lost work.
    failed_jobs: list[str] = field(default_factory=list)

    @property
    def algorithms(self) -> set[str]:
        return {algorithm for chain in self.chains for algorithm in chain.algorithms}

    @property
    def switched_chains(self) -> list[ChainVerdict]:
        """The chains holding entries of more than one algorithm (written across the switch)."""
        return [chain for chain in self.chains if len(chain.algorithms) > 1]

    @property
    def unidentified(self) -> list[Path]:
        """Files with neither a PRONOM id nor a stated reason."""
        return [path for path, identity in self.files if not (identity.puid or identity.reason)]

    def problems(self) -> list[str]:
        problems = [chain.describe() for chain in self.chains if not chain.intact]
        problems += [
            f"{path}:\n{verdict.describe()}" for path, verdict in self.packages if not verdict.ok
        ]
        problems += [
            f"certificate {check.number}: PDF {'✔' if check.pdf_genuine else '✖'}, "
            f"OFD {'✔' if check.ofd_genuine else '✖ missing' if check.ofd is None else '✖'}"
            for check in self.certificates
            if not check.ok
        ]
        problems += [f"{path}: no PRONOM id and no reason" for path in self.unidentified]
        problems += [f"{name}: no format id recorded with its checks" for name in self.unrecorded]
        problems += [f"background job failed: {job}" for job in self.failed_jobs]
        return problems


def _labels(algorithms) -> str:
    return "、".join(LABELS.get(algorithm, algorithm) for algorithm in sorted(algorithms))


def _identity(path: Path) -> FormatIdentity:
    # OFD has no PRONOM id: recognised by its structure, as the intake checks do.
    return identify(path, "ofd" if is_ofd(path) else "")


def _recorded_identity(report: dict) -> bool:
    format_id = report.get("format_id") or {}
    return bool(format_id.get("puid") or format_id.get("reason"))


def _wait_for_ofd(certificate: Certificate, deadline: float) -> Certificate:
    # The OFD is rendered by a job after the issuing transaction (by a worker when distributed).
    while not certificate.ofd and time.monotonic() < deadline:
        time.sleep(0.2)
        certificate.refresh_from_db()
    return certificate


def _package(case: Case, deadline: float) -> tuple[Path, BundleVerdict]:
    path = archival_package_path(case)
    while True:
        verdict = verify_bundle(path, check_signature=detached_signature_problem)
        if verdict.ok or time.monotonic() > deadline:
            return path, verdict
        time.sleep(0.5)


def demo_verify(
    cases: list[Case], say: Callable[[str], None], *, since: datetime, wait_seconds: float = 120
) -> DemoVerification:
    """Verify everything the demo made (it began at ``since``), say what was verified (Chinese
    first) and return it."""
    deadline = time.monotonic() + wait_seconds
    found = DemoVerification(chains=verify_all_chains())
    found.failed_jobs = [
        f"{job.task}: {job.error.strip().splitlines()[-1] if job.error.strip() else ''}"
        for job in OutboxJob.objects.filter(
            created_at__gte=since, status=OutboxJob.Status.FAILED
        ).order_by("pk")
    ]
    intact = sum(chain.intact for chain in found.chains)
    say(
        f"     日志链 journal chains: {intact}/{len(found.chains)} 条完整 intact（摘要算法 "
        f"{_labels(found.algorithms)}）；跨越 SHA-256 → SM3 切换的 {len(found.switched_chains)} 条"
        f"逐条按各自的算法校验通过 / chains written across the switch verify entry by entry"
    )
    for chain in found.switched_chains:
        say(f"       - {chain.chain}: {chain.entries} 条 entries, {chain.algorithm_labels}")

    for case in cases:
        path, verdict = _package(case, deadline)
        found.packages.append((path, verdict))
        passed = [name for name, ok, _detail in verdict.checks if ok]
        say(
            f"     归档信息包 archival package {case.reference}: "
            + ("校验通过 verified" if verdict.ok else "未通过 NOT verified")
            + f"（{'、'.join(passed)}）"
        )
        found.files += [
            (file, _identity(file)) for file in sorted((path / "data").rglob("*")) if file.is_file()
        ]

    for certificate in Certificate.objects.filter(case__in=cases).order_by("issued_at", "pk"):
        certificate = _wait_for_ofd(certificate, deadline)
        pdf = Path(certificate.pdf.path)
        ofd = Path(certificate.ofd.path) if certificate.ofd else None
        check = CertificateCheck(
            number=certificate.number,
            pdf=pdf,
            pdf_genuine=certificate_file_verify_path(pdf).genuine,
            ofd=ofd,
            ofd_genuine=ofd is not None and certificate_file_verify_path(ofd).genuine,
        )
        found.certificates.append(check)
        found.files += [(file, _identity(file)) for file in (pdf, ofd) if file is not None]
        say(
            f"     证书 certificate {certificate.number}: PDF 签名 signature "
            f"{'✔' if check.pdf_genuine else '✖'}，OFD 电子印章 SM2 seal "
            f"{'✔' if check.ofd_genuine else '✖'}"
        )

    materials = Material.objects.filter(case__in=cases).order_by("pk")
    found.unrecorded = [
        f"{material.case.reference} {material.original_name} v{material.version}"
        for material in materials.select_related("case")
        if not _recorded_identity(material.check_report)
    ]
    say(
        f"     材料检测结果 check results: {materials.count() - len(found.unrecorded)}/"
        f"{materials.count()} 份材料记录了 PRONOM 编号或无编号的原因 / record a format id"
    )
    by_id = sum(bool(identity.puid) for _path, identity in found.files)
    reasons = sorted({identity.reason for _path, identity in found.files if not identity.puid})
    say(
        f"     格式识别 format ids: {len(found.files)} 个文件，{by_id} 个有 PRONOM 编号，"
        f"{len(found.files) - by_id} 个写明原因 / with a PRONOM id or the reason it has none"
    )
    for reason in reasons:
        say(f"       - {reason}")
    say(
        "     后台任务 background jobs: 无失败 none failed"
        if not found.failed_jobs
        else f"     后台任务失败 background jobs FAILED: {len(found.failed_jobs)}"
    )
    return found
