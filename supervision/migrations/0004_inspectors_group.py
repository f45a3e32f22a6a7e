from django.db import migrations

INSPECTORS = "inspectors"


def create_group(apps, schema_editor):
    # The pool a plan draws inspectors from by default (执法检查人员名录库): staff are added to it.
    apps.get_model("auth", "Group").objects.get_or_create(name=INSPECTORS)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("supervision", "0003_inspections"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
