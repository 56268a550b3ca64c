from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("opportunity", "opportunityline")
LOOKUPS = ("stage", "forecastcategory", "lossreason", "dealtype", "competitor", "product", "productgroup")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    sales = [f"{a}_{m}" for m in MODELS for a in ("view", "add", "change")]
    sales += [f"view_{m}" for m in LOOKUPS]
    manager = sales + [f"delete_{m}" for m in MODELS]
    for name, codenames in (("Salesperson", sales), ("Sales manager", manager)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="opportunities", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Salesperson", "Sales manager"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="opportunities"))


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0002_default_lookups"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
