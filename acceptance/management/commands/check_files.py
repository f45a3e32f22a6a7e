"""``manage.py check_files PATH...``: the four-property checks on files outside any case."""

import json
import sys

from django.core.management.base import BaseCommand

from acceptance.checks import FileKind
from acceptance.services.filecheck import check_paths


class Command(BaseCommand):
    # A file check needs no system check: skipping them keeps the command's start-up short.
    requires_system_checks = []
    help = (
        "Run the archive's file checks (四性检测) on files or folders outside any case and print "
        "one JSON object per file; exit status 0 when every check passes, 1 when any fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
        parser.add_argument(
            "--kind",
            choices=[k.value for k in FileKind if k is not FileKind.UNKNOWN],
            help="what the files are meant to be (default: judged from each file's content)",
        )
        parser.add_argument("--sha256", help="the digest recorded at capture (one file only)")
        parser.add_argument("--indent", type=int, default=None, help="pretty-print the JSON")

    def handle(self, *args, paths, kind=None, sha256=None, indent=None, **options):
        failed = False
        for result in check_paths(paths, kind=FileKind(kind) if kind else None, sha256=sha256):
            failed = failed or not result["passed"]
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=indent))
        self.stdout.flush()
        if failed:
            sys.exit(1)
