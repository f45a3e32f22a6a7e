# The certificate keeps what it printed (the project's name) and the journal chain it was issued
# on, so that the app reads nothing from its subject. Existing rows take both from their subject,
# which was the acceptance case until then.

from django.db import migrations, models


def copy_from_subject(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    for certificate in Certificate.objects.select_related("case__project").iterator():
        certificate.project_name = certificate.case.project.name
        certificate.journal_chain = certificate.case.reference
        certificate.save(update_fields=("project_name", "journal_chain"))


class Migration(migrations.Migration):

    dependencies = [
        ("certificates", "0003_certificate_ofd"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="journal_chain",
            field=models.CharField(
                default="",
                help_text="The journal chain the certificate's life is written to.",
                max_length=200,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="certificate",
            name="project_name",
            field=models.CharField(
                default="", max_length=300, verbose_name="project name, as printed"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_from_subject, migrations.RunPython.noop),
    ]
