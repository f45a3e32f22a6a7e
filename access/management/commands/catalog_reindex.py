from django.core.management.base import BaseCommand

from access.catalog.index import catalog_reindex


class Command(BaseCommand):
    help = (
        "Rebuild the open catalog's search entries (公开目录) of every accepted project, e.g. "
        "after a restore or on a database that predates the catalog."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{catalog_reindex()} catalog entries written")
