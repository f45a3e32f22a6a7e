from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from acceptance.exceptions import AcceptanceError
from acceptance.services.catalog import catalog_import


class Command(BaseCommand):
    help = (
        "Import a filing catalog (YAML or XLSX, the shape catalog_export writes) as a new "
        "catalog version (导入归档范围). Running cases keep the version they started with."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .yaml/.yml or .xlsx file")
        parser.add_argument("--note", default="", help="what changed in this version")
        parser.add_argument(
            "--draft", action="store_true", help="keep it a draft (publish it in the admin)"
        )

    def handle(self, *args, path, note, draft, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            version = catalog_import(source=source, name=source.name, note=note, publish=not draft)
        except AcceptanceError as exc:
            raise CommandError(str(exc)) from exc
        state = "draft" if draft else "published"
        self.stdout.write(
            f"catalog version {version.number} ({state}): {version.items.count()} items, "
            f"profiles {', '.join(version.profiles.values_list('works_type', flat=True)) or '—'}"
        )
