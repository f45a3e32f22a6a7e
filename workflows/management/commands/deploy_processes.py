from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.definitions import deploy_paths
from workflows.exceptions import DefinitionRejected


class Command(BaseCommand):
    help = "Deploy BPMN files as process definitions; unchanged files deploy nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            help="BPMN files or folders (default: WORKFLOWS_BPMN_DIRS)",
        )

    def handle(self, *args, paths, **options):
        try:
            results = deploy_paths(paths or getattr(settings, "WORKFLOWS_BPMN_DIRS", []))
        except DefinitionRejected as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            self.stdout.write(result.describe())
