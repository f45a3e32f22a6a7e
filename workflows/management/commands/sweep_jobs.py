from django.core.management.base import BaseCommand

from workflows.jobs.sweep import jobs_sweep


class Command(BaseCommand):
    help = "Send again every job not taken in time or left by a dead worker (what beat does)."

    def handle(self, *args, **options):
        self.stdout.write(f"{jobs_sweep()} job(s) sent again")
