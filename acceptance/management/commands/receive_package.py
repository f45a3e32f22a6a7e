from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder

from acceptance.selectors.property_checks import verdict
from acceptance.services.property_checks import package_receive
from signing.validation import detached_signature_problem, trust_roots


class Command(BaseCommand):
    help = (
        "Receive an archival package from another system (移交接收 · 接收): verify it (BagIt, "
        "signatures, EEP) and run the four-property checks on every record in it; the report is "
        "kept and shown on the case's four-property page. Exit status 1 when a check failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the package's folder (a BagIt bag)")
        parser.add_argument(
            "--trust",
            type=Path,
            action="append",
            help="the sender's CA certificate (PEM); default: CERTIFICATES_TRUST_ROOTS",
        )
        parser.add_argument("--by", default="receive_package", help="who receives it")

    def handle(self, *args, path, trust=None, by, **options):
        if not path.is_dir():
            raise CommandError(f"{path} is not a package folder / 不是封装包目录")
        try:
            roots = [load_cert_from_pemder(str(p)) for p in trust] if trust else trust_roots()
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the trust root / 无法读取信任根证书: {exc}") from exc
        report = package_receive(
            path=path,
            check_signature=lambda data, sig: detached_signature_problem(data, sig, roots),
            actor=by,
        )
        zh, en = verdict(report)
        for item in report.items:
            if item["result"] != "pass":
                self.stdout.write(
                    f"{item['result'].upper()} {item['subject']}: {item['message_zh']}"
                )
        self.stdout.write(f"接收检测 {report.subject}：{zh} / {en}")
        self.stdout.write(
            f"report / 报告: {reverse('acceptance:property_report', args=[report.pk])}"
        )
        if not report.passed:
            raise CommandError("the package failed the receipt checks / 封装包未通过接收检测")
