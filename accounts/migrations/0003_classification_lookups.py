"""Seed 002's classification: a sensible starting set that administrators edit in the admin."""

from django.db import migrations

ROWS = {
    "CustomerType": ["Customer", "Prospect", "Partner", "Former customer"],
    "Segment": ["Enterprise", "Mid-market", "Small business", "Public sector"],
    "ContactRole": ["Decision maker", "Economic buyer", "Influencer", "User", "Technical contact"],
    "LeadSource": ["Website", "Referral", "Trade fair", "Cold call", "Partner", "Campaign"],
}


def create(apps, schema_editor):
    for model_name, names in ROWS.items():
        model = apps.get_model("accounts", model_name)
        for order, name in enumerate(names, start=1):
            model.objects.get_or_create(name=name, defaults={"order": order * 10})


def remove(apps, schema_editor):
    for model_name, names in ROWS.items():
        apps.get_model("accounts", model_name).objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles")]

    operations = [migrations.RunPython(create, remove)]
