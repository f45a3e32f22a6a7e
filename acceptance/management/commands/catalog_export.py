from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from acceptance.exceptions import AcceptanceError
from acceptance.exports.catalog import catalog_format_of, catalog_to_xlsx, catalog_to_yaml
from acceptance.models import CatalogVersion


class Command(BaseCommand):
    help = (
        "Write a catalog version (default: the current one) as YAML or XLSX, the shape "
        "catalog_import reads (导出归档范围)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .yaml/.yml or .xlsx file to write")
        parser.add_argument("--catalog-version", type=int, dest="number", help="version number")

    def handle(self, *args, path, number=None, **options):
        try:
            fmt = catalog_format_of(path)
        except AcceptanceError as exc:
            raise CommandError(str(exc)) from exc
        versions = CatalogVersion.objects.all()
        version = versions.filter(number=number).first() if number else versions.current()
        if version is None:
            raise CommandError(f"no catalog version {number or '(published)'}")
        content = catalog_to_yaml(version) if fmt == "yaml" else catalog_to_xlsx(version)
        Path(path).write_bytes(content)
        self.stdout.write(f"catalog version {version.number} written to {path}")
