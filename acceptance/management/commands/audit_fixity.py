import json

from django.core.management.base import BaseCommand, CommandError

from acceptance.models import Material
from acceptance.services.fixity import fixity_audit


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 of every stored material (or of one case's) and report any that "
        "changed or went missing; exit status 1 when one did (固定性审计)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", help="only this case's files (case number)")

    def handle(self, *args, case=None, **options):
        materials = Material.objects.filter(case__reference=case) if case else None
        if case and not materials.exists():
            raise CommandError(f"no stored files for case {case!r}")
        report = fixity_audit(materials=materials)
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        if not report.intact:
            raise CommandError(
                f"{len(report.problems)} of {report.checked} stored files failed the fixity audit"
            )
