from django.contrib.auth.management import create_permissions
from django.db import migrations

SALESPERSON = "Salesperson"
SALES_MANAGER = "Sales manager"

LOOKUPS = ("businessarea", "segment", "industry", "customertype", "contactrole", "leadsource")
SALESPERSON_PERMS = [
    "view_account", "add_account", "change_account",
    "view_contact", "add_contact", "change_contact",
] + [f"view_{name}" for name in LOOKUPS]
MANAGER_PERMS = SALESPERSON_PERMS + ["delete_account", "delete_contact"]


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrate; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((SALESPERSON, SALESPERSON_PERMS), (SALES_MANAGER, MANAGER_PERMS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[SALESPERSON, SALES_MANAGER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_accounts_contacts_lookups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
