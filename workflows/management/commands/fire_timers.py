from django.core.management.base import BaseCommand

from workflows.timers import fire_due_timers


class Command(BaseCommand):
    help = "Fire every due BPMN timer now (what Celery beat does periodically)."

    def handle(self, *args, **options):
        self.stdout.write(f"{fire_due_timers()} timer(s) fired")
