from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from pyhanko.keys import load_cert_from_pemder

from acceptance.archive.verify import verify_bundle
from signing.validation import detached_signature_problem, trust_roots


class Command(BaseCommand):
    help = (
        "Verify an evidence bundle offline, without the database: BagIt validity, the manifest "
        "signature, the DA/T 48 EEP (schema, file digests, signatures), the journal chain, every "
        "file against its intake digest, and a replay."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the bundle's folder")
        parser.add_argument(
            "--trust",
            type=Path,
            action="append",
            help="a trusted CA certificate (PEM); default: CERTIFICATES_TRUST_ROOTS",
        )

    def handle(self, *args, path, trust=None, **options):
        if not path.is_dir():
            raise CommandError(f"{path} is not a bundle folder / 不是证据包目录")
        roots = [load_cert_from_pemder(str(p)) for p in trust] if trust else trust_roots()
        verdict = verify_bundle(
            path, check_signature=lambda data, sig: detached_signature_problem(data, sig, roots)
        )
        self.stdout.write(verdict.describe())
        if not verdict.ok:
            raise CommandError("the bundle failed verification / 证据包校验未通过")
