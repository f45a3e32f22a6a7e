# The seed eligibility rules (access/seeds.py).
from django.db import migrations

from access.seeds import rules_seed


def seed(apps, schema_editor):
    rules_seed(
        apps.get_model("access", "ProofKind"),
        apps.get_model("access", "Purpose"),
        apps.get_model("access", "EligibilityRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("access", "0002_access_requests")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
