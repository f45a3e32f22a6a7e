from pathlib import Path

from django.core.management.base import BaseCommand

from signing.dev_seal import NOT_FOR_PRODUCTION
from signing.devca import DEVELOPMENT_ONLY, dev_signing_ca_create


class Command(BaseCommand):
    help = (
        "Create a DEVELOPMENT-ONLY CA and signing certificate (仅供开发测试), and an SM2 CA, "
        "signer and electronic seal for OFD documents (不得用于生产), under "
        "<ARCHIVE_DATA_DIR>/signing/, unless they exist, so documents are signed on the "
        "embedded default. Never use them in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, help="write here instead")

    def handle(self, *args, directory=None, **options):
        files = dev_signing_ca_create(directory=directory)
        verb = "created" if files.created else "already present"
        self.stdout.write(f"{DEVELOPMENT_ONLY}: signing files {verb} in {files.directory}")
        self.stdout.write(f"  CA certificate (trust root): {files.ca_certificate}")
        self.stdout.write(f"  signer PKCS#12: {files.signer_pkcs12} (password: {files.password})")
        seal = files.seal
        self.stdout.write(f"{NOT_FOR_PRODUCTION}: SM2 electronic seal for OFD documents")
        self.stdout.write(f"  SM2 CA certificate (trust root): {seal.ca_certificate}")
        self.stdout.write(f"  SM2 signer certificate: {seal.signer_certificate}")
        self.stdout.write(f"  SM2 signer key: {seal.signer_key} (password: {seal.password})")
        self.stdout.write(f"  seal (GB/T 38540 SES_Seal): {seal.seal}")
        if files.created:
            self.stderr.write(
                self.style.WARNING(
                    "开发测试用签名密钥，切勿用于生产 / development signing key: NOT FOR PRODUCTION"
                )
            )
