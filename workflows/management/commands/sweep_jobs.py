import faulthandler
import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from workflows.jobs.sweep import jobs_sweep

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send again every job not taken in time or left by a dead worker (what beat does)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="keep sweeping every this many seconds (a stand-in for beat); default: once",
        )

    def handle(self, *args, **options):
        if not options["every"]:
            self.stdout.write(f"{jobs_sweep()} job(s) sent again")
            return
        # `kill -USR1` prints where every thread of a sweeper that seems stuck is, as a Celery
        # worker does.
        faulthandler.register(signal.SIGUSR1)
        while True:
            # A sweep that fails (the database restarting) is logged; the next one tries again.
            try:
                jobs_sweep()
            except Exception:
                logger.exception("job sweep failed")
                close_old_connections()
            time.sleep(options["every"])
