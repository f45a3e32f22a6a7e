"""Recompute a published draw file offline and compare it with its published result."""

import json

from django.core.management.base import BaseCommand, CommandError

from supervision.verify_draw import verify


class Command(BaseCommand):
    help = "核验抽取结果 · Recompute a published supervision draw from its file, offline"

    def add_arguments(self, parser):
        parser.add_argument("file", help="the published draw file (JSON)")

    def handle(self, *args, **options):
        with open(options["file"], encoding="utf-8") as handle:
            verdict = verify(json.load(handle))
        self.stdout.write("\n".join(verdict.lines))
        if not verdict.ok:
            raise CommandError("抽取结果核验未通过 · The draw does not verify")
