from django.db import migrations


def create_row(apps, schema_editor):
    """The settings row exists from the start: pages read it, none has to create it."""
    CompanySettings = apps.get_model("pipeline_crm", "CompanySettings")
    CompanySettings.objects.using(schema_editor.connection.alias).get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("pipeline_crm", "0002_lookup_version")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
