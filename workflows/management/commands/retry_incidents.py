from django.core.management.base import BaseCommand, CommandError

from workflows.incidents import incidents_retry, open_incidents


class Command(BaseCommand):
    help = "Retry incidents: the ones named, or every open one (of an operation / error type)."

    def add_arguments(self, parser):
        parser.add_argument("incidents", nargs="*", type=int, help="incident ids")
        parser.add_argument("--all", action="store_true", help="every open incident")
        parser.add_argument("--operation", default="", help="only incidents of this operation")
        parser.add_argument("--error-type", default="", help="only incidents of this error type")

    def handle(self, *args, **options):
        ids = options["incidents"]
        if bool(ids) == options["all"]:
            raise CommandError("name incident ids or give --all, not both")
        if options["all"]:
            ids = open_incidents(
                operation=options["operation"], error_type=options["error_type"]
            ).values_list("pk", flat=True)
        report = incidents_retry(incident_ids=list(ids))
        for incident_id, reason in report.refused.items():
            self.stderr.write(f"incident {incident_id} not retried: {reason}")
        self.stdout.write(f"{len(report.done)} incident(s) retried")
        if report.refused:
            raise CommandError(f"{len(report.refused)} incident(s) could not be retried")
