from django.contrib.auth.management import create_permissions
from django.db import migrations

SALESPERSON = "Salesperson"
SALES_MANAGER = "Sales manager"

# Object rules (owner, the deal's editors, managers) are checked in code: activities/access.py.
SALES = [
    "view_activity", "add_activity", "change_activity", "delete_activity",
    "view_document", "add_document",
    "view_activitytype",
]
MANAGER = SALES + ["delete_document"]


def grant(apps, schema_editor):
    # Permissions are normally made after migrate; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((SALESPERSON, SALES), (SALES_MANAGER, MANAGER)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="activities", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    groups = apps.get_model("auth", "Group").objects.filter(name__in=[SALESPERSON, SALES_MANAGER])
    for group in groups:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="activities"))


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_default_activity_types"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
