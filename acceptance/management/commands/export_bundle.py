from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from acceptance.archive.bundle import bundle_export
from acceptance.models import Case
from signing.signers import get_signer


class Command(BaseCommand):
    help = "Export a case's evidence bundle (BagIt, signed manifest) to a new folder."

    def add_arguments(self, parser):
        parser.add_argument("case", help="the case number, e.g. YS20261121-ABC123")
        parser.add_argument("target", type=Path, help="a folder that does not exist yet")

    def handle(self, *args, case, target, **options):
        try:
            found = Case.objects.get(reference=case)
        except Case.DoesNotExist:
            raise CommandError(f"no case {case} / 没有案件 {case}") from None
        try:
            path = bundle_export(case=found, target=target, sign=get_signer().sign_detached)
        except FileExistsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"bundle written / 证据包已导出: {path}")
