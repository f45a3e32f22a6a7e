from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup), the media folder and the "
        "signing key files into the new folder DEST, with a manifest of SHA-256 digests."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path, help="a new or empty folder")

    def handle(self, *args, destination: Path, **options):
        try:
            manifest = backup_create(destination)
        except BackupError as exc:
            raise CommandError(f"备份失败 backup failed: {exc}") from exc
        self.stdout.write(f"备份完成 backed up to {destination}: {manifest.describe()}")
