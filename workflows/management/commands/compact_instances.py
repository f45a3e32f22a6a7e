from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workflows.compaction import compact_ended, instance_compact
from workflows.models import ProcessInstance


class Command(BaseCommand):
    help = (
        "Compact ended process instances: drop the serialized state (the final digest and the "
        "journal stay, and replay verifies as before) and the finished service jobs; each is "
        "replayed first and left alone unless it verifies. What beat does daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("business_key", nargs="?", help="only this chain's instances")
        parser.add_argument(
            "--ended-days-ago",
            type=int,
            help="instances ended at least this many days ago (default WORKFLOWS_COMPACT_AFTER_DAYS)",
        )

    def handle(self, *args, business_key=None, ended_days_ago=None, **options):
        if business_key:
            ids = ProcessInstance.objects.filter(business_key=business_key).values_list(
                "pk", flat=True
            )
            if not ids:
                raise CommandError(f"no process instance for {business_key}")
            outcomes = [instance_compact(pk) for pk in ids]
        else:
            ended_before = (
                None if ended_days_ago is None else timezone.now() - timedelta(days=ended_days_ago)
            )
            outcomes = compact_ended(ended_before)
        for outcome in outcomes:
            self.stdout.write(outcome.describe())
        done = sum(outcome.compacted for outcome in outcomes)
        self.stdout.write(f"{done} of {len(outcomes)} instance(s) compacted")
