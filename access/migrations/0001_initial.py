# The app's first migration: the models arrive in the migrations after it.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = []
