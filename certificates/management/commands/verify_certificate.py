from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.exceptions import UploadRefused
from certificates.verify import OfdReport, PdfReport, certificate_file_verify_path

# Exit codes: 0 genuine and in force; 3 genuine but superseded, suspended or revoked;
# 1 not verified (altered, unsigned, untrusted or not in the registry); 2 unreadable file.
GENUINE_NOT_IN_FORCE = 3
NOT_VERIFIED = 1
UNREADABLE = 2


def _mark(ok: bool) -> str:
    return "✔" if ok else "✖"


class Command(BaseCommand):
    help = (
        "Verify a certificate file offline. A PDF: its signature (pyHanko, against "
        "CERTIFICATES_TRUST_ROOTS) and its SHA-256 against the registry. An OFD: its SM2 "
        "electronic seal (the SM3 digests of its files, the SM2 signature, the seal and the "
        "certificates, against SIGNING_SM2_TRUST_ROOTS) and that the archive stored this very "
        "file. Prints the status. "
        "Exit 0: genuine and in force; 3: genuine but not in force; 1: not verified; "
        "2: unreadable."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            report = certificate_file_verify_path(file)
        except OSError as exc:
            raise CommandError(
                f"无法读取 cannot read {file}: {exc}", returncode=UNREADABLE
            ) from exc
        except UploadRefused as refused:
            raise CommandError(f"{file}: {refused}", returncode=UNREADABLE) from refused
        self._print(file, report)
        if report.in_force:
            return
        raise SystemExit(GENUINE_NOT_IN_FORCE if report.genuine else NOT_VERIFIED)

    def _print(self, file: Path, report: PdfReport | OfdReport) -> None:
        write = self.stdout.write
        write(f"文件 File: {file}")
        write(f"SHA-256: {report.sha256}")
        if isinstance(report, OfdReport):
            self._print_seal(report)
        else:
            self._print_signature(report)
        self._print_registry(report)

    def _print_seal(self, report: OfdReport) -> None:
        write, seal = self.stdout.write, report.seal
        write(
            f"电子印章 Seal: {_mark(seal.present)} present  {_mark(seal.files_intact)} files intact "
            f"(SM3)  {_mark(seal.signature_valid)} SM2 signature  {_mark(seal.seal_valid)} seal "
            f"valid  {_mark(seal.certificate_trusted)} trusted"
        )
        if seal.seal_name:
            write(f"印章 Seal name: {seal.seal_name}")
        if seal.sealer:
            write(f"签章人 Sealed by: {seal.sealer}")
        if seal.signed_at:
            write(f"盖章时间 Sealed at: {seal.signed_at.isoformat()}")
        for zh, en in seal.problems:
            write(f"问题 Problem: {zh} {en}")

    def _print_signature(self, report: PdfReport) -> None:
        write, signature = self.stdout.write, report.signature
        write(
            f"签名 Signature: {_mark(signature.present)} present  {_mark(signature.intact)} intact  "
            f"{_mark(signature.valid)} valid  {_mark(signature.trusted)} trusted  "
            f"{_mark(signature.covers_whole_file)} covers the whole file ({signature.coverage or '-'})"
        )
        if signature.signer:
            write(f"签名者 Signer: {signature.signer}")
        if signature.signed_at:
            write(f"签名时间 Signed at: {signature.signed_at.isoformat()}")
        if signature.problem_zh:
            write(f"问题 Problem: {signature.problem_zh} {signature.problem_en}")

    def _print_registry(self, report: PdfReport | OfdReport) -> None:
        write, certificate = self.stdout.write, report.certificate
        if certificate is None:
            write(
                "登记簿 Registry: ✖ 未找到与该文件相同的登记意见书 no registered certificate is this file"
            )
        else:
            write(
                f"登记簿 Registry: ✔ {certificate.number} · {certificate.kind_label} · "
                f"{certificate.project_name} · 签发 issued {certificate.issued_on.isoformat()}"
            )
            write(f"状态 Status: {certificate.status} ({certificate.status_label})")
        zh, en = report.verdict
        style = (
            self.style.SUCCESS
            if report.in_force
            else self.style.WARNING
            if report.genuine
            else self.style.ERROR
        )
        write(style(f"结论 Verdict: {zh} {en}"))
