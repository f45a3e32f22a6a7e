from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows.backup import BackupError, backup_problems, backup_read, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_archive after checking every file against its manifest; "
        "refuses a database with tables, a media folder with files or a differing key file "
        "unless --force. --check only verifies the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the backup folder")
        parser.add_argument(
            "--force", action="store_true", help="overwrite the database, media and key files"
        )
        parser.add_argument(
            "--check", action="store_true", help="verify the backup only, restore nothing"
        )

    def handle(self, *args, source: Path, force=False, check=False, **options):
        if check:
            try:
                manifest = backup_read(source)
                problems = backup_problems(source)
            except BackupError as exc:
                problems = exc.problems
            if problems:
                raise CommandError(f"备份不完好 backup damaged: {'; '.join(problems)}")
            self.stdout.write(f"备份完好 backup intact: {manifest.describe()}")
            return
        try:
            manifest = backup_restore(source, force=force)
        except BackupError as exc:
            raise CommandError(f"拒绝恢复 restore refused: {exc}") from exc
        self.stdout.write(f"恢复完成 restored from {source}: {manifest.describe()}")
