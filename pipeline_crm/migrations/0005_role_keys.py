from django.db import migrations

# The contract's group names (DESIGN.md) and the role each gives.
ROLES = (("salesperson", "Salesperson"), ("sales_manager", "Sales manager"))


def attach_keys(apps, schema_editor):
    """Give the groups named in the contract their role key; from now on the key, not the
    name, says what a group's members may do."""
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    GroupRole = apps.get_model("pipeline_crm", "GroupRole")
    for key, name in ROLES:
        group, _ = Group.objects.using(db).get_or_create(name=name)
        GroupRole.objects.using(db).get_or_create(key=key, defaults={"group": group})


def detach_keys(apps, schema_editor):
    apps.get_model("pipeline_crm", "GroupRole").objects.using(
        schema_editor.connection.alias
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline_crm", "0004_group_role"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(attach_keys, detach_keys)]
